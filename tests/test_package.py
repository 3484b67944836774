"""The package itself: public names, and what importing it costs."""

from __future__ import annotations

import ast
import doctest
import importlib
import json
from pathlib import Path

import pytest

import importcraft

from .conftest import run_python


def test_every_public_name_resolves_and_is_listed() -> None:
    assert set(importcraft.__all__) == set(importcraft._LAZY)
    for name in importcraft.__all__:
        defining = importlib.import_module(importcraft._LAZY[name])
        assert getattr(importcraft, name) is getattr(defining, name)
        assert name in dir(importcraft)


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'importcraft' has no attribute 'nope'"):
        importcraft.nope  # type: ignore[attr-defined]


def test_from_import_of_lazy_names() -> None:
    module = importlib.import_module("importcraft")
    namespace: dict[str, object] = {}
    exec("from importcraft import virtual, DictSource, Hook", namespace)
    assert namespace["virtual"] is module.virtual


def test_importing_the_package_loads_nothing_else() -> None:
    result = run_python(
        """
        import sys, json
        before = set(sys.modules)
        import importcraft
        print(json.dumps(sorted(set(sys.modules) - before)))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["importcraft"]


def test_the_router_is_not_on_meta_path_until_something_is_installed() -> None:
    result = run_python(
        """
        import sys, importcraft
        print(any("importcraft" in type(f).__module__ for f in sys.meta_path))
        hook = importcraft.virtual({"x": ""})
        print(any("importcraft" in type(f).__module__ for f in sys.meta_path))
        hook.remove()
        print(any("importcraft" in type(f).__module__ for f in sys.meta_path))
        """
    )
    assert result.stdout.split() == ["False", "True", "False"]


def test_isolated_keeps_importcraft_modules_imported_inside_it() -> None:
    result = run_python(
        """
        import sys, importcraft
        with importcraft.isolated():
            importcraft.virtual({"x": ""})
            router = sys.modules["importcraft.core._router"].ROUTER
        print(sys.modules["importcraft.core._router"].ROUTER is router, "x" in sys.modules)
        """
    )
    assert result.stdout.split() == ["True", "False"]


def test_the_doctests_in_the_package_pass() -> None:
    for name in ("importcraft", "importcraft.core._state"):
        module = importlib.import_module(name)
        failed, attempted = doctest.testmod(module, verbose=False, report=True)
        assert attempted > 0, f"{name} has no doctest"
        assert failed == 0, f"{failed} doctest(s) failed in {name}"


def test_no_public_name_is_shadowed_by_a_submodule() -> None:
    # Importing a subpackage binds it on the package: a public function of the same name
    # would turn into the module.
    result = run_python(
        """
        import importlib, pkgutil, types, importcraft
        for info in pkgutil.walk_packages(importcraft.__path__, "importcraft."):
            if info.name != "importcraft.__main__":
                importlib.import_module(info.name)
        names = importcraft.__all__
        print([n for n in names if isinstance(getattr(importcraft, n), types.ModuleType)])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_names_for_type_checkers_are_the_public_names() -> None:
    # importcraft/__init__.py lists its public names once, in _PUBLIC; the imports under
    # TYPE_CHECKING repeat them for type checkers and must not drift from it.
    tree = ast.parse(Path(importcraft.__file__).read_text())
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    typed: dict[str, list[str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            assert alias.asname == alias.name, "re-exported as itself, for type checkers"
            typed.setdefault(f"importcraft.{node.module}", []).append(alias.name)
    public = {module: sorted(names) for module, names in importcraft._PUBLIC.items()}
    assert {module: sorted(names) for module, names in typed.items()} == public
