"""import_graph()'s fast reader: import statements found without parsing whole files, the kind
of place of each, the per-file cache, every core; the same edges as strict_parse=True."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

import importcraft
from importcraft.inspect import _graph_cache

TRICKY = '''\
"""A docstring that shows code:

import docstring_module
from docstring_pkg import thing
    >>> import doctest_module
"""
import os, sys as system  # a comment: import not_a_module
from . import (
    sibling,  # one
    # import commented_out
    other,
)
from .sibling import \\
    VALUE
x = 1; import json
TEXT = """
import inside_a_string
"""
ESCAPED = "not \\" import escaped"
RAW = r'\\\\' ; import re
if TYPE_CHECKING: import typing_only
if typing.TYPE_CHECKING:
    from collections import abc
else:
    import fallback_mod
try:
    import guarded_mod
except (
    AttributeError,
    ImportError,
):
    guarded_mod = None
try:
    import not_guarded_mod
except Exception:
    pass
if os.name == "nt":
    import conditional_mod
elif sys.platform == "darwin":
    import elif_mod


@decorator(__import__("decorated_mod"))
class Thing:
    import class_level_mod

    def method(self):
        import method_mod
        return lambda: __import__("lambda_mod")

    TABLE = {"key": 1}


async def coroutine():
    import async_mod


def signature(
    a=1,
) -> None:
    import signature_mod


for item in ():
    import loop_mod
LOADED = importlib.import_module("dynamic_mod")
RELATIVE = importlib.import_module(".sibling", __package__)
UNKNOWN = importlib.import_module(".nothing", some_variable)
'''

EXPECTED = {
    ("app.tricky", "os"): "module",
    ("app.tricky", "sys"): "module",
    ("app.tricky", "app.sibling"): "module",
    ("app.tricky", "app.other"): "module",
    ("app.tricky", "json"): "module",
    ("app.tricky", "re"): "module",
    ("app.tricky", "typing_only"): "type_checking",
    ("app.tricky", "collections"): "type_checking",
    ("app.tricky", "fallback_mod"): "conditional",
    ("app.tricky", "guarded_mod"): "guarded",
    ("app.tricky", "not_guarded_mod"): "module",
    ("app.tricky", "conditional_mod"): "conditional",
    ("app.tricky", "elif_mod"): "conditional",
    ("app.tricky", "decorated_mod"): "module",
    ("app.tricky", "class_level_mod"): "module",
    ("app.tricky", "method_mod"): "function",
    ("app.tricky", "lambda_mod"): "function",
    ("app.tricky", "async_mod"): "function",
    ("app.tricky", "signature_mod"): "function",
    ("app.tricky", "loop_mod"): "module",
    ("app.tricky", "dynamic_mod"): "module",
}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("IMPORTCRAFT_CACHE_DIR", str(folder))
    return folder


def package(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
    return root


def kinds(graph: importcraft.ImportGraph) -> dict[tuple[str, str], str]:
    return {(e.importer, e.imported): e.kind for e in graph.edges}


def lines(graph: importcraft.ImportGraph) -> set[tuple[str, str, int, str, str]]:
    return {
        (e.importer, e.imported, ln.line, ln.kind, ln.how) for e in graph.edges for ln in e.lines
    }


@pytest.fixture
def tricky(tmp_path: Path) -> Path:
    return package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/sibling.py": "",
            "app/other.py": "",
            "app/tricky.py": TRICKY,
        },
    )


def test_strings_comments_continuations_and_blocks(tricky: Path) -> None:
    graph = importcraft.import_graph("app", path=[str(tricky)])
    assert kinds(graph) == EXPECTED
    assert graph.problems == []
    # The whole-file parser agrees on every line, its kind and how it imports.
    strict = importcraft.import_graph("app", path=[str(tricky)], strict_parse=True)
    assert lines(graph) == lines(strict)
    statement = graph.edge("app.tricky", "json")
    assert statement is not None
    assert [(ln.line, ln.statement) for ln in statement.lines] == [(15, "x = 1; import json")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_tabs_and_nesting(tmp_path: Path, newline: str) -> None:
    source = (
        "import os\n"
        "class A:\n"
        "\tif TYPE_CHECKING:\n"
        "\t\timport typed\n"
        "\tdef f(self):\n"
        "\t\ttry:\n"
        "\t\t\timport inner\n"
        "\t\texcept ImportError:\n"
        "\t\t\tpass\n"
        "\ttry:\n"
        "\t\timport guarded\n"
        "\texcept ModuleNotFoundError:\n"
        "\t\tpass\n"
        "import last\n"
    ).replace("\n", newline)
    root = package(tmp_path, {"pkg/__init__.py": source})
    graph = importcraft.import_graph("pkg", path=[str(root)])
    assert kinds(graph) == {
        ("pkg", "os"): "module",
        ("pkg", "typed"): "type_checking",
        ("pkg", "inner"): "function",
        ("pkg", "guarded"): "guarded",
        ("pkg", "last"): "module",
    }
    edge = graph.edge("pkg", "last")
    assert edge is not None
    assert edge.lines[0].line == 14


def test_bom_and_coding_cookie(tmp_path: Path) -> None:
    root = package(
        tmp_path,
        {
            "pkg/__init__.py": b"\xef\xbb\xbfimport os\n",
            "pkg/latin.py": "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\nimport json\n".encode(
                "latin-1"
            ),
        },
    )
    graph = importcraft.import_graph("pkg", path=[str(root)])
    assert kinds(graph) == {("pkg", "os"): "module", ("pkg.latin", "json"): "module"}
    assert graph.problems == []


def test_python_3_12_syntax_is_read_on_every_version(tmp_path: Path) -> None:
    # A type statement and PEP 701 f-strings (quotes reused inside, a comment in a replacement
    # field): no parser older than 3.12 reads this file, the scan does not need to.
    source = textwrap.dedent(
        '''\
        import os
        type Point = tuple[float, float]
        songs = {"a": 1}
        text = f"{songs["a"]} and {f"{songs["a"]}"}"
        multi = f"""{
            songs["a"]  # a comment inside
        }"""
        def later():
            from json import dumps
        '''
    )
    root = package(tmp_path, {"pkg/__init__.py": source})
    graph = importcraft.import_graph("pkg", path=[str(root)])
    assert kinds(graph) == {("pkg", "os"): "module", ("pkg", "json"): "function"}
    assert graph.problems == []
    if sys.version_info < (3, 12):
        strict = importcraft.import_graph("pkg", path=[str(root)], strict_parse=True)
        assert len(strict.problems) == 1  # what strict_parse is for


def test_a_statement_that_does_not_parse_is_reported_and_skipped(tmp_path: Path) -> None:
    root = package(
        tmp_path,
        {
            "pkg/__init__.py": "import os\nfrom json import (dumps,\nimport re\ndef broken(:\n",
        },
    )
    graph = importcraft.import_graph("pkg", path=[str(root)])
    (problem,) = graph.problems
    assert (Path(problem.file).name, problem.line) == ("__init__.py", 2)
    assert "import statement does not parse" in problem.message
    # The rest of the file is still read.
    assert set(kinds(graph)) == {("pkg", "os"), ("pkg", "re")}
    # Not a full syntax check: the broken def is strict_parse's to report.
    strict = importcraft.import_graph("pkg", path=[str(root)], strict_parse=True)
    assert len(strict.problems) == 1


def test_resolution_and_external_depth(tmp_path: Path) -> None:
    root = package(
        tmp_path,
        {
            "pkg/__init__.py": "import pkg.a.b\nimport os.path\n"
            "from xml.etree import ElementTree\n",
            "pkg/a/__init__.py": "from .. import c\nfrom ..c import NAME\nfrom . import b\n",
            "pkg/a/b.py": "import_module('.c', package='pkg')\n"
            "importlib.import_module('.b', __name__)\n",
            "pkg/c.py": "",
            "pkg/ns/mod.py": "from pkg.ns import other\n",  # a namespace package
            "pkg/ns/other.py": "",
            "pkg/0001_initial.py": "from pkg import c\n",
        },
    )
    graph = importcraft.import_graph("pkg", path=[str(root)])
    assert set(kinds(graph)) == {
        ("pkg", "pkg.a.b"), ("pkg", "os"), ("pkg", "xml"),
        ("pkg.a", "pkg.c"), ("pkg.a", "pkg.a.b"),
        ("pkg.a.b", "pkg.c"),
        ("pkg.ns.mod", "pkg.ns.other"),
        ("pkg.0001_initial", "pkg.c"),
    }  # fmt: skip
    # import_module(".b", __name__) in pkg.a.b means pkg.a.b.b: not a module, so its parent,
    # pkg.a.b itself: no edge to itself.
    deep = importcraft.import_graph("pkg", path=[str(root)], external_depth=None)
    assert {b for a, b in kinds(deep) if a == "pkg"} == {"pkg.a.b", "os.path", "xml.etree"}
    two = importcraft.import_graph("pkg", path=[str(root)], external_depth=2)
    assert ("pkg", "xml.etree") in kinds(two)
    with pytest.raises(ValueError, match="external_depth=0"):
        importcraft.import_graph("pkg", path=[str(root)], external_depth=0)


def old(path: Path) -> None:
    """Give ``path`` an mtime well outside the cache's racy window."""
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))


def test_the_cache_is_per_file_and_keyed_by_stat_and_hash(tmp_path: Path, cache_dir: Path) -> None:
    root = package(tmp_path, {"pkg/__init__.py": "import aaa\n", "pkg/m.py": "import bbb\n"})
    for file in (root / "pkg").iterdir():
        old(file)
    graph = importcraft.import_graph("pkg", path=[str(root)])
    assert set(kinds(graph)) == {("pkg", "aaa"), ("pkg.m", "bbb")}
    assert len(list((cache_dir / "graph").iterdir())) == 1
    # Same size, same mtime, older than the racy window: the cache vouches, the file is not read.
    (root / "pkg" / "m.py").write_text("import ccc\n")
    old(root / "pkg" / "m.py")
    assert set(kinds(importcraft.import_graph("pkg", path=[str(root)]))) == {
        ("pkg", "aaa"), ("pkg.m", "bbb"),
    }  # fmt: skip
    # cache=False reads every file.
    fresh = importcraft.import_graph("pkg", path=[str(root)], cache=False)
    assert set(kinds(fresh)) == {("pkg", "aaa"), ("pkg.m", "ccc")}
    # A new mtime: that file is read again (and only it: the other entry's stat still holds).
    (root / "pkg" / "m.py").write_text("import ddd\n")
    assert set(kinds(importcraft.import_graph("pkg", path=[str(root)]))) == {
        ("pkg", "aaa"), ("pkg.m", "ddd"),
    }  # fmt: skip
    # A file added and one removed.
    (root / "pkg" / "n.py").write_text("from . import m\n")
    (root / "pkg" / "__init__.py").unlink()
    graph = importcraft.import_graph(root / "pkg")
    assert set(kinds(graph)) == {("pkg.m", "ddd"), ("pkg.n", "pkg.m")}


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, cache_dir: Path) -> None:
    root = package(tmp_path, {"pkg/__init__.py": "import aaa\n"})
    importcraft.import_graph("pkg", path=[str(root)])
    (cache_file,) = (cache_dir / "graph").iterdir()
    cache_file.write_bytes(b"not a cache")
    assert set(kinds(importcraft.import_graph("pkg", path=[str(root)]))) == {("pkg", "aaa")}


def test_every_core_reads_a_big_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {"pkg/__init__.py": ""}
    for i in range(40):
        files[f"pkg/m{i}.py"] = f"from . import m{(i + 1) % 40}\nimport os\n" + TRICKY
    root = package(tmp_path, files)
    serial = importcraft.import_graph("pkg", path=[str(root)], cache=False)
    monkeypatch.setattr(_graph_cache, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(_graph_cache, "POOL_MIN_BYTES", 0)
    pooled = importcraft.import_graph("pkg", path=[str(root)], cache=False)
    assert lines(pooled) == lines(serial)
    assert len(serial.edges) > 40 * 20


def test_the_pool_survives_a_reloaded_concurrent_futures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A test harness (isolated(), a reload) may leave concurrent.futures' cached attribute
    # naming a module sys.modules no longer holds; the pool must use the current one.
    import concurrent.futures

    concurrent.futures.ProcessPoolExecutor
    monkeypatch.delitem(sys.modules, "concurrent.futures.process")
    files: dict[str, str | bytes] = {"pkg/__init__.py": ""}
    files.update({f"pkg/m{i}.py": f"from . import m{(i + 1) % 8}\n" for i in range(8)})
    root = package(tmp_path, files)
    monkeypatch.setattr(_graph_cache, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(_graph_cache, "POOL_MIN_BYTES", 0)
    pooled = importcraft.import_graph("pkg", path=[str(root)], cache=False)
    assert len(pooled.edges) == 8


def test_a_call_in_a_one_line_block_is_in_that_block(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "pk/__init__.py": "",
        "pk/a.py": "import importlib\n"
        "def load(): return importlib.import_module('pk.b')\n"
        "if FLAG: importlib.import_module('pk.c')\n"
        "def make(x=importlib.import_module('pk.d')): pass\n",
        "pk/b.py": "import pk.a\n",
        "pk/c.py": "",
        "pk/d.py": "",
    }
    root = package(tmp_path, files)
    fast = importcraft.import_graph("pk", path=[str(root)], cache=False)
    kinds = {e.imported: e.kind for e in fast.edges if e.importer == "pk.a"}
    # the call in the one-line def runs when load() is called; a default value runs at def time
    assert kinds == {"importlib": "module", "pk.b": "function", "pk.c": "conditional",
                     "pk.d": "module"}  # fmt: skip
    assert fast.cycles() == []
    strict = importcraft.import_graph("pk", path=[str(root)], strict_parse=True)
    assert lines(fast) == lines(strict)


def test_a_symbolic_link_loop_is_read_once(tmp_path: Path) -> None:
    root = package(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "from . import other\n",
                              "pkg/other.py": ""})  # fmt: skip
    (root / "pkg" / "again").symlink_to(root / "pkg", target_is_directory=True)
    (root / "pkg" / "dangling").symlink_to(root / "nowhere", target_is_directory=True)
    graph = importcraft.import_graph("pkg", path=[str(root)], cache=False)
    assert graph.internal == {"pkg", "pkg.mod", "pkg.other"}


def test_workers_that_cannot_start_leave_the_reading_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    files: dict[str, str | bytes] = {"pkg/__init__.py": ""}
    files.update({f"pkg/m{i}.py": f"from . import m{(i + 1) % 8}\n" for i in range(8)})
    root = package(tmp_path, files)
    monkeypatch.setattr(_graph_cache, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(_graph_cache, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(_graph_cache, "_warned", set())

    def no_semaphores(method: str | None = None) -> object:
        raise OSError(38, "Function not implemented")  # as where /dev/shm is missing

    monkeypatch.setattr(multiprocessing, "get_context", no_semaphores)
    with pytest.warns(importcraft.ImportcraftWarning, match="could not read the files in worker"):
        graph = importcraft.import_graph("pkg", path=[str(root)], cache=False)
    assert len(graph.edges) == 8


def test_continuation_lines_are_no_statements_and_close_no_block(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "ct/__init__.py": "",
        "ct/m.py": (
            "from ct.sub \\\n    import name\n"  # `import name` continues the line above
            "if TYPE_CHECKING:\n    X = [\n1, 2]\n    import ct.a1\n"  # a list item at column 0
            "def f(\nx=1,\n):\n    import ct.a2\n"  # parameters at column 0
            "def g():\n    y = 1 if z else \\\n2\n    import ct.a3\n"  # a backslash onto column 0
            "import ct.a4\n"
        ),
        "ct/sub.py": "",
        **{f"ct/a{i}.py": "" for i in range(1, 5)},
    }
    root = package(tmp_path, files)
    fast = importcraft.import_graph("ct", path=[str(root)], cache=False)
    kinds = {e.imported: e.kind for e in fast.edges if e.importer == "ct.m"}
    assert kinds == {"ct.sub": "module", "ct.a1": "type_checking", "ct.a2": "function",
                     "ct.a3": "function", "ct.a4": "module"}  # fmt: skip
    strict = importcraft.import_graph("ct", path=[str(root)], strict_parse=True)
    assert lines(fast) == lines(strict)
