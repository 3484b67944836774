"""Runs inside the programs of the real-package tier (copied beside them): counts module executions.

Not a test module. ``start()`` records every execution of a module body (a ``<module>`` code
object from a real file) from then on, with the globals it ran in; ``check_once()`` then says which
module ran twice, and which module in ``sys.modules`` is not the object its body ran in. How:

- CPython 3.12+: ``sys.monitoring`` PY_START events. The callback returns ``DISABLE`` for any code
  object that is not a module body, so after a function's first call it costs nothing more.
- CPython 3.11: ``sys.settrace`` (and ``threading.settrace``), a global trace function that looks at
  "call" events only and returns None, so no line events are produced.

Neither goes through the import system, so importcraft cannot hide an execution from it.
Only stdlib imports here: it must not import anything of the package under test.
"""

from __future__ import annotations

import atexit
import sys
import threading
from types import FrameType, ModuleType
from typing import Any

# filename -> the globals dicts its module body ran in, in order.
_runs: dict[str, list[dict[str, Any]]] = {}
_tool: int | None = None


def _record(frame: FrameType) -> None:
    filename = frame.f_code.co_filename
    # exec() of generated source (dataclasses, namedtuple, attrs) runs code objects named "<string>"
    # or "": not module files.
    if filename and not filename.startswith("<"):
        _runs.setdefault(filename, []).append(frame.f_globals)


def _trace(frame: FrameType, event: str, arg: object) -> None:
    if event == "call" and frame.f_code.co_name == "<module>":
        _record(frame)


def start() -> None:
    """Record module executions from now on; at exit, report bodies that ran twice.

    The report at exit is for programs that fail before they call check_once(): a class that is
    not itself (an identity failure) is often a module that ran twice.
    """
    global _tool
    atexit.register(_report_at_exit)
    if sys.version_info >= (3, 12):
        monitoring = sys.monitoring
        disable = monitoring.DISABLE

        def on_start(code: Any, offset: int) -> Any:
            if code.co_name != "<module>":
                return disable
            _record(sys._getframe(1))
            return None

        for tool in range(6):
            if monitoring.get_tool(tool) is None:
                break
        else:
            raise RuntimeError("no free sys.monitoring tool id")
        monitoring.use_tool_id(tool, "importcraft-real-probe")
        monitoring.register_callback(tool, monitoring.events.PY_START, on_start)
        monitoring.set_events(tool, monitoring.events.PY_START)
        _tool = tool
    else:
        threading.settrace(_trace)  # type: ignore[arg-type]
        sys.settrace(_trace)  # type: ignore[arg-type]


def _report_at_exit() -> None:
    for filename, runs in sorted(_runs.items()):
        if len(runs) > 1:
            names = [g.get("__name__") for g in runs]
            print(
                f"probe: the body of {filename} ran {len(runs)} times, as {names}", file=sys.stderr
            )


def reset() -> None:
    """Forget the executions recorded so far (between the phases of one program)."""
    _runs.clear()


def executed(prefix: str) -> list[str]:
    """Names of the modules at or under ``prefix`` whose bodies ran since start()/reset()."""
    names = {g.get("__name__") for runs in _runs.values() for g in runs}
    return sorted(
        n for n in names if isinstance(n, str) and (n == prefix or n.startswith(prefix + "."))
    )


def check_once(min_modules: int = 1) -> int:
    """Fail if a module body ran more than once, or if sys.modules holds another object.

    Returns how many module bodies ran; fewer than ``min_modules`` fails too (the probe saw
    nothing, so it would prove nothing).
    """
    problems = []
    for filename, runs in sorted(_runs.items()):
        names = [g.get("__name__") for g in runs]
        if len(runs) > 1:
            problems.append(f"the body of {filename} ran {len(runs)} times, as {names}")
            continue
        name = names[0]
        if not isinstance(name, str) or name == "__main__":
            continue
        module = sys.modules.get(name)
        if module is None:
            # A module may take itself out of sys.modules; a replacement is what is wrong.
            continue
        if not isinstance(module, ModuleType) or vars(module) is not runs[0]:
            problems.append(
                f"sys.modules[{name!r}] is {module!r}, not the module whose body ran ({filename})"
            )
    if problems:
        raise AssertionError("module executions:\n  " + "\n  ".join(problems))
    if len(_runs) < min_modules:
        raise AssertionError(f"the probe saw {len(_runs)} module bodies run; expected more")
    return len(_runs)
