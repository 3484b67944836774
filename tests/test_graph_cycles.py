"""import_cycles(graph) and ``importcraft cycles``: import-time cycles read from sources, the
imports to remove, and the fix for each."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

import importcraft
from importcraft.cli._main import main
from importcraft.inspect._graph import IMPORT_TIME, ImportGraph

from .test_graph import write

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")


def graph_of(root: Path, files: dict[str, str], package: str) -> ImportGraph:
    write(root, files)
    return importcraft.import_graph(package, path=[str(root)])


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the texts name files relative to the current folder


TWO = {
    "two/__init__.py": "",
    "two/a.py": """\
        from two.b import g
        X = 1

        def f():
            return g()
        """,
    "two/b.py": """\
        from two.a import X

        class Base:
            size = X
        """,
}


def test_two_module_cycle_with_lines_and_the_fix(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, TWO, "two")
    (cycle,) = importcraft.import_cycles(graph)
    assert isinstance(cycle, importcraft.ImportCycle)
    assert cycle.modules == ("two.a", "two.b")
    assert [(link.importer, link.imported, link.where) for link in cycle.cycle] == [
        ("two.a", "two.b", "two/a.py:1"),
        ("two.b", "two.a", "two/b.py:1"),
    ]
    # two.b needs X at import time (a class body); two.a uses g only inside f(): that edge goes
    (only,) = cycle.breaks
    assert (only.edge.importer, only.edge.imported) == ("two.a", "two.b")
    assert only.fixes[0].kind == "move-import-into-function"
    assert only.fixes[0].text.startswith(
        "two/a.py:1 `from two.b import g` is used only inside f() at two/a.py:4.\n"
        "Remove that line and write `from two.b import g` as the first line of that function"
    )
    assert "two.a -> two.b -> two.a" in str(cycle)
    assert not any(name.startswith("two") for name in sys.modules), "nothing was imported"


THREE_AND_TWO = {
    "pkg/__init__.py": "",
    "pkg/a.py": "from . import b\n",
    "pkg/b.py": "import pkg.c\n",
    "pkg/c.py": "from pkg import a\n",
    "pkg/d.py": "if True:\n    from .e import thing\n",  # conditional: still import time
    "pkg/e.py": "from .d import other\nthing = other + 1\n",
    "pkg/f.py": "from . import a\n",  # imports into a cycle, is in none
}


def test_three_module_cycle_and_two_components(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, THREE_AND_TWO, "pkg")
    found = importcraft.import_cycles(graph)
    assert [c.modules for c in found] == [("pkg.a", "pkg.b", "pkg.c"), ("pkg.d", "pkg.e")]
    assert [c.modules for c in graph.cycles()] == [c.modules for c in found]  # the method
    three, two = found
    assert [link.where for link in three.cycle] == ["pkg/a.py:1", "pkg/b.py:1", "pkg/c.py:1"]
    assert [link.lines[0].kind for link in two.cycle] == ["conditional", "module"]
    assert len(three.breaks) == 1
    assert three.breaks[0].breaks == 1
    # pkg.d never reads `thing`: that import just goes; pkg.e reads `other` at import time
    (edge_break,) = two.breaks
    assert (edge_break.edge.importer, edge_break.edge.imported) == ("pkg.d", "pkg.e")
    assert edge_break.fixes[0].kind == "remove-import"
    assert edge_break.fixes[0].text == (
        "'pkg.d' never reads what pkg/d.py:2 `from .e import thing` binds: remove that import."
    )


def test_many_cycles_in_one_component_ranked(tmp_path: Path) -> None:
    # hub <-> x, hub <-> y, hub <-> z: three cycles; each break removes one of them
    files = {
        "hub/__init__.py": "",
        "hub/core.py": "from hub import x, y, z\n",
        "hub/x.py": "from hub.core import run\n",
        "hub/y.py": "from hub.core import run\n",
        "hub/z.py": "from hub.core import run\n",
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "hub"))
    assert len(cycle.modules) == 4
    assert len(cycle.breaks) == 3
    assert all(item.sampled == 3 for item in cycle.breaks)
    removed = {(b.edge.importer, b.edge.imported) for b in cycle.breaks}
    graph = graph_of(tmp_path, {}, "hub")
    kept = [e for e in graph.edges if (e.importer, e.imported) not in removed]
    assert (
        importcraft.import_cycles(ImportGraph(kept, internal=graph.internal, files=graph.files))
        == []
    )


def test_deferred_imports_that_would_close_a_cycle(tmp_path: Path) -> None:
    files = {
        "lazy/__init__.py": "",
        "lazy/a.py": "from lazy import b\n",
        "lazy/b.py": """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from lazy.c import C
            def load():
                from lazy import a
                return a
            """,
        "lazy/c.py": "import lazy.a\nclass C: ...\n",
        "lazy/d.py": "try:\n    from lazy import a\nexcept ImportError:\n    a = None\n",
    }
    graph = graph_of(tmp_path, files, "lazy")
    assert importcraft.import_cycles(graph) == []  # no cycle runs at import time
    deferred = importcraft.deferred_cycles(graph)
    assert [str(d) for d in graph.deferred_cycles()] == [str(d) for d in deferred]
    seen = {(d.edge.importer, d.edge.imported): d for d in deferred}
    assert set(seen) == {("lazy.b", "lazy.a"), ("lazy.b", "lazy.c")}  # lazy.d: nothing back
    moved = seen["lazy.b", "lazy.a"]
    assert moved.kind == "function"
    assert moved.modules == ("lazy.b", "lazy.a", "lazy.b")
    assert str(moved).startswith("lazy/b.py:5 `from lazy import a` (function): at module")
    typed = seen["lazy.b", "lazy.c"]
    assert typed.kind == "type_checking"
    assert typed.modules == ("lazy.b", "lazy.c", "lazy.a", "lazy.b")
    assert [link.where for link in typed.path] == ["lazy/c.py:1", "lazy/a.py:1"]


def test_deferred_import_inside_a_cycle_belongs_to_it(tmp_path: Path) -> None:
    files = {
        "inner/__init__.py": "",
        "inner/a.py": "from inner import b\ndef f():\n    from inner import c\n",
        "inner/b.py": "from inner import c\n",
        "inner/c.py": "from inner import a\n",
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "inner"))
    assert [(d.edge.importer, d.edge.imported, d.kind) for d in cycle.would_close] == [
        ("inner.a", "inner.c", "function")
    ]


# -- the three fixes, with their lines


def test_fix_move_into_the_functions_that_use_it(tmp_path: Path) -> None:
    files = {
        "mv/__init__.py": "",
        "mv/a.py": "from mv.b import Base\n\nclass Thing(Base):\n    pass\n",
        "mv/b.py": """\
            import os
            from mv.a import Thing, other

            class Base:
                pass

            def g():
                return Thing()

            def h():
                return Thing(), os.sep
            """,
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "mv"))
    (item,) = cycle.breaks
    assert (item.edge.importer, item.edge.imported) == ("mv.b", "mv.a")
    fix = item.fixes[0]
    assert (fix.kind, fix.line) == ("move-import-into-function", 2)
    assert fix.text.startswith(
        "mv/b.py:2 `from mv.a import Thing, other` is used only inside g() at mv/b.py:7, "
        "h() at mv/b.py:10.\nRemove that line and write `from mv.a import Thing, other` as "
        "the first line of each of those functions"
    )
    # the other way round, through the module, is offered too
    assert item.fixes[1].kind == "import-module"


def test_fix_import_the_module_when_many_functions_use_it(tmp_path: Path) -> None:
    functions = "".join(f"\ndef use{i}():\n    return helper()\n" for i in range(4))
    files = {
        "im/__init__.py": "",
        "im/a.py": "from im.b import Base\n\nclass Thing(Base):\n    pass\n\ndef helper(): ...\n",
        "im/b.py": "from im.a import helper, Thing\n\nclass Base:\n    pass\n" + functions,
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "im"))
    (item,) = cycle.breaks
    fix = item.fixes[0]
    assert (fix.kind, fix.line) == ("import-module", 1)
    assert fix.text.startswith(
        "Replace `from im.a import helper, Thing` at im/b.py:1 with `from im import a`, and "
        "write `a.helper` where 'im.b' uses it (im/b.py:7, im/b.py:10, "
        "im/b.py:13, im/b.py:16)."
    )
    assert item.fixes[1].kind == "move-import-into-function"


def test_fix_third_module_when_both_need_each_other_at_import_time(tmp_path: Path) -> None:
    files = {
        "th/__init__.py": "",
        "th/a.py": """\
            from th.b import Base, register

            @register
            class Thing(Base):
                pass
            LIMIT = 3
            """,
        "th/b.py": """\
            from th.a import LIMIT

            class Base:
                size = LIMIT

            def register(cls):
                return cls
            """,
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "th"))
    (item,) = cycle.breaks
    (fix,) = item.fixes
    assert (fix.kind, fix.file, fix.line) == ("third-module", str(tmp_path / "th/a.py"), 1)
    assert fix.text == (
        "'th.a' uses what it imports from 'th.b' at import time: `register` (th/a.py:3), "
        "`Base` (th/a.py:4).\n"
        "Move `register` (th/b.py:6), `Base` (th/b.py:3) (defined in 'th.b') into a new "
        "module such as 'th.shared' (th/shared.py) that imports none of 'th.a', 'th.b'; then "
        "import them from there in 'th.b' and in 'th.a'."
    )


def test_a_re_export_is_loaded_on_first_access(tmp_path: Path) -> None:
    files = {
        "rx/__init__.py": "from rx.core import run\n",
        "rx/core.py": "import rx\n\nNAME = rx.__name__\n\ndef run(): ...\n",
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "rx"))
    (item,) = cycle.breaks
    assert (item.edge.importer, item.edge.imported) == ("rx", "rx.core")
    assert item.fixes[0].kind == "remove-import"
    assert "'rx' reads nothing of 'rx.core' itself (rx/__init__.py:1" in item.fixes[0].text


def test_a_long_cycle_needs_no_recursion(tmp_path: Path) -> None:
    count = sys.getrecursionlimit() + 500
    files = {"ring/__init__.py": ""}
    for i in range(count):
        files[f"ring/m{i}.py"] = f"from ring import m{(i + 1) % count}\n"
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "ring"))
    assert len(cycle.modules) == count
    assert len(cycle.cycle) == count
    assert len(cycle.breaks) == 1


# -- the command


def cli(*args: str) -> int:
    return main(["cycles", *args])


def test_cli_text_and_allow_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, THREE_AND_TWO)
    assert cli("pkg", "--path", str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert "shortest cycle (3 imports): pkg.a -> pkg.b -> pkg.c -> pkg.a" in out
    assert "pkg/b.py:1  import pkg.c" in out
    assert out.rstrip().endswith(
        "2 import-time cycle(s) in pkg (5 modules); more than --allow 0: failing"
    )
    assert cli("pkg", "--path", str(tmp_path), "--allow", "1") == 1
    assert cli("pkg", "--path", str(tmp_path), "--allow", "2") == 0
    assert capsys.readouterr().out.rstrip().endswith("--allow 2: ok")
    # a directory works as well as a name
    assert cli(str(tmp_path / "pkg"), "--allow", "2") == 0


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path,
        {**TWO, "two/c.py": "def f():\n    from two import d\n", "two/d.py": "import two.c\n"},
    )
    assert cli("two", "--path", str(tmp_path), "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "importcraft.cycles/1"
    assert data["failed"] is True
    (cycle,) = data["cycles"]
    assert cycle["modules"] == ["two.a", "two.b"]
    assert [link["lines"][0]["line"] for link in cycle["cycle"]] == [1, 1]
    assert cycle["breaks"][0]["fixes"][0]["kind"] == "move-import-into-function"
    assert [(d["importer"], d["imported"], d["kind"]) for d in data["deferred"]] == [
        ("two.c", "two.d", "function")
    ]


def test_cli_no_cycle_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"calm/__init__.py": "from . import a\n", "calm/a.py": "import json\n"})
    assert cli("calm", "--path", str(tmp_path)) == 0
    assert capsys.readouterr().out.strip() == "no import-time cycle in calm"
    for args in ([], ["calm", "--allow", "-1"], ["nosuchpackage", "--path", str(tmp_path)]):
        with pytest.raises(SystemExit) as stop:
            cli(*args)
        assert stop.value.code == 2
    assert "no package 'nosuchpackage'" in capsys.readouterr().err


# -- real packages


def _check_real(graph: ImportGraph) -> None:
    """What a user relies on: every link of a reported cycle is an import-time import at a
    line that holds that statement, the cycle closes, and removing the suggested edges leaves
    no cycle."""
    found = importcraft.import_cycles(graph)
    for cycle in found:
        ring = [link.importer for link in cycle.cycle]
        assert [link.imported for link in cycle.cycle] == [*ring[1:], ring[0]]
        for link in cycle.cycle:
            for line in link.lines:
                assert line.kind in IMPORT_TIME
                text = Path(line.file).read_text(encoding="utf-8").splitlines()[line.line - 1]
                assert text.strip() == line.statement
        for item in cycle.breaks:
            for fix in item.fixes:
                assert fix.file is not None
                assert Path(fix.file).is_file()
    removed = {(b.edge.importer, b.edge.imported) for c in found for b in c.breaks}
    kept = [e for e in graph.edges if (e.importer, e.imported) not in removed]
    assert (
        importcraft.import_cycles(ImportGraph(kept, internal=graph.internal, files=graph.files))
        == []
    )
    for deferred in importcraft.deferred_cycles(graph):
        assert deferred.edge.kind not in IMPORT_TIME
        assert deferred.modules[0] == deferred.modules[-1]


def test_stdlib_asyncio_and_email(tmp_path: Path) -> None:
    import asyncio
    import email

    del tmp_path
    for package in (asyncio, email):
        assert package.__file__ is not None
        _check_real(importcraft.import_graph(os.path.dirname(package.__file__)))
    # email.message imports email.policy inside a function; at module level it would not load
    deferred = importcraft.deferred_cycles(importcraft.import_graph("email"))
    assert ("email.message", "email.policy") in {
        (d.edge.importer, d.edge.imported) for d in deferred
    }


@pytest.mark.skipif(importlib.util.find_spec("numpy") is None, reason="numpy not installed")
def test_numpy() -> None:
    graph = importcraft.import_graph("numpy")
    found = importcraft.import_cycles(graph)
    assert found, "numpy's __init__ modules import each other at import time"
    _check_real(graph)


def test_annotations_that_never_run_are_no_import_time_use(tmp_path: Path) -> None:
    files = {
        "an/__init__.py": "",
        "an/a.py": "from an.b import Base\n\nclass Thing(Base):\n    pass\n",
        "an/b.py": """\
            from __future__ import annotations

            from an.a import Thing

            class Base:
                item: Thing

                def make(self) -> Thing:
                    return Thing()
            """,
    }
    (cycle,) = importcraft.import_cycles(graph_of(tmp_path, files, "an"))
    (item,) = cycle.breaks
    assert (item.edge.importer, item.edge.imported) == ("an.b", "an.a")
    assert item.fixes[0].kind == "move-import-into-function"
    assert "`from an.a import Thing` is used only inside Base.make() at an/b.py:8." in (
        item.fixes[0].text
    )
