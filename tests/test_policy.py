"""block() and allow_only()."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

import importcraft

from .conftest import run_python


def test_a_blocked_import_says_what_blocked_it_and_why() -> None:
    importcraft.virtual({"risky": "", "risky.net": ""})
    importcraft.block("risky", reason="tests must not touch the network")
    with pytest.raises(importcraft.ImportBlockedError) as info:
        import risky.net  # noqa: F401
    message = str(info.value)
    assert "import of 'risky' is blocked by importcraft.block('risky')" in message
    assert "tests must not touch the network" in message
    assert info.value.name == "risky"
    assert isinstance(info.value, ModuleNotFoundError)


def test_modules_under_a_blocked_name_are_blocked(tree: Any) -> None:
    sys.path.insert(0, str(tree({"bpkg/__init__.py": "", "bpkg/sub.py": ""})))
    import bpkg

    importcraft.block("bpkg.sub")
    with pytest.raises(importcraft.ImportBlockedError, match=r"'bpkg\.sub' is blocked"):
        import bpkg.sub
    assert bpkg is sys.modules["bpkg"]


def test_a_blocked_module_is_caught_by_the_usual_import_error_fallback() -> None:
    importcraft.block("json_fast")
    try:
        import json_fast  # noqa: F401
    except ImportError:
        fallback = True
    assert fallback


def test_a_sibling_with_a_common_prefix_is_not_blocked() -> None:
    importcraft.virtual({"abc_extra": "ok = True"})
    importcraft.block("abc_ex")
    assert importlib.import_module("abc_extra").ok


def test_an_already_imported_module_is_unaffected_without_evict() -> None:
    import colorsys

    importcraft.block("colorsys")
    import colorsys as again

    assert again is colorsys


def test_evict_removes_the_module_and_remove_puts_it_back(tree: Any) -> None:
    sys.path.insert(0, str(tree({"epkg/__init__.py": "", "epkg/inner.py": ""})))
    import epkg.inner

    held = epkg.inner
    hook = importcraft.block("epkg", evict=True)
    assert "epkg" not in sys.modules
    assert "epkg.inner" not in sys.modules
    with pytest.raises(importcraft.ImportBlockedError):
        import epkg
    assert held.__name__ == "epkg.inner", "objects already holding the module keep it"
    hook.remove()
    assert sys.modules["epkg.inner"] is held


def test_find_spec_reports_a_blocked_name() -> None:
    importcraft.block("colorsys")
    sys.modules.pop("colorsys", None)
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.util.find_spec("colorsys")


def test_block_needs_names_and_checks_them() -> None:
    with pytest.raises(TypeError, match="at least one module name"):
        importcraft.block()
    with pytest.raises(ValueError, match="'no good' is not a valid dotted module name"):
        importcraft.block("fine", "no good")
    assert importcraft.hooks() == []


def test_block_description() -> None:
    hook = importcraft.block("a", "b.c", reason="why")
    assert hook.description == "block('a', 'b.c', reason='why')"


# -- allow_only -----------------------------------------------------------------------------------


def test_allow_only_blocks_everything_else_but_the_stdlib() -> None:
    importcraft.virtual({"mine": "", "mine.part": "", "theirs": ""})
    importcraft.allow_only("mine", reason="only declared dependencies")
    import mine.part  # noqa: F401

    sys.modules.pop("colorsys", None)
    import colorsys  # noqa: F401

    with pytest.raises(importcraft.ImportBlockedError) as info:
        import theirs  # noqa: F401
    assert "importcraft.allow_only('mine'): only declared dependencies" in str(info.value)


def test_allow_only_allows_the_packages_above_a_listed_module() -> None:
    importcraft.virtual({"outer.inner.leaf": "x = 1", "outer.other": ""})
    importcraft.allow_only("outer.inner")
    assert importlib.import_module("outer.inner.leaf").x == 1
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.import_module("outer.other")


def test_allow_only_without_the_stdlib_still_lets_importcraft_work() -> None:
    result = run_python(
        """
        import sys, importcraft
        importcraft.allow_only("app", stdlib=False)
        try:
            import colorsys
        except importcraft.ImportBlockedError as exc:
            print("blocked:", exc.name)
        # importcraft loads its own parts (and the stdlib modules they need) on first use
        importcraft.virtual({"app": "x = 1"}, resources={"app": {"a.txt": b"a"}})
        import app
        reader = app.__spec__.loader.get_resource_reader("app")
        print(reader.files().joinpath("a.txt").read_text())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["blocked:", "colorsys", "a"]


def test_allow_only_description() -> None:
    hook = importcraft.allow_only("a", stdlib=False, reason="r")
    assert hook.description == "allow_only('a', stdlib=False, reason='r')"


def _lazy_stdlib_imports(path: Path) -> set[str]:
    """Standard-library modules a file imports inside functions (not under TYPE_CHECKING)."""
    found: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if in_function and isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif in_function and isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module or "")
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(path.read_text()), False)
    return {name for name in found if name.partition(".")[0] in sys.stdlib_module_names}


def test_the_stdlib_modules_importcraft_loads_late_are_all_preloaded_for_stdlib_false() -> None:
    from importcraft import _policy

    package = Path(_policy.__file__).parent
    # The command line and the start-up hook read their configuration before any policy is
    # installed; sys and importlib.machinery are loaded by every interpreter at start-up.
    exempt = {"_cli.py", "_bootstrap.py"}
    always_loaded = {"sys", "os", "importlib.machinery", "json", "tomllib"}
    lazy: set[str] = set()
    for path in package.rglob("*.py"):
        if path.name not in exempt:
            lazy |= _lazy_stdlib_imports(path)
    assert lazy - always_loaded <= set(_policy._OWN_STDLIB)
    # A subpackage's __init__ loads every module of it.
    library = {
        f"importcraft.{path.stem}"
        for path in package.glob("*.py")
        if path.name not in (*exempt, "__init__.py", "__main__.py", "_policy.py")
    }
    subpackages = {f"importcraft.{p.parent.name}" for p in package.glob("*/__init__.py")}
    assert set(_policy._OWN_MODULES) == library | subpackages
