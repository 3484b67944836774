"""Sources: places modules come from that are not files on ``sys.path``.

A source answers for names *inside* itself: installed with ``prefix="plugins"``, the module
``plugins.json_handler`` is the source's ``"json_handler"`` and ``plugins`` itself is ``""``.
Write your own by subclassing :class:`Source`.
"""

from ._base import Source
from ._dict import DictSource
from ._directory import DirectorySource
from ._env import EnvSource

__all__ = ["DictSource", "DirectorySource", "EnvSource", "Source"]
