"""transform(): AST transforms as modules load, and their bytecode cache."""

from __future__ import annotations

import ast
import importlib
import importlib.resources
import importlib.util
import inspect
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

import importcraft
from importcraft.core import _cachedir

from .conftest import run_python
from .test_router import EditableFinder


class Shout(ast.NodeTransformer):
    """Upper-cases string constants."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str):
            node.value = node.value.upper()
        return node


class Append(ast.NodeTransformer):
    """Appends its tag to every string constant (so the order of steps shows)."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.cache_key = tag

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str):
            node.value += self.tag
        return node


GREET = {
    "greet/__init__.py": "WORD = 'hello'\n\n\ndef boom():\n    raise ValueError(WORD)\n",
    "greet/sub.py": "WORD = 'sub'\n",
    "greet/data.txt": "resource\n",
    "greet2/__init__.py": "WORD = 'other'\n",
}


@pytest.fixture
def greet(tree: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    root: Path = tree(GREET)
    sys.path.insert(0, str(root))
    return root


def test_a_package_and_its_submodules_are_transformed_and_nothing_else(greet: Path) -> None:
    importcraft.transform("greet", Shout())
    import greet.sub
    import greet2

    assert greet.WORD == "HELLO"
    assert greet.sub.WORD == "SUB"
    assert greet2.WORD == "other", "greet2 is not under greet"


def test_fidelity_file_loader_resources_source_and_lines(greet: Path) -> None:
    importcraft.transform("greet", Shout())
    import greet

    assert greet.__file__ == str(greet_root(greet) / "__init__.py")
    assert greet.__spec__.origin == greet.__file__
    assert type(greet.__loader__).__name__ == "SourceFileLoader"
    assert greet.__spec__.loader is greet.__loader__
    assert importlib.resources.files("greet").joinpath("data.txt").read_text() == "resource\n"
    assert "return" not in inspect.getsource(greet.boom)
    assert "raise ValueError(WORD)" in inspect.getsource(greet.boom), "the original source"
    with pytest.raises(ValueError, match="HELLO") as info:
        greet.boom()
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{greet.__file__}", line 5, in boom\n    raise ValueError(WORD)' in text


def greet_root(module: Any) -> Path:
    return Path(module.__file__).parent


def test_a_callable_transformer_gets_the_module_info(greet: Path) -> None:
    seen: list[tuple[str, str]] = []

    def record(tree: ast.Module, info: importcraft.TransformInfo) -> ast.Module:
        seen.append((info.name, Path(info.filename).name))
        return tree

    importcraft.transform("greet", record)
    import greet.sub  # noqa: F401

    assert seen == [("greet", "__init__.py"), ("greet.sub", "sub.py")]


def test_source_level_transformers(greet: Path) -> None:
    @importcraft.source_transformer
    def swap(source: str, info: importcraft.TransformInfo) -> str:
        return source.replace("'hello'", "'bonjour'")

    importcraft.transform("greet", swap)
    import greet

    assert greet.WORD == "bonjour"


def test_transformers_and_hooks_compose_in_registration_order(greet: Path) -> None:
    importcraft.transform("greet", Append("-1"), Append("-2"))
    importcraft.transform("greet.sub", Append("-3"))
    importcraft.transform("greet", Append("-4"))
    import greet.sub

    assert greet.WORD == "hello-1-2-4"
    assert greet.sub.WORD == "sub-1-2-3-4"


def test_a_bad_transformer_result_is_reported(greet: Path) -> None:
    importcraft.transform("greet", lambda tree, info: None)
    with pytest.raises(TypeError, match=r"returned NoneType for 'greet'; a transformer must"):
        import greet  # noqa: F401
    assert "greet" not in sys.modules


def test_other_meta_path_finders_keep_working(tree: Any) -> None:
    folder = tree({"editable_mod.py": "WORD = 'editable'\n"})
    sys.meta_path.append(EditableFinder(folder, {"editable_mod"}))
    importcraft.transform("editable_mod", Shout())
    import editable_mod

    assert editable_mod.WORD == "EDITABLE"


def test_virtual_modules_are_transformed_without_a_cache() -> None:
    importcraft.virtual({"virt": "WORD = 'virtual'"})
    importcraft.transform("virt", Shout())
    import virt

    assert virt.WORD == "VIRTUAL"
    assert importcraft.transform_status("virt") == (
        "transformed (not cached: the module is not a file)"
    )
    assert not Path("<virtual>").exists()


def test_modules_without_source_are_left_alone_and_reported() -> None:
    sys.modules.pop("cmath", None)
    importcraft.transform("cmath", Shout())
    import cmath

    assert cmath.sqrt(4) == 2
    status = importcraft.transform_status("cmath")
    assert status.startswith("not transformed: an extension or other binary module (")


def test_a_module_imported_before_the_hook_is_named(greet: Path) -> None:
    import greet

    with pytest.warns(importcraft.ImportcraftWarning, match=r"after 'greet' had been imported"):
        importcraft.transform("greet", Shout())
    assert greet.WORD == "hello"
    assert importcraft.transform_status("greet") == (
        "not transformed: imported before the transform hook"
    )


def test_status_of_other_modules() -> None:
    import colorsys  # noqa: F401

    assert importcraft.transform_status("colorsys").startswith("not transformed: no transform")
    assert importcraft.transform_status("never_imported_x") == "not imported yet"


def test_get_code_gives_the_transformed_code(greet: Path) -> None:
    importcraft.transform("greet", Shout())
    spec = importlib.util.find_spec("greet")
    assert spec is not None
    namespace: dict[str, object] = {}
    exec(spec.loader.get_code("greet"), namespace)  # type: ignore[union-attr]
    assert namespace["WORD"] == "HELLO"


def test_python_m_runs_a_module_that_needs_provided_names(tree: Any) -> None:
    # runpy asks the loader for the code and runs it in __main__'s namespace, not through
    # exec_module: the names the transformers give (the assertion explainer, the call logger)
    # used to be missing there (NameError: __importcraft_explain_assert__).
    root = tree(
        {
            "checks/__init__.py": "",
            "checks/run.py": """\
            def twice(x):
                return 2 * x

            values = [1, 2]
            assert twice(len(values)) == 5
            """,
        }
    )
    for transformer, expected in [
        ("AssertionRewriter", "where 2 = len([1, 2])"),
        ("CallLogger", "twice("),
    ]:
        done = run_python(
            f"""
            import runpy, sys
            import importcraft
            from importcraft.transformers import {transformer}
            sys.path.insert(0, ".")
            importcraft.transform("checks", {transformer}())
            runpy.run_module("checks.run", run_name="__main__")
            """,
            cwd=root,
        )
        assert "NameError" not in done.stderr, done.stderr
        assert "AssertionError" in done.stderr
        assert expected in done.stderr, done.stderr


def test_transformed_code_run_without_its_loader_says_so(tree: Any) -> None:
    from importcraft.transformers import AssertionRewriter

    sys.path.insert(0, str(tree({"checked.py": "assert 1 + 1 == 2\n"})))  # restored after
    importcraft.transform("checked", AssertionRewriter())
    spec = importlib.util.find_spec("checked")
    assert spec is not None
    assert spec.loader is not None
    code = spec.loader.get_code("checked")  # type: ignore[attr-defined]
    with pytest.raises(ImportError, match="without the transform's loader") as caught:
        exec(code, {"__name__": "checked"})
    assert caught.value.name == "checked"
    namespace: dict[str, object] = {"__name__": "checked", "__spec__": spec}
    exec(code, namespace)  # with its spec, it finds the loader and the names
    assert "__importcraft_explain_assert__" in namespace


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("greet",), TypeError, "at least one transformer"),
        (((), Shout()), TypeError, "at least one package name"),
        (("bad name", Shout()), ValueError, "package name 'bad name'"),
        (("greet", 42), TypeError, "42 is not a transformer"),
    ],
)
def test_bad_arguments(args: tuple[Any, ...], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        importcraft.transform(*args)
    assert importcraft.hooks() == []


# -- the cache ----------------------------------------------------------------------------------


def cache_files(root: Path) -> list[Path]:
    return sorted((root / "greet" / "__pycache__").glob("__init__.*importcraft*.pyc"))


def fresh_import(name: str = "greet") -> Any:
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]
    return importlib.import_module(name)


def test_the_cache_is_written_then_used(greet: Path) -> None:
    importcraft.transform("greet", Append("!"))
    assert fresh_import().WORD == "hello!"
    (path,) = cache_files(greet)
    assert path.name.startswith(f"__init__.{sys.implementation.cache_tag}.importcraft-")
    assert importcraft.transform_status("greet") == f"transformed (cache written: {path})"
    with pytest.raises(ValueError, match=r"dots|opt-"):
        importlib.util.source_from_cache(str(path))  # never taken for a normal .pyc
    assert fresh_import().WORD == "hello!"
    assert importcraft.transform_status("greet") == f"transformed (from the cache {path})"


def test_an_edit_of_the_same_size_in_the_same_second_is_seen(greet: Path) -> None:
    importcraft.transform("greet", Append("!"))
    init = greet / "greet" / "__init__.py"
    stat = init.stat()
    assert fresh_import().WORD == "hello!"
    init.write_text(init.read_text().replace("'hello'", "'howdy'"))
    import os

    os.utime(init, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert fresh_import().WORD == "howdy!"


def test_another_pipeline_uses_another_file(greet: Path) -> None:
    with importcraft.transform("greet", Append("!")):
        fresh_import()
    del sys.modules["greet"]
    with importcraft.transform("greet", Append("?")):
        assert fresh_import().WORD == "hello?"
    assert len(cache_files(greet)) == 2


def test_a_corrupt_or_truncated_cache_file_is_ignored_and_rewritten(greet: Path) -> None:
    importcraft.transform("greet", Append("!"))
    fresh_import()
    (path,) = cache_files(greet)
    good = path.read_bytes()

    def without_write_time(data: bytes) -> bytes:
        return data[:40] + data[48:]  # the header's 8-byte "written at" changes

    for broken in (good[: len(good) // 2], good[:20], b"garbage"):
        path.write_bytes(broken)
        assert fresh_import().WORD == "hello!"
        assert without_write_time(path.read_bytes()) == without_write_time(good)
        assert "cache written" in importcraft.transform_status("greet")


def test_dont_write_bytecode_is_honoured(greet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    importcraft.transform("greet", Append("!"))
    assert fresh_import().WORD == "hello!"
    assert cache_files(greet) == []


def test_an_unwritable_folder_means_no_cache_not_an_error(greet: Path) -> None:
    (greet / "greet" / "__pycache__").write_text("a file where the folder would go")
    importcraft.transform("greet", Append("!"))
    assert fresh_import().WORD == "hello!"
    assert "not cached: bytecode cannot be written" in importcraft.transform_status("greet")


def test_cache_false(greet: Path) -> None:
    importcraft.transform("greet", Append("!"), cache=False)
    fresh_import()
    assert cache_files(greet) == []
    assert importcraft.transform_status("greet") == "transformed (cache=False)"


def test_pycache_prefix_and_optimisation_level(greet: Path, tmp_path: Path) -> None:
    code = """
        import sys, importcraft, importlib
        sys.dont_write_bytecode = False
        sys.path.insert(0, sys.argv[1])
        class Tag:
            cache_key = "tag-1"
            def __call__(self, tree, info):
                return tree
        importcraft.transform("greet", Tag())
        import greet
        print(importcraft.transform_status("greet"))
    """
    prefix = tmp_path / "prefix"
    plain = run_python(code, str(greet), env={"PYTHONPYCACHEPREFIX": str(prefix)})
    optimised = subprocess_with_flag("-O", code, str(greet), prefix)
    assert plain.returncode == 0, plain.stderr
    assert optimised.returncode == 0, optimised.stderr
    files = sorted(p.name for p in prefix.rglob("*importcraft*.pyc"))
    assert len(files) == 2, files
    assert any(name.endswith(".opt-1.pyc") for name in files)
    assert not (greet / "greet" / "__pycache__").exists()


def subprocess_with_flag(flag: str, code: str, arg: str, prefix: Path) -> Any:
    import os
    import subprocess
    import textwrap

    return subprocess.run(
        [sys.executable, flag, "-c", textwrap.dedent(code), arg],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)},
        check=False,
    )


def test_a_transformer_without_a_key_defined_in_a_file_is_keyed_by_its_source(
    greet: Path,
) -> None:
    importcraft.transform("greet", Shout())
    fresh_import()
    assert len(cache_files(greet)) == 1, "Shout has no cache_key; this file's source keys it"


def test_a_second_interpreter_uses_the_cache_the_first_wrote(greet: Path) -> None:
    code = """
        import sys, importcraft
        from importcraft.transformers import AssertionRewriter
        sys.dont_write_bytecode = False
        sys.path.insert(0, sys.argv[1])
        importcraft.transform("greet", AssertionRewriter())
        import greet
        print(importcraft.transform_status("greet").split(" (")[1].split(" ")[0])
    """
    first = run_python(code, str(greet))
    second = run_python(code, str(greet))
    assert (first.stdout.strip(), second.stdout.strip()) == ("cache", "from"), (
        first.stderr + second.stderr
    )


COVERED = """\
def branchy(x):
    \"\"\"Doc.\"\"\"
    if x > 0:
        assert x < 100, "too big"
        return "positive"
    return "other"


class K:
    def method(self):
        return branchy(1)
"""

DRIVER = """\
import sys, importcraft
from importcraft.transformers import AssertionRewriter, CallLogger
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "transformed":
    importcraft.transform("covered", AssertionRewriter(), CallLogger(log=lambda s: None))
import covered
covered.K().method()
"""


def test_coverage_sees_the_original_line_numbers(tree: Any, tmp_path: Path) -> None:
    pytest.importorskip("coverage")
    import json
    import os
    import subprocess

    root = tree({"covered.py": COVERED, "driver.py": DRIVER})
    executed = {}
    for mode in ("plain", "transformed"):
        data = tmp_path / f".coverage.{mode}"
        # The suite's own coverage run (which measures child processes) stays out of this one.
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
        env["COVERAGE_FILE"] = str(data)
        target = str(root / "covered.py")
        run = [sys.executable, "-m", "coverage", "run", f"--include={target}"]
        done = subprocess.run(
            [*run, str(root / "driver.py"), str(root), mode],
            env=env,
            cwd=tmp_path,  # away from the project's own [tool.coverage] settings
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        report = tmp_path / f"{mode}.json"
        subprocess.run(
            [sys.executable, "-m", "coverage", "json", "-o", str(report)],
            env=env,
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        files = json.loads(report.read_text())["files"]
        executed[mode] = next(iter(files.values()))["executed_lines"]
    assert executed["transformed"] == executed["plain"] == [1, 3, 4, 5, 9, 10, 11]


AUDIT = """
import os, sys, importcraft
from importcraft.transformers import AssertionRewriter
sys.dont_write_bytecode = False
sys.path.insert(0, sys.argv[1])
source = os.path.join(sys.argv[1], "greet", "__init__.py")
opened = []
sys.addaudithook(lambda event, args: event == "open" and args[0] == source and opened.append(1))
importcraft.transform("greet", AssertionRewriter())
import greet
print(importcraft.transform_status("greet").split(" (")[1].split(" ")[0], len(opened), greet.WORD)
"""


def test_an_old_unchanged_source_is_not_even_read(greet: Path) -> None:
    init = greet / "greet" / "__init__.py"
    old = init.stat().st_mtime_ns - 60_000_000_000
    os.utime(init, ns=(old, old))  # last changed a minute ago: its stat can vouch for it
    first = run_python(AUDIT, str(greet))
    second = run_python(AUDIT, str(greet))
    assert first.stdout.split() == ["cache", "1", "hello"], first.stderr
    assert second.stdout.split() == ["from", "0", "hello"], second.stderr


def test_a_fresh_checkout_keeps_the_cache_and_refreshes_it(greet: Path) -> None:
    init = greet / "greet" / "__init__.py"
    old = init.stat().st_mtime_ns - 60_000_000_000
    os.utime(init, ns=(old, old))
    run_python(AUDIT, str(greet))
    newer = old + 30_000_000_000  # new mtime, same content: a checkout
    os.utime(init, ns=(newer, newer))
    checked = run_python(AUDIT, str(greet))
    trusted = run_python(AUDIT, str(greet))
    assert checked.stdout.split() == ["from", "1", "hello"], "read and hashed: still valid"
    assert trusted.stdout.split() == ["from", "0", "hello"], "the refreshed entry vouches again"


def test_the_cache_has_the_permission_bits_of_its_source(greet: Path) -> None:
    init = greet / "greet" / "__init__.py"
    init.chmod(0o600)  # private code stays private in its cache
    importcraft.transform("greet", Append("!"))
    fresh_import()
    (path,) = cache_files(greet)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_moved_tree_gets_its_new_path_from_the_cache(greet: Path, tmp_path: Path) -> None:
    init = greet / "greet" / "__init__.py"
    old = init.stat().st_mtime_ns - 60_000_000_000
    os.utime(init, ns=(old, old))  # the warm path: the stat vouches for the entry
    importcraft.transform("greet", Append("!"))
    fresh_import()
    moved = tmp_path / "moved"
    moved.mkdir()
    (greet / "greet").rename(moved / "greet")  # mtimes and the cache go with it
    sys.path.insert(0, str(moved))
    module = fresh_import()
    assert importcraft.transform_status("greet").startswith("transformed (from the cache")
    new_path = str(moved / "greet" / "__init__.py")
    assert module.boom.__code__.co_filename == new_path
    with pytest.raises(ValueError, match="hello!") as caught:
        module.boom()
    assert traceback.extract_tb(caught.value.__traceback__)[-1].filename == new_path


def test_old_orphan_temporary_files_of_the_entry_are_removed_when_it_is_written(
    greet: Path,
) -> None:
    importcraft.transform("greet", Append("!"))
    fresh_import()
    (path,) = cache_files(greet)
    path.unlink()
    _cachedir._temporaries.clear()  # as in the next process
    orphan = path.with_name(path.name + ".4242.139.tmp")  # a writer that died mid-write
    young = path.with_name(path.name + ".4243.140.tmp")  # a writer still at work
    other = path.with_name("sub" + path.name[len("__init__") :] + ".4242.139.tmp")
    for file in (orphan, young, other):
        file.write_bytes(b"half")
    old = time.time_ns() - 120_000_000_000
    for file in (orphan, other):
        os.utime(file, ns=(old, old))
    fresh_import()
    assert path.exists()
    assert not orphan.exists()
    assert young.exists(), "another process may still be writing it"
    assert other.exists(), "another entry's file is that entry's business"


def test_caching_a_package_lists_its_folder_once(
    tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    root: Path = tree({"many/__init__.py": "", **{f"many/m{i}.py": "X = 1\n" for i in range(5)}})
    sys.path.insert(0, str(root))
    importcraft.transform("many", Append("!"))
    listed: list[str] = []
    scandir = os.scandir

    def counting(path: Any) -> Any:
        listed.append(os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    for i in range(5):
        importlib.import_module(f"many.m{i}")
    folder = str(root / "many" / "__pycache__")
    assert listed.count(folder) == 1
    assert len(list(Path(folder).glob("*importcraft*.pyc"))) == 6


def test_a_source_transformer_returning_none_is_an_error_naming_it(greet: Path) -> None:
    @importcraft.source_transformer
    def forgets_to_return(source: str, info: Any) -> None:
        source.upper()

    forgets_to_return.cache_key = "1"  # type: ignore[attr-defined]
    importcraft.transform("greet", forgets_to_return)
    message = (
        r"source transformer tests\.test_transform\..*forgets_to_return returned NoneType "
        r"for 'greet' \(.*__init__\.py\); a source transformer must return"
    )
    with pytest.raises(TypeError, match=message):
        fresh_import()
    assert "greet" not in sys.modules
    assert cache_files(greet) == [], "never an empty module in the cache"


def test_what_the_cache_checks_when(greet: Path) -> None:
    from importcraft.rewrite import _cache

    init = greet / "greet" / "__init__.py"
    old = init.stat().st_mtime_ns - 60_000_000_000
    os.utime(init, ns=(old, old))
    importcraft.transform("greet", Append("!"))
    assert fresh_import().WORD == "hello!"
    # An edit that keeps size and mtime (a build that stamps every file with one time):
    init.write_text(init.read_text().replace("'hello'", "'howdy'"))
    os.utime(init, ns=(old, old))
    assert fresh_import().WORD == "hello!", "by default an old, unchanged stat vouches"
    undo = _cache.set_check("hash")  # what IMPORTCRAFT_CACHE_CHECK=hash sets
    try:
        assert fresh_import().WORD == "howdy!", "checked-hash mode hashes the source every time"
    finally:
        undo()
    init.write_text(init.read_text().replace("'howdy'", "'hiyah'"))
    os.utime(init, ns=(old, old))
    assert fresh_import().WORD == "howdy!", "undo() puts the stat check back"
    with pytest.raises(ValueError, match="cache check 'always': expected one of"):
        _cache.set_check("always")


CACHE_DIR = """
import sys, importcraft
from importcraft.transformers import AssertionRewriter
sys.path.insert(0, sys.argv[1])
importcraft.transform("greet", AssertionRewriter())
import greet
print(importcraft.transform_status("greet"))
"""


def test_an_explicit_cache_directory_is_used_under_dont_write_bytecode(
    greet: Path, tmp_path: Path
) -> None:
    env = {"PYTHONDONTWRITEBYTECODE": "1", "IMPORTCRAFT_CACHE_DIR": ""}
    without = run_python(CACHE_DIR, str(greet), env=env)
    assert "not cached: sys.dont_write_bytecode is set; set IMPORTCRAFT_CACHE_DIR" in (
        without.stdout
    ), without.stderr
    cache = tmp_path / "cache"
    env["IMPORTCRAFT_CACHE_DIR"] = str(cache)
    first = run_python(CACHE_DIR, str(greet), env=env)
    second = run_python(CACHE_DIR, str(greet), env=env)
    (entry,) = cache.rglob("*.importcraft-*.pyc")
    assert first.stdout.strip() == f"transformed (cache written: {entry})", first.stderr
    assert second.stdout.strip() == f"transformed (from the cache {entry})", second.stderr
    assert entry.parent == cache / str(greet / "greet").lstrip(os.sep)
    assert cache_files(greet) == []
    info = run_python(
        "import importcraft.__main__", "show", "--cache-info", env=env
    )  # the CLI says so
    assert f"directory: {cache}\nreads: True\nwrites: True\n" in info.stdout, info.stderr


def test_set_cache_dir_is_what_the_configuration_calls(greet: Path, tmp_path: Path) -> None:
    from importcraft.rewrite._cache import cache_info, set_cache_dir

    undo = set_cache_dir(tmp_path / "cache")
    try:
        assert cache_info()["directory"] == str(tmp_path / "cache")
        importcraft.transform("greet", Append("!"))
        fresh_import()
        assert len(list((tmp_path / "cache").rglob("*.importcraft-*.pyc"))) == 1
    finally:
        undo()
    assert cache_info()["directory"] is None


def test_a_raising_transformer_is_named_with_the_module_and_stage(greet: Path) -> None:
    class Broken(ast.NodeTransformer):
        cache_key = "1"

        def visit_Constant(self, node: ast.Constant) -> ast.Constant:
            raise LookupError("no such table")

    importcraft.transform("greet", Append("!"), Broken())
    with pytest.raises(LookupError, match="no such table") as caught:
        fresh_import()
    (note,) = caught.value.__notes__
    assert note.startswith(
        "importcraft: raised by transformer tests.test_transform."
        "test_a_raising_transformer_is_named_with_the_module_and_stage.<locals>.Broken while "
        f"transforming module 'greet' ({greet / 'greet' / '__init__.py'}), step 2 of 2 of the "
        "transform pipeline"
    )
    assert "greet" not in sys.modules


def test_a_source_transformer_making_bad_syntax_is_named(greet: Path) -> None:
    @importcraft.source_transformer
    def breaks(source: str, info: Any) -> str:
        return source + "\ndef (:\n"

    breaks.cache_key = "1"  # type: ignore[attr-defined]
    importcraft.transform("greet", breaks)
    with pytest.raises(SyntaxError) as caught:
        fresh_import()
    assert "breaks while transforming module 'greet'" in caught.value.__notes__[0]
    assert "parsing the source it returned" in caught.value.__notes__[0]


# -- wrapping loaders ---------------------------------------------------------------------------


def test_stacked_wrappers_leave_the_original_loader_and_reload_works() -> None:
    from importcraft.core._loaders import SourceLoader, WrappingLoader

    version = importcraft.register_version("tool", "1", "X = 'one'\n")
    over_version = importcraft.transform("tool_v1", Append("!"))
    importcraft.virtual({"vmod": "X = 'v'\n"})
    over_source = importcraft.transform("vmod", Append("?"))
    callback = importcraft.when_imported("vmod", lambda module: None)
    import tool_v1
    import vmod

    assert (tool_v1.X, vmod.X) == ("one!", "v?")
    for module in (tool_v1, vmod):
        assert type(module.__loader__) is SourceLoader, module.__loader__
        assert module.__spec__.loader is module.__loader__
    over_version.remove()
    over_source.remove()
    callback.remove()
    for module in (tool_v1, vmod):
        importlib.reload(module)
        assert not isinstance(module.__loader__, WrappingLoader)
        assert not isinstance(module.__spec__.loader, WrappingLoader)
    assert (tool_v1.X, vmod.X) == ("one", "v")
    version.remove()


STRESS = """
import sys, threading, importcraft
N = 16
importcraft.virtual({f"m{i}": "import linecache\\nX = 1\\n" for i in range(N)})
errors = []
barrier = threading.Barrier(N)

def work(i):
    barrier.wait()
    try:
        __import__(f"m{i}")
    except BaseException as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors)
"""


def test_threads_importing_virtual_modules_while_linecache_loads() -> None:
    # linecache is not loaded yet in a fresh interpreter: each module body imports it while
    # other threads' loaders forget their lines in it.
    for _ in range(5):
        done = run_python(STRESS)
        assert done.stdout.strip() == "[]", done.stdout + done.stderr
