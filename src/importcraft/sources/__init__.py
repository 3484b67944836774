"""Sources: places modules come from that are not files on ``sys.path``.

A source answers for names *inside* itself: installed with ``prefix="plugins"``, the module
``plugins.json_handler`` is the source's ``"json_handler"`` and ``plugins`` itself is ``""``.
Write your own by subclassing :class:`Source`.
"""

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from ._base import Source
    from ._dict import DictSource
    from ._directory import DirectorySource
    from ._env import EnvSource

__all__ = ["DictSource", "DirectorySource", "EnvSource", "Source"]

# Each class is imported from its module when first used: virtual() needs neither the
# directory nor the environment source.
_MODULES = {
    "Source": "_base",
    "DictSource": "_dict",
    "DirectorySource": "_directory",
    "EnvSource": "_env",
}


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{module}", fromlist=[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
