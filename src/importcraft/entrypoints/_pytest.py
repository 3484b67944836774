"""The pytest plugin: import rules for tests (the ``pytest11`` entry point named ``importcraft``).

- ``@pytest.mark.forbid_imports("requests", ...)``, ``--forbid-imports=NAME`` and the
  ``forbid_imports`` ini option: while the test function runs, importing those names raises
  ``ImportBlockedError``; modules already imported are hidden and come back after it.
- ``@pytest.mark.isolated_imports``: the test function runs inside ``importcraft.isolated()``.
- The ``imports`` fixture: importcraft's functions, every change undone at teardown.
- ``--import-side-effects=warn|fail``: each package the tests import is imported in a fresh
  interpreter under ``importcraft.trace()``, and what it did at import time is reported.

pytest loads this module at start-up in every run where importcraft is installed, so at module
level it imports only what pytest has already imported; importcraft's machinery loads when a
feature is first used. ``-p no:importcraft`` turns the plugin off. See ``docs/pytest.md``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, overload

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
    from pathlib import Path
    from types import ModuleType

    from ..core._state import Hook

    Callback = Callable[[ModuleType], object]

_SIDE_EFFECT_MODES = ("off", "warn", "fail")

# The side effects the report shows, by kind of importcraft.trace(), under the words it uses.
_REPORTED_KINDS = {
    "socket": "network",
    "connect": "network",
    "bind": "network",
    "dns": "network",
    "thread": "thread",
    "subprocess": "subprocess",
    "write_file": "file written",
    "env_set": "environment",
    "env_unset": "environment",
}

# Top-level names the tests import that are never "the packages under test".
_NOT_UNDER_TEST = frozenset(
    {"pytest", "_pytest", "pluggy", "py", "importcraft", "importcraft_bootstrap", "__main__"}
)

# How long one package may take to import in its fresh interpreter.
_IMPORT_TIMEOUT = 120.0

_STATE = pytest.StashKey["_RunState"]()


class _RunState:
    """What the plugin keeps for one run (on ``config.stash``)."""

    def __init__(self) -> None:
        self.forbidden: tuple[str, ...] = ()  # --forbid-imports and the ini option
        self.side_effects = "off"
        self.packages: list[str] | None = None  # --import-side-effects-packages, if given
        self.sys_path: list[str] = []  # sys.path when collection ended, for the children
        self.skipped: dict[str, str] = {}  # package -> why it is not measured
        self.report: _SideEffectReport | None = None


# -- options, ini keys and markers -------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("importcraft", "import rules and checks (importcraft)")
    group.addoption(
        "--forbid-imports",
        action="append",
        default=[],
        metavar="NAME",
        dest="importcraft_forbid_imports",
        help="while each test runs, importing module NAME (or a submodule) raises "
        "importcraft.ImportBlockedError; modules already imported are hidden for the test. "
        "Repeatable; NAME may also be a comma-separated list.",
    )
    group.addoption(
        "--import-side-effects",
        choices=_SIDE_EFFECT_MODES,
        default=None,
        dest="importcraft_import_side_effects",
        help="import the packages under test in fresh interpreters under importcraft.trace() "
        "and report what they do at import time (network, threads, subprocesses, files "
        "written, environment): 'warn' reports, 'fail' also fails the run. Default: the "
        "import_side_effects ini option, else off.",
    )
    group.addoption(
        "--import-side-effects-packages",
        default=None,
        metavar="PKG,...",
        dest="importcraft_import_side_effects_packages",
        help="the packages --import-side-effects imports (comma-separated). Default: the "
        "top-level packages the collected test files import, less the standard library, "
        "pytest and importcraft.",
    )
    parser.addini(
        "forbid_imports",
        type="linelist",
        default=[],
        help="modules no test may import (as --forbid-imports, one name per line)",
    )
    parser.addini(
        "import_side_effects",
        default="off",
        help="off, warn or fail: as --import-side-effects",
    )
    parser.addini(
        "import_side_effects_packages",
        type="linelist",
        default=[],
        help="as --import-side-effects-packages, one name per line",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "forbid_imports(*names): while the test runs, importing any of the named modules (or "
        "their submodules) raises importcraft.ImportBlockedError; modules already imported "
        "are hidden for the test and restored after it.",
    )
    config.addinivalue_line(
        "markers",
        "isolated_imports: modules imported while the test runs are removed after it, and "
        "sys.path, sys.meta_path and sys.path_hooks are restored (importcraft.isolated()).",
    )
    state = _RunState()
    forbidden: list[str] = []
    for value in [*config.getini("forbid_imports"), *config.option.importcraft_forbid_imports]:
        forbidden.extend(name.strip() for name in value.split(",") if name.strip())
    state.forbidden = _checked_names(
        forbidden, "--forbid-imports / the forbid_imports ini option", usage=True
    )
    mode = config.option.importcraft_import_side_effects
    if mode is None:
        mode = str(config.getini("import_side_effects")).strip() or "off"
        if mode not in _SIDE_EFFECT_MODES:
            raise pytest.UsageError(
                f"importcraft: the import_side_effects ini option is {mode!r}; "
                f"it must be one of {', '.join(_SIDE_EFFECT_MODES)}"
            )
    state.side_effects = mode
    packages = config.option.importcraft_import_side_effects_packages
    if packages is not None:
        chosen = [name.strip() for name in packages.split(",") if name.strip()]
    else:
        chosen = list(config.getini("import_side_effects_packages"))
    if chosen or packages is not None:
        state.packages = list(_checked_names(chosen, "--import-side-effects-packages", usage=True))
    config.stash[_STATE] = state


def _checked_names(names: Iterable[object], where: str, *, usage: bool) -> tuple[str, ...]:
    """``names`` as module names, each once, in order; a bad one raises naming ``where``."""
    if not names:
        return ()
    from ..core._names import check_module_name

    checked: dict[str, None] = {}
    for name in names:
        try:
            checked[check_module_name(name)] = None
        except (TypeError, ValueError) as error:
            fault = f"importcraft: {where}: {error}"
            break
    else:
        return tuple(checked)
    if usage:
        raise pytest.UsageError(fault)
    pytest.fail(fault, pytrace=False)


# -- the markers: around the test function ----------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    state = item.config.stash[_STATE]
    markers = list(item.iter_markers("forbid_imports"))
    isolate = item.get_closest_marker("isolated_imports") is not None
    if not (markers or state.forbidden or isolate):
        return (yield)
    from ..core._state import isolated
    from ..rules._policy import block

    hooks: list[Hook] = []
    isolation = isolated() if isolate else None
    if isolation is not None:
        isolation.__enter__()
    try:
        if state.forbidden:
            hooks.append(
                block(
                    *state.forbidden,
                    reason="forbidden for every test by --forbid-imports or the "
                    "forbid_imports ini option",
                    evict=True,
                )
            )
        names = [name for marker in markers for name in marker.args]
        if markers:
            if not names or any(marker.kwargs for marker in markers):
                pytest.fail(
                    f"@pytest.mark.forbid_imports on {item.nodeid} takes module names as "
                    f"arguments and nothing else, e.g. "
                    f'@pytest.mark.forbid_imports("requests", "socket"); it was given '
                    f"{', '.join(repr(marker) for marker in markers)}",
                    pytrace=False,
                )
            where = f"@pytest.mark.forbid_imports on {item.nodeid}"
            hooks.append(
                block(
                    *_checked_names(names, where, usage=False),
                    reason=f"forbidden by {where}",
                    evict=True,
                )
            )
        return (yield)
    finally:
        try:
            for hook in reversed(hooks):
                hook.remove()
        finally:
            if isolation is not None:
                isolation.__exit__(None, None, None)


# -- the imports fixture ----------------------------------------------------------------------


class ImportsFixture:
    """importcraft's functions for one test; everything they change is undone at teardown.

    Each method takes the arguments of the importcraft function of the same name and returns
    what it returns. At teardown (also when the test failed) every Hook made through it is
    removed, newest first, and the modules ``lazy_import`` put into ``sys.modules`` (with any
    submodules loaded under them since) are removed again, unless they were there before.
    """

    def __init__(self) -> None:
        self._hooks: list[Hook] = []
        # per lazy_import call: (name, what sys.modules held before it)
        self._lazy: list[tuple[str, frozenset[str]]] = []

    @property
    def hooks(self) -> list[Hook]:
        """The hooks made through this fixture, oldest first (removed ones included)."""
        return list(self._hooks)

    def _keep(self, hook: Hook) -> Hook:
        self._hooks.append(hook)
        return hook

    def virtual(
        self,
        mapping: Mapping[str, str | bytes],
        *,
        prefix: str | None = None,
        resources: Mapping[str, Mapping[str, bytes | str]] | None = None,
    ) -> Hook:
        """``importcraft.virtual(...)``, removed at teardown."""
        from ..sources._install import virtual

        return self._keep(virtual(mapping, prefix=prefix, resources=resources))

    def alias(
        self,
        old: str,
        new: str,
        *,
        deprecated: bool = False,
        message: str | None = None,
        category: type[Warning] = DeprecationWarning,
    ) -> Hook:
        """``importcraft.alias(...)``, removed at teardown."""
        from ..rules._aliases import alias

        return self._keep(
            alias(old, new, deprecated=deprecated, message=message, category=category)
        )

    def block(self, *names: str, reason: str | None = None, evict: bool = False) -> Hook:
        """``importcraft.block(...)``, removed at teardown (evicted modules come back)."""
        from ..rules._policy import block

        return self._keep(block(*names, reason=reason, evict=evict))

    @overload
    def when_imported(
        self, name: str, callback: None = None, *, strict: bool = False
    ) -> Callable[[Callback], Callback]: ...

    @overload
    def when_imported(self, name: str, callback: Callback, *, strict: bool = False) -> Hook: ...

    def when_imported(
        self, name: str, callback: Callback | None = None, *, strict: bool = False
    ) -> Hook | Callable[[Callback], Callback]:
        """``importcraft.when_imported(...)``, removed at teardown; without ``callback`` a
        decorator returning the function unchanged."""
        from ..rules._post_import import when_imported

        if callback is None:

            def decorate(function: Callback) -> Callback:
                self._keep(when_imported(name, function, strict=strict))
                return function

            return decorate
        return self._keep(when_imported(name, callback, strict=strict))

    def lazy_import(self, name: str, *, check: bool = True) -> ModuleType:
        """``importcraft.lazy_import(...)``; at teardown the module (and what was loaded under
        it) leaves ``sys.modules`` again if it was not there before."""
        from ..lazy._modules import lazy_import

        before = frozenset(sys.modules)
        module = lazy_import(name, check=check)
        self._lazy.append((name, before))
        return module

    def _teardown(self) -> None:
        errors: list[BaseException] = []
        for hook in reversed(self._hooks):
            try:
                hook.remove()
            except Exception as error:  # every hook is removed even when one fails
                errors.append(error)
        for name, before in reversed(self._lazy):
            prefix = name + "."
            for module_name in list(sys.modules):
                if module_name in before:
                    continue
                # The module, its submodules, and the parent packages the call made lazy.
                if (
                    module_name == name
                    or module_name.startswith(prefix)
                    or prefix.startswith(module_name + ".")
                ):
                    del sys.modules[module_name]
        if errors:
            raise errors[0]


@pytest.fixture
def imports() -> Iterator[ImportsFixture]:
    """importcraft's virtual, alias, block, when_imported and lazy_import for this test;
    every hook is removed at teardown, also when the test fails."""
    fixture = ImportsFixture()
    yield fixture
    fixture._teardown()


# -- import side effects ----------------------------------------------------------------------


class _Measured:
    """One package imported in a fresh interpreter."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.effects: list[dict[str, Any]] = []  # trace side effects of the reported kinds
        self.modules = 0
        self.error: str | None = None  # why it could not be measured
        self.seconds = 0.0


class _SideEffectReport:
    def __init__(self, measured: list[_Measured], skipped: dict[str, str], seconds: float):
        self.measured = measured
        self.skipped = skipped  # package -> why it was not measured
        self.seconds = seconds

    @property
    def found(self) -> bool:
        return any(item.effects for item in self.measured)


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash[_STATE]
    if state.side_effects == "off" or hasattr(session.config, "workerinput"):
        return  # off, or a pytest-xdist worker: the controller reports
    state.sys_path = [entry for entry in sys.path if isinstance(entry, str)]
    if state.packages is None:
        state.packages = _packages_under_test(session)
    # Looked up now, before the tests run: modules a test makes (virtual ones) are not found.
    import importlib.util

    for package in state.packages:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError) as error:
            state.skipped[package] = f"cannot be looked up: {error}"
            continue
        if spec is None:
            state.skipped[package] = "not found on sys.path"


def _packages_under_test(session: pytest.Session) -> list[str]:
    """The top-level names the collected test files import (in any scope), less the standard
    library, pytest, importcraft, the test files and conftest files themselves."""
    import ast

    files: dict[Path, None] = {}
    for item in session.items:
        path = getattr(item, "path", None)
        if path is not None and path.suffix == ".py":
            files[path] = None
    own = {str(path) for path in files}
    found: dict[str, None] = {}
    for path in files:
        try:
            tree = ast.parse(path.read_bytes(), str(path))
        except (OSError, SyntaxError):
            continue  # collection has already reported it
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found[alias.name.partition(".")[0]] = None
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found[node.module.partition(".")[0]] = None
    packages = []
    for name in found:
        if name in sys.stdlib_module_names or name in sys.builtin_module_names:
            continue
        if name in _NOT_UNDER_TEST or name == "conftest":
            continue
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin in own:
            continue  # a test file imported by another
        packages.append(name)
    return packages


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None or state.side_effects == "off" or state.packages is None:
        return
    if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
        return
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker
    # Under pytest-xdist the controller collects nothing: only packages given are measured.
    path = state.sys_path or [entry for entry in sys.path if isinstance(entry, str)]
    state.report = _measure(state.packages, state.skipped, path)
    if state.side_effects == "fail" and state.report.found and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# What each fresh interpreter runs: sys.argv = [-c, sys.path as JSON, package, output file].
_CHILD = """\
import json, sys
sys.path[:] = json.loads(sys.argv[1])
import importcraft
trace = importcraft.trace()
error = None
trace.start()
try:
    __import__(sys.argv[2])
except BaseException as exc:
    error = f"{type(exc).__name__}: {exc}"
finally:
    trace.stop()
with open(sys.argv[3], "w", encoding="utf-8") as out:
    json.dump({"error": error, "modules": len(trace.modules),
               "side_effects": [e.to_dict() for e in trace.side_effects]}, out)
"""


def _measure(packages: list[str], skipped: dict[str, str], path: list[str]) -> _SideEffectReport:
    """Import each package in its own fresh interpreter under importcraft.trace(), a few at a
    time, and keep the side effects of the reported kinds."""
    import json
    import os
    import subprocess
    import tempfile
    import time

    started = time.perf_counter()
    measured = [_Measured(package) for package in packages if package not in skipped]
    width = max(1, min(len(measured), os.cpu_count() or 1, 4))
    encoded = json.dumps(path)
    with tempfile.TemporaryDirectory(prefix="importcraft-side-effects-") as folder:
        waiting = list(enumerate(measured))
        running: list[tuple[_Measured, subprocess.Popen[bytes], str, float]] = []
        while waiting or running:
            while waiting and len(running) < width:
                index, item = waiting.pop(0)
                out = os.path.join(folder, f"{index}.json")
                process = subprocess.Popen(
                    [sys.executable, "-c", _CHILD, encoded, item.package, out],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                running.append((item, process, out, time.perf_counter()))
            item, process, out, begun = running.pop(0)
            try:
                _, stderr = process.communicate(timeout=_IMPORT_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                item.error = f"importing it took more than {_IMPORT_TIMEOUT:.0f} s"
                continue
            finally:
                item.seconds = time.perf_counter() - begun
            try:
                with open(out, encoding="utf-8") as handle:
                    data = json.load(handle)
            except (OSError, ValueError):
                tail = stderr.decode(errors="replace").strip().splitlines()[-1:]
                item.error = (
                    f"its interpreter ended with status {process.returncode} "
                    f"before reporting{': ' + tail[0] if tail else ''}"
                )
                continue
            item.error = data["error"]
            item.modules = data["modules"]
            item.effects = [
                effect for effect in data["side_effects"] if effect["kind"] in _REPORTED_KINDS
            ]
    return _SideEffectReport(measured, skipped, time.perf_counter() - started)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    report = state.report if state is not None else None
    if state is None or report is None:
        return
    write = terminalreporter.write_line
    terminalreporter.section("importcraft: import side effects", bold=True)
    names = ", ".join(item.package for item in report.measured) or "none"
    write(
        f"{len(report.measured)} package(s) imported in fresh interpreters under "
        f"importcraft.trace() in {report.seconds:.2f} s: {names}"
    )
    for item in report.measured:
        timing = f"{item.modules} module(s), {item.seconds:.2f} s"
        if item.error is not None:
            write(f"{item.package}: not imported ({item.error}); {timing}", yellow=True)
        if not item.effects:
            if item.error is None:
                write(f"{item.package}: no side effects ({timing})", green=True)
            continue
        write(
            f"{item.package}: {len(item.effects)} side effect(s) at import time ({timing})",
            red=state.side_effects == "fail",
            yellow=state.side_effects == "warn",
        )
        for effect in item.effects:
            where = f"{effect['file']}:{effect['line']}" if effect["line"] else effect["file"]
            write(
                f"  {_REPORTED_KINDS[effect['kind']]} ({effect['kind']}): {effect['module']} "
                f"({where}): {effect['detail']}"
            )
    for package, why in report.skipped.items():
        write(f"{package}: not measured ({why})")
    if report.found:
        if state.side_effects == "fail":
            write(
                "importcraft: packages have side effects at import time: the run fails "
                "(--import-side-effects=fail)",
                red=True,
                bold=True,
            )
        else:
            write(
                "importcraft: packages have side effects at import time "
                "(--import-side-effects=fail would fail the run)",
                yellow=True,
            )
