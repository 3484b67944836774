"""Finding the user's line behind an import or attribute access, for warnings.

A warning about ``import old`` must point at the line that wrote it, not at importlib's or
importcraft's frames, on every supported Python, so that the default filters show it once per
site. ``warnings.warn``'s ``stacklevel`` cannot express "the first frame outside these files" (3.12
added ``skip_file_prefixes``, 3.11 has nothing), so the frame is found here and the warning is
issued with ``warnings.warn_explicit`` exactly as ``warnings.warn`` would have issued it there.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from types import FrameType

_OURS = os.path.dirname(os.path.abspath(__file__)) + os.sep
# importlib's own directory, found without importing importlib.
_IMPORTLIB = os.path.join(os.path.dirname(os.path.abspath(os.__file__)), "importlib") + os.sep
_INTERNAL = ("<frozen importlib", _OURS, _IMPORTLIB)


def user_frame() -> FrameType | None:
    """The innermost frame that belongs neither to importlib nor to importcraft."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
    return frame


def warn_at_user(message: str, category: type[Warning]) -> None:
    """Issue a warning attributed to the user's line, honouring filters and the registry."""
    import warnings

    frame = user_frame()
    if frame is None:
        warnings.warn(message, category, stacklevel=2)
        return
    module_globals = frame.f_globals
    warnings.warn_explicit(
        message,
        category,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=module_globals.get("__name__", "<unknown>"),
        registry=module_globals.setdefault("__warningregistry__", {}),
    )
