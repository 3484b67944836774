"""The user's frames: finding the line behind an import, for warnings; trimming tracebacks.

A warning about ``import old`` must point at the line that wrote it, not at importlib's or
importcraft's frames, on every supported Python, so that the default filters show it once per
site. ``warnings.warn``'s ``stacklevel`` cannot express "the first frame outside these files" (3.12
added ``skip_file_prefixes``, 3.11 has nothing), so the frame is found here and the warning is
issued with ``warnings.warn_explicit`` exactly as ``warnings.warn`` would have issued it there.
"""

import os
import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import TypeVar

    F = TypeVar("F", bound=Callable[..., object])

# The package folder (this file is in its core/): frames of any importcraft module are ours.
PACKAGE_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# importlib's own directory, found without importing importlib.
_IMPORTLIB = os.path.join(os.path.dirname(os.path.abspath(os.__file__)), "importlib") + os.sep
_INTERNAL = ("<frozen importlib", PACKAGE_FOLDER, _IMPORTLIB)


def user_frame() -> "FrameType | None":
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


# CPython's import.c (remove_importlib_frames) cuts, from the traceback of a failed import
# statement, each run of frames whose file is importlib's bootstrap: always for an ImportError,
# and otherwise up to a frame named _call_with_frames_removed (the function through which
# importlib runs a module's body). A loader entry point whose code object carries that file and
# that name is cut along with importlib's own frames: the user's ``import`` line is followed
# directly by the user's module.
_BOOTSTRAP_EXTERNAL = "<frozen importlib._bootstrap_external>"


def import_entry(function: "F") -> "F":
    """Mark ``function`` (a loader's ``exec_module``) as a frame CPython trims from tracebacks.

    Keep the function tiny: its frame reads as importlib's in any traceback that is not
    trimmed (``importlib.import_module`` is not, as for importlib's own loaders). It should
    call :func:`trim` on the way out, so that the frames between it and the user's code go too.
    """
    code = function.__code__
    function.__code__ = code.replace(
        co_filename=_BOOTSTRAP_EXTERNAL, co_name="_call_with_frames_removed"
    )
    return function


def importlib_frame(function: "F") -> "F":
    """Mark ``function`` as a frame CPython trims from an ImportError's traceback.

    For the functions an ImportError raised by importcraft passes through on its way out of
    ``find_spec`` (the router's, a policy's check): CPython trims every importlib frame from the
    traceback of an ImportError that an import statement raises, wherever it is. Other errors
    show the frame under importlib's file name with its own function name and line.
    """
    function.__code__ = function.__code__.replace(co_filename=_BOOTSTRAP_EXTERNAL)
    return function


def trim(exc: BaseException) -> None:
    """Drop importlib's and importcraft's frames that follow the first one of ``exc``'s traceback.

    Called in an ``except`` clause, the first frame is the caller's own. The frames are only
    dropped up to the first frame of other code (the user's module, callback or transformer);
    an error with no such frame (raised by importcraft itself) keeps its traceback whole,
    except an ImportError, whose importlib and importcraft frames CPython would trim too, and a
    SyntaxError (the user's source does not compile: the error itself says where).
    """
    head = exc.__traceback__
    if head is None:
        return
    tb = head.tb_next
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_INTERNAL):
        tb = tb.tb_next
    if tb is not None or isinstance(exc, ImportError | SyntaxError):
        head.tb_next = tb
