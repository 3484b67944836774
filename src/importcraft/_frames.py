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
# importlib's own directory, found without importing anything: this module runs inside import
# lookups (policy checks), where an import would come back to the check.
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


def from_importcraft() -> bool:
    """Whether the import being looked up was started by importcraft's own code.

    Follows the import chain outwards: through importlib, through the bodies of modules being
    imported (``<module>`` frames: pathlib importing fnmatch because importlib.resources imports
    pathlib), to the code that started it. Only importcraft's code there counts; a function of
    anyone else ends the chain, so a program run by ``importcraft run`` is not importcraft's.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(_OURS):
            if code.co_name not in _ROUTER_FRAMES:
                return True
        elif not code.co_filename.startswith(_INTERNAL) and code.co_name != "<module>":
            return False
        frame = frame.f_back
    return False


# importcraft's frames that are on every lookup, whoever started the import.
_ROUTER_FRAMES = frozenset({"find_spec", "_find_spec", "check"})
