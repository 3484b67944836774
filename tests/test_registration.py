"""Every public installer, one case each: registration is all-or-nothing (also when a warning is
turned into an error), and importcraft.isolated() scopes everything it installs or removes.

A name added to ``importcraft.__all__`` must get a case here, or be listed among the names that
install nothing: ``test_every_public_name_is_covered`` fails until it is.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import importcraft
from importcraft.core._router import ROUTER

# Public names that change no import state (classes, read-only queries, the scope itself) or
# that only import modules, as an import statement does.
NOT_INSTALLERS = {
    "DictSource": "a class: installing one is install()'s job",
    "DirectorySource": "a class",
    "EnvSource": "a class",
    "Explanation": "a class",
    "ImportGraph": "a class",
    "import_graph": "read-only: reads sources, imports nothing",
    "ImportCycle": "a class",
    "import_cycles": "read-only: works on a graph already read",
    "deferred_cycles": "read-only: works on a graph already read",
    "explain": "read-only: tests/test_explain.py checks it changes nothing",
    "Source": "a class",
    "Hook": "a class",
    "ImportBlockedError": "an exception",
    "ImportcraftError": "an exception",
    "ImportcraftWarning": "a warning",
    "LazyImportError": "an exception",
    "TransformInfo": "a class",
    "source_transformer": "a marker for transformers",
    "hooks": "read-only",
    "is_lazy": "read-only",
    "pending_lazy": "read-only",
    "transform_status": "read-only",
    "isolated": "the scope itself",
    "optional": "imports a module, as an import statement does",
    "require": "imports a module, as an import statement does",
    "resolve_lazy": "runs pending bodies, as their first use does",
    "CycleExplanation": "a class",
    "explain_cycle": "read-only",
    "Trace": "a class",
    "trace": "makes a Trace; its rules leave with its with block (tests/test_profile.py)",
    "plugins": "read-only: discovers and loads plugins, as imports do",
    "Plugins": "a class",
    "PluginError": "an exception",
}


class Upper(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str):
            node.value = node.value.upper()
        return node


class LegacyImporter:
    def find_module(self, fullname: str, path: object = None) -> Any:
        return self if fullname == "reg_legacy" else None

    def load_module(self, fullname: str) -> ModuleType:
        return sys.modules.setdefault(fullname, ModuleType(fullname))


def _fresh(name: str) -> ModuleType:
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def _refused(name: str) -> bool:
    sys.modules.pop(name, None)
    try:
        importlib.import_module(name)
    except importcraft.ImportBlockedError:
        return True
    except ModuleNotFoundError:
        return False
    return False


def _warns(read: Callable[[], object]) -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read()
    return bool(caught)


def _lazy_after_import(name: str) -> bool:
    module = _fresh(name)
    lazy = importcraft.is_lazy(module)
    del sys.modules[name]
    return lazy


_calls: list[str] = []


@dataclass
class Case:
    """How to call one installer well and badly, and how to see that its change is in effect."""

    good: Callable[[Path], object]
    bad: Callable[[Path], object]
    error: type[BaseException]
    works: Callable[[], bool] | None = None  # None: the call returns no Hook
    warning: Callable[[Path], object] | None = None  # a good call with an ImportcraftWarning
    xfail: dict[str, str] = field(default_factory=dict)  # check -> reason


def _stub(tmp: Path) -> str:
    (tmp / "reg_stub").mkdir(exist_ok=True)
    (tmp / "reg_stub" / "__init__.pyi").write_text("from . import sub\n")
    return str(tmp / "reg_stub" / "__init__.py")


CASES: dict[str, Case] = {
    "virtual": Case(
        good=lambda tmp: importcraft.virtual({"reg_virtual": "x = 1"}),
        bad=lambda tmp: importcraft.virtual({"reg_ok": "", "bad-name": ""}),
        error=ValueError,
        works=lambda: importlib.util.find_spec("reg_virtual") is not None,
    ),
    "install": Case(
        good=lambda tmp: importcraft.install(importcraft.DictSource({"reg_installed": ""})),
        bad=lambda tmp: importcraft.install(importcraft.DictSource({"": "x = 1"})),
        error=ValueError,
        works=lambda: importlib.util.find_spec("reg_installed") is not None,
    ),
    "mount": Case(
        good=lambda tmp: importcraft.mount("reg_mount", importcraft.DictSource({"x": ""})),
        bad=lambda tmp: importcraft.mount(None, importcraft.DictSource({"x": ""})),  # type: ignore[arg-type]
        error=TypeError,
        works=lambda: importlib.util.find_spec("reg_mount.x") is not None,
    ),
    "install_legacy": Case(
        good=lambda tmp: importcraft.install_legacy(LegacyImporter()),
        bad=lambda tmp: importcraft.install_legacy(object()),
        error=TypeError,
        works=lambda: importlib.util.find_spec("reg_legacy") is not None,
    ),
    "block": Case(
        good=lambda tmp: importcraft.block("reg_blocked"),
        bad=lambda tmp: importcraft.block("reg_fine", "bad name"),
        error=ValueError,
        works=lambda: _refused("reg_blocked"),
    ),
    "allow_only": Case(
        good=lambda tmp: importcraft.allow_only("reg_target"),
        bad=lambda tmp: importcraft.allow_only("reg_fine", "bad name"),
        error=ValueError,
        works=lambda: _refused("reg_elsewhere"),
    ),
    "alias": Case(
        good=lambda tmp: importcraft.alias("reg_alias", "reg_target"),
        bad=lambda tmp: importcraft.alias("reg_alias", "reg_alias.inner"),
        error=ValueError,
        works=lambda: _fresh("reg_alias") is sys.modules["reg_target"],
        warning=lambda tmp: importcraft.alias("reg_imported", "reg_target"),
    ),
    "deprecate_attribute": Case(
        good=lambda tmp: importcraft.deprecate_attribute("reg_target", "value"),
        bad=lambda tmp: importcraft.deprecate_attribute("reg_target", "no_such_attribute"),
        error=AttributeError,
        works=lambda: _warns(lambda: sys.modules["reg_target"].value),
    ),
    "when_imported": Case(
        good=lambda tmp: importcraft.when_imported("reg_target", lambda m: _calls.append("x")),
        bad=lambda tmp: importcraft.when_imported("reg_target", _fail, strict=True),
        error=ZeroDivisionError,
        works=lambda: (_calls.clear(), _fresh("reg_target"), _calls == ["x"])[-1],
        warning=lambda tmp: importcraft.when_imported("reg_target", _fail),
    ),
    "lazy_import": Case(
        good=lambda tmp: importcraft.lazy_import("reg_target_pkg.sub"),
        bad=lambda tmp: importcraft.lazy_import("reg_target_pkg.missing"),
        error=ModuleNotFoundError,
    ),
    "lazy_mode": Case(
        good=lambda tmp: importcraft.lazy_mode(include=["reg_target_pkg"]),
        bad=lambda tmp: importcraft.lazy_mode(include=["reg_target_pkg"], exclude=["bad name"]),
        error=ValueError,
        works=lambda: _lazy_after_import("reg_target_pkg.sub"),
    ),
    "lazy_attach": Case(
        good=lambda tmp: importcraft.lazy_attach("reg_target_pkg", ["sub"]),
        bad=lambda tmp: importcraft.lazy_attach("bad name", ["sub"]),
        error=ValueError,
    ),
    "lazy_attach_stub": Case(
        good=lambda tmp: importcraft.lazy_attach_stub("reg_stub", _stub(tmp)),
        bad=lambda tmp: importcraft.lazy_attach_stub("reg_stub", str(tmp / "missing.py")),
        error=ValueError,
    ),
    "transform": Case(
        good=lambda tmp: importcraft.transform("reg_shout", Upper(), cache=False),
        bad=lambda tmp: importcraft.transform("reg_shout"),
        error=TypeError,
        works=lambda: _fresh("reg_shout").word == "HI",
        warning=lambda tmp: importcraft.transform("reg_imported", Upper(), cache=False),
    ),
    "register_version": Case(
        good=lambda tmp: importcraft.register_version("reglib", "1", "x = 1"),
        bad=lambda tmp: importcraft.register_version("reglib", "", "x = 1"),
        error=TypeError,
        works=lambda: importlib.util.find_spec("reglib_v1") is not None,
        warning=lambda tmp: importcraft.register_version("reglib", "9", "x = 1"),
    ),
    "add_plugin": Case(
        good=lambda tmp: importcraft.add_plugin("reg.group", "reg", "reg_target:value"),
        bad=lambda tmp: importcraft.add_plugin("reg.group", "", "reg_target:value"),
        error=ValueError,
        works=lambda: "reg" in importcraft.plugins("reg.group"),
    ),
    "set_default_version": Case(
        good=lambda tmp: importcraft.set_default_version("reglib", "2"),
        bad=lambda tmp: importcraft.set_default_version("reglib", "3"),
        error=ModuleNotFoundError,
        works=lambda: _fresh("reglib") is importlib.import_module("reglib_v2"),
    ),
}


def _fail(module: ModuleType) -> None:
    raise ZeroDivisionError("callback failed")


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """Modules the cases act on, installed and imported before any snapshot is taken."""
    importcraft.virtual(
        {
            "reg_target": "value = 1",
            "reg_target_pkg": "",
            "reg_target_pkg.sub": "x = 1",
            "reg_imported": "",
            "reg_shout": "word = 'hi'",
        }
    )
    importcraft.register_version("reglib", "2", "x = 2")
    importlib.import_module("reg_target")
    importlib.import_module("reg_imported")
    sys.modules["reglib_v9"] = ModuleType("reglib_v9")  # makes register_version's transform warn
    _stub(tmp_path)
    return tmp_path


def _holds(case: Case) -> bool:
    """Whether the case's change is in effect; an import its absence makes fail says no."""
    assert case.works is not None
    try:
        return case.works()
    except ImportError:
        return False


def _incidental(name: str) -> bool:
    # Modules importcraft and the standard library load for their own use are no trace.
    top = name.partition(".")[0]
    return top == "importcraft" or top in sys.stdlib_module_names


def import_state(*, caches: bool = True) -> dict[str, object]:
    """What importcraft and the import system hold; ``caches``: with the path importer cache,
    which isolated() restores but any lookup may fill."""
    from importcraft.lazy import _modules as _lazy

    state: dict[str, object] = {
        "hooks": importcraft.hooks(),
        "meta_path": list(sys.meta_path),
        "path_hooks": list(sys.path_hooks),
        "rules": ROUTER.all_rules(),
        "modules": {n: m for n, m in sys.modules.items() if not _incidental(n)},
        "lazy pending": dict(_lazy._pending),
    }
    if caches:
        state["path_importer_cache"] = dict(sys.path_importer_cache)
    return state


def _cases(check: str, *, hooks_only: bool = False, warning: bool = False) -> list[Any]:
    params = []
    for name, case in CASES.items():
        if (hooks_only and case.works is None) or (warning and case.warning is None):
            continue
        reason = case.xfail.get(check)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def test_every_public_name_is_covered() -> None:
    public = set(importcraft.__all__)
    assert not set(CASES) & set(NOT_INSTALLERS)
    missing = public - set(CASES) - set(NOT_INSTALLERS)
    assert not missing, f"add a Case (or a NOT_INSTALLERS entry) for {sorted(missing)}"
    assert set(CASES) | set(NOT_INSTALLERS) <= public


@pytest.mark.parametrize("name", _cases("bad call"))
def test_a_call_with_a_bad_argument_changes_nothing(name: str, world: Path) -> None:
    case = CASES[name]
    before = import_state(caches=False)
    with pytest.raises(case.error):
        case.bad(world)
    assert import_state(caches=False) == before


@pytest.mark.parametrize("name", _cases("warning", warning=True))
def test_a_call_whose_warning_is_an_error_changes_nothing(name: str, world: Path) -> None:
    case = CASES[name]
    assert case.warning is not None
    before = import_state(caches=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(importcraft.ImportcraftWarning):
            case.warning(world)
    assert import_state(caches=False) == before


@pytest.mark.parametrize("name", _cases("warns", warning=True))
def test_the_warning_cases_do_warn_and_install(name: str, world: Path) -> None:
    case = CASES[name]
    assert case.warning is not None
    before = importcraft.hooks()
    with pytest.warns(importcraft.ImportcraftWarning):
        case.warning(world)
    assert len(importcraft.hooks()) == len(before) + 1


@pytest.mark.parametrize("name", _cases("installed inside"))
def test_isolated_undoes_what_is_installed_inside(name: str, world: Path) -> None:
    case = CASES[name]
    before = import_state()
    with importcraft.isolated(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case.good(world)
        if case.works is not None:
            assert _holds(case)
    assert import_state() == before
    if case.works is not None:
        assert not _holds(case)


@pytest.mark.parametrize("name", _cases("removed inside", hooks_only=True))
def test_isolated_brings_back_what_is_removed_inside(name: str, world: Path) -> None:
    case = CASES[name]
    assert case.works is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hook = case.good(world)
    assert isinstance(hook, importcraft.Hook)
    before = import_state()
    with importcraft.isolated():
        hook.remove()
        assert not _holds(case)
    assert import_state() == before
    assert hook.active
    assert _holds(case)
