"""importcraft.explain() and `importcraft explain`: why a name resolves where it does.

Cases that depend on sys.path as an interpreter starts with it (the script's folder first) run
in a fresh interpreter on real folders; the rest run here, with ``path=`` or inside hooks the
conftest fixture removes.
"""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import importcraft

from .conftest import run_python
from .test_cli import bare_env

STDLIB = os.path.dirname(os.__file__)


def explain_in(
    cwd: Path, name: str, *extra_path: str, call: str = "", measured: bool = True
) -> dict[str, object]:
    """explain(name) in a fresh interpreter started in ``cwd`` (sys.path[0] == '').

    ``measured=False``: without the suite's coverage, which imports random, ast and more into
    every child it measures (a module already imported is explained as such).
    """
    code = f"""
        import json, sys
        sys.path.extend({list(extra_path)!r})
        import importcraft
        e = importcraft.explain({name!r}{call})
        print(json.dumps({{"dict": e.to_dict(), "text": str(e), "email": "email" in sys.modules}}))
    """
    unset = () if measured else tuple(k for k in os.environ if k.startswith("COVERAGE_"))
    result = run_python(code, cwd=cwd, unset=unset)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``importcraft explain ARGS`` in ``cwd``, without the suite's coverage (see explain_in)."""
    return subprocess.run(
        [sys.executable, "-m", "importcraft", "explain", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=bare_env(),
        timeout=120,
        check=False,
    )


# -- shadowing ---------------------------------------------------------------------------------


def test_a_local_random_hides_the_standard_library_and_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    (tmp_path / "random.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    data = explain_in(tmp_path, "random", measured=False)
    found = data["dict"]
    assert isinstance(found, dict)
    text = str(data["text"])
    first = text.splitlines()[0]
    assert first.startswith("SHADOWING: 'random' resolves to ")
    assert str(tmp_path / "random.py") in first
    assert os.path.join(STDLIB, "random.py") in first
    assert found["origin"] == str(tmp_path / "random.py")
    stdlib = [s for s in found["shadowed"] if s["location"] == os.path.join(STDLIB, "random.py")]
    assert stdlib
    assert "standard library" in stdlib[0]["why"]
    assert not marker.exists(), "explain() ran the user's random.py"


def test_random_next_to_the_script_is_not_run_through_importlib_metadata(tmp_path: Path) -> None:
    # importlib.metadata imports email, which imports random: the not-found help (which needs
    # the installed distributions) must not go that way while a random.py sits next to it.
    marker = tmp_path / "RAN"
    (tmp_path / "random.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            import importcraft
            e = importcraft.explain("yaml_or_nothing_like_it")
            e = importcraft.explain("PyYAML")
            print(e.found, "email" in sys.modules)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
    assert not marker.exists(), "the user's random.py ran while explaining"


def test_a_folder_in_the_working_directory_hides_the_installed_distribution(
    tmp_path: Path, tree
) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "venv" / "lib" / "site-packages"
    tree(
        {
            "requests/__init__.py": "",
            "requests-2.31.0.dist-info/top_level.txt": "requests\n",
            "requests-2.31.0.dist-info/RECORD": "requests/__init__.py,,\n",
        },
        site,
    )
    project = tree({"requests/__init__.py": "raise SystemExit('ran')"}, tmp_path / "project")
    data = explain_in(project, "requests", str(site))
    found = data["dict"]
    assert isinstance(found, dict)
    assert found["origin"] == str(project / "requests" / "__init__.py")
    assert found["kind"] == "regular package"
    assert str(data["text"]).startswith("SHADOWING: 'requests' resolves to")
    (installed,) = [s for s in found["shadowed"] if str(site) in s["location"]]
    assert "installed 'requests' (distribution requests)" in installed["why"]


def test_a_module_file_is_hidden_by_a_package_of_the_same_name(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"things/__init__.py": "", "things.py": "raise SystemExit('ran')"})
    e = importcraft.explain("things", path=[str(root)])
    assert e.kind == "regular package"
    assert e.origin == str(root / "things" / "__init__.py")
    (hidden,) = e.shadowed
    assert hidden.location == str(root / "things.py")
    assert "package folder" in hidden.why
    assert str(e).startswith("SHADOWING:")


def test_stale_bytecode_without_source_is_said_to_be_ignored(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"gone.py": "x = 1\n"})
    py_compile.compile(str(root / "gone.py"), doraise=True)
    (root / "gone.py").unlink()
    e = importcraft.explain("gone", path=[str(root)])
    assert not e.found
    (hint,) = [s for s in e.suggestions if "__pycache__" in s]
    assert "stale bytecode" in hint
    assert "gone.py is gone" in hint


def test_sourceless_bytecode_beside(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"both.py": "x = 1\n", "alone.py": "x = 1\n"})
    py_compile.compile(str(root / "both.py"), cfile=str(root / "both.pyc"), doraise=True)
    py_compile.compile(str(root / "alone.py"), cfile=str(root / "alone.pyc"), doraise=True)
    (root / "alone.py").unlink()
    alone = importcraft.explain("alone", path=[str(root)])
    assert alone.found
    assert alone.origin == str(root / "alone.pyc")
    assert any("without source" in note for note in alone.notes)
    both = importcraft.explain("both", path=[str(root)])
    assert both.origin == str(root / "both.py")
    (pyc,) = both.shadowed
    assert pyc.location == str(root / "both.pyc")
    assert "source before bytecode" in pyc.why


# -- kinds of results ----------------------------------------------------------------------------


def test_namespace_package_with_two_portions(tree) -> None:  # type: ignore[no-untyped-def]
    one = tree({"space/a.py": ""}, tree({}) / "one")
    two = tree({"space/b.py": ""}, one.parent / "two")
    e = importcraft.explain("space", path=[str(one), str(two)])
    assert e.found
    assert e.kind == "namespace package"
    assert e.portions == [str(one / "space"), str(two / "space")]
    assert e.origin is None
    assert [s.result for s in e.steps if s.where.startswith("path entry")] == [
        "namespace portion",
        "namespace portion",
    ]
    assert not e.shadowed


def test_a_regular_package_later_on_the_path_beats_namespace_portions(tree) -> None:  # type: ignore[no-untyped-def]
    one = tree({"mixed/a.py": ""}, tree({}) / "one")
    two = tree({"mixed/__init__.py": ""}, one.parent / "two")
    e = importcraft.explain("mixed", path=[str(one), str(two)])
    assert e.kind == "regular package"
    (portion,) = e.shadowed
    assert portion.location == str(one / "mixed")
    assert "namespace portion" in portion.why


def test_builtin_and_frozen() -> None:
    assert importcraft.explain("sys").kind == "builtin"
    assert importcraft.explain("_imp").kind == "builtin"


def test_a_virtual_module_is_served_by_the_router() -> None:
    with importcraft.virtual({"explained_virtual": "x = 1"}):
        e = importcraft.explain("explained_virtual")
    assert e.found
    assert e.kind == "module"
    assert e.found_by is not None
    assert "virtual(['explained_virtual'])" in e.found_by
    assert any(s.result == "module" and "resolving rule" in s.where for s in e.steps)
    assert "explained_virtual" not in sys.modules


def test_a_blocked_name() -> None:
    with importcraft.block("xmlrpc", reason="no RPC here"):
        e = importcraft.explain("xmlrpc.client")
    assert not e.found
    assert e.blocked_by is not None
    assert "block('xmlrpc')" in e.blocked_by
    first = str(e).splitlines()[0]
    assert first.startswith("'xmlrpc.client' is BLOCKED")
    assert any("no RPC here" in s for s in e.suggestions)


def test_decorating_rules_are_listed(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"decorated_mod.py": "x = 1\n"})
    sys.path.insert(0, str(root))
    with importcraft.when_imported("decorated_mod", lambda module: None):
        e = importcraft.explain("decorated_mod")
    assert e.found
    assert e.origin == str(root / "decorated_mod.py")
    assert e.wrapped_by
    assert "when_imported" in e.wrapped_by[0]
    assert any(s.result == "delegates" for s in e.steps)


def test_a_submodule_whose_parent_is_not_imported(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({})
    marker = root / "RAN"
    tree(
        {
            "parentpkg/__init__.py": f"open({str(marker)!r}, 'w').close()\n"
            "__path__.append('elsewhere')\n",
            "parentpkg/child.py": f"open({str(marker)!r}, 'w').close()\n",
        },
        root,
    )
    sys.path.insert(0, str(root))
    e = importcraft.explain("parentpkg.child")
    assert e.found
    assert e.origin == str(root / "parentpkg" / "child.py")
    assert any(s.result == "not imported" for s in e.steps)
    assert any("__path__" in note and "import_parents=True" in note for note in e.notes)
    assert "parentpkg" not in sys.modules
    assert not marker.exists()
    try:
        imported = importcraft.explain("parentpkg.child", import_parents=True)
        assert marker.exists()  # asked for: the parent's __init__ ran
        assert imported.found
        assert any(s.result == "imported" for s in imported.steps)
    finally:
        sys.modules.pop("parentpkg", None)


def test_no_module_body_runs_and_nothing_is_cached(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({})
    marker = root / "RAN"
    tree({"sideeffect.py": f"open({str(marker)!r}, 'w').close()\n"}, root)
    sys.path.insert(0, str(root))
    e = importcraft.explain("sideeffect")
    assert e.found
    assert e.kind == "module"
    assert not marker.exists()
    assert "sideeffect" not in sys.modules
    assert str(root) not in sys.path_importer_cache
    assert any("sys.path_hooks" in (s.via or "") for s in e.steps)


# -- not found -----------------------------------------------------------------------------------


def test_not_found_gives_close_names_and_the_distribution_to_install(tree) -> None:  # type: ignore[no-untyped-def]
    e = importcraft.explain("jsonn")
    assert not e.found
    assert str(e).startswith("'jsonn' is NOT FOUND")
    assert any("json" in s and "close names" in s for s in e.suggestions)
    root = tree({})
    missing = importcraft.explain("cv2", path=[str(root)])
    assert any("pip install opencv-python" in s for s in missing.suggestions)
    wrong = importcraft.explain("PyYAML", path=[str(root)])
    assert any("imported as 'yaml'" in s for s in wrong.suggestions)


def test_not_found_names_the_import_name_of_an_installed_distribution(tree) -> None:  # type: ignore[no-untyped-def]
    site = tree({"bs4/__init__.py": "", "beautifulsoup4-4.12.0.dist-info/top_level.txt": "bs4\n"})
    e = importcraft.explain("beautifulsoup4", path=[str(site)])
    assert any("'beautifulsoup4' is installed; import it as: bs4" in s for s in e.suggestions)


def test_a_submodule_of_a_missing_parent(tree) -> None:  # type: ignore[no-untyped-def]
    e = importcraft.explain("no_such_parent_here.child")
    assert not e.found
    assert any(s.where == "parent 'no_such_parent_here'" for s in e.steps)


# -- the result ----------------------------------------------------------------------------------


def test_to_dict_is_json_ready() -> None:
    data = importcraft.explain("json").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["schema"] == 1
    assert data["found"] is True
    assert data["kind"] == "regular package"
    assert {"where", "finder", "via", "result", "origin", "detail"} == set(data["steps"][0])


def test_bad_names_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid dotted module name"):
        importcraft.explain("a..b")


# -- the command ---------------------------------------------------------------------------------


def test_cli_exit_status_and_json(tmp_path: Path) -> None:
    (tmp_path / "random.py").write_text("raise SystemExit('ran')\n")
    found = cli(tmp_path, "random")
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("SHADOWING: 'random' resolves to " + str(tmp_path / "random.py"))
    missing = cli(tmp_path, "no_such_module_anywhere")
    assert missing.returncode == 1
    assert missing.stdout.startswith("'no_such_module_anywhere' is NOT FOUND")
    as_json = cli(tmp_path, "random", "--json")
    assert as_json.returncode == 0
    data = json.loads(as_json.stdout)
    assert data["found"] is True
    assert data["origin"] == str(tmp_path / "random.py")
    missing_json = cli(tmp_path, "no_such_module_anywhere", "--json")
    assert missing_json.returncode == 1
    assert json.loads(missing_json.stdout)["found"] is False


def test_cli_import_parents(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"clipkg/__init__.py": "print('parent ran')", "clipkg/sub.py": ""})
    plain = cli(root, "clipkg.sub")
    assert plain.returncode == 0
    assert "parent ran" not in plain.stdout
    imported = cli(root, "clipkg.sub", "--import-parents")
    assert imported.returncode == 0
    assert imported.stdout.startswith("parent ran")


def test_a_file_named_like_a_builtin_module_loses_to_it(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"_imp.py": "raise SystemExit('ran')"})
    e = importcraft.explain("_imp", path=[str(root)])
    assert e.kind == "builtin"
    (hidden,) = e.shadowed
    assert hidden.location == str(root / "_imp.py")
    assert "BuiltinImporter answers first" in hidden.why


def test_explaining_changes_no_import_state(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree({"plain_mod.py": "", "nspace/x.py": "", "pk/__init__.py": "", "pk/sub.py": ""})
    sys.path.insert(0, str(root))
    before = (
        set(sys.modules),
        dict(sys.path_importer_cache),
        list(sys.meta_path),
        list(sys.path_hooks),
        list(sys.path),
    )
    for name in ("plain_mod", "nspace", "pk.sub", "missing_thing", "json", "PyYAML"):
        importcraft.explain(name)
    after = (
        set(sys.modules),
        dict(sys.path_importer_cache),
        list(sys.meta_path),
        list(sys.path_hooks),
        list(sys.path),
    )
    assert after == before


@pytest.mark.parametrize("console", [False, True])
def test_the_command_runs_no_file_of_the_current_folder(tmp_path: Path, console: bool) -> None:
    # What the command itself needs (json, difflib, heapq) comes from the standard library's
    # folder, even where the current folder, searched first, holds files of those names.
    marker = tmp_path / "RAN"
    for name in ("json", "difflib", "heapq", "random", "email"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    command = (
        [str(Path(sys.executable).parent / "importcraft")]
        if console
        else [sys.executable, "-m", "importcraft"]
    )
    result = subprocess.run(
        [*command, "explain", "jsonn", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["found"] is False
    assert any("json" in s for s in data["suggestions"])
    assert not marker.exists(), marker.read_text()


def test_an_imported_module_that_a_fresh_import_would_not_find(tree) -> None:  # type: ignore[no-untyped-def]
    import random  # noqa: F401 (imported from the standard library, as the tests run)

    root = tree({"random.py": "raise SystemExit('ran')"})
    e = importcraft.explain("random", path=[str(root), *sys.path])
    assert e.already_imported
    assert e.origin == os.path.join(STDLIB, "random.py")
    assert str(e).startswith(
        f"SHADOWING: 'random' is imported from {e.origin}, but a fresh import would find "
        f"{root / 'random.py'} first"
    )
    assert "standard library" in e.shadowed[0].why


def test_a_parent_that_is_a_module_cannot_hold_the_name(tmp_path: Path) -> None:
    (tmp_path / "plainmod.py").write_text("x = 1\n")
    sys.path.insert(0, str(tmp_path))  # the suite's fixture restores sys.path
    for name, origin in [("os.path.nothing", None), ("plainmod.sub", tmp_path / "plainmod.py")]:
        explanation = importcraft.explain(name)
        assert not explanation.found
        parent = name.rpartition(".")[0]
        tail = name.rpartition(".")[2]
        assert f"{parent!r} is a module, not a package: it cannot hold {tail!r}" in (
            explanation.suggestions
        )
        step = explanation.steps[-1]
        assert step.result == "module"
        if origin is not None:
            assert step.origin == str(origin)
            assert "plainmod" not in sys.modules  # read from its spec, not imported


def test_the_routers_rules_by_stage_in_this_process(tmp_path: Path) -> None:
    # A policy that allows, two resolving rules (the newest answers, the other is skipped), a
    # fallback rule, and a source whose lookup raises: each step says what the rule did.
    (tmp_path / "fallback_only.py").write_text("x = 1\n")

    class Broken(importcraft.Source):
        def roots(self) -> list[str]:
            return ["explain_broken"]

        def lookup(self, name: str) -> str | None:
            raise RuntimeError("the store is down")

        def get_source(self, name: str) -> str:
            return ""

    importcraft.allow_only(
        "explain_twice", "fallback_only", "explain_broken", "pytest", "_pytest", "pluggy"
    )
    importcraft.virtual({"explain_twice": "x = 1"})
    importcraft.virtual({"explain_twice": "x = 2"})
    importcraft.install(importcraft.DirectorySource(str(tmp_path)), fallback=True)
    importcraft.install(Broken())

    twice = importcraft.explain("explain_twice")
    assert twice.found
    results = [(step.where, step.result) for step in twice.steps]
    assert any("policy rule" in where and result == "allows" for where, result in results)
    assert any(result == "skipped" for _, result in results), results

    fallback = importcraft.explain("fallback_only")
    assert fallback.found
    assert any(step.result == "later" for step in fallback.steps)

    broken = importcraft.explain("explain_broken")
    assert not broken.found
    [error] = [step for step in broken.steps if step.result == "error"]
    assert "the store is down" in error.detail
