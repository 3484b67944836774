"""importcraft graph PKG... [--json | --dot | --html FILE] [--depth N] [--no-external]: the
static import graph on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import importcraft
from importcraft.cli._main import main

from .test_graph import APP, write

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")

BROKEN = {
    "app/broken.py": "import json\n\ndef f(:\n    pass\n",
}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write(tmp_path, APP)


def graph(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["graph", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_summary_counts_modules_external_names_and_edges_by_kind(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = graph(capsys, "app", "--path", str(app))
    assert status == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "import graph of app: 7 modules, 4 external, 12 edges"
    assert lines[1] == (
        "edges by kind: module 8, conditional 1, guarded 1, type_checking 1, function 1"
    )
    assert "external: json, os, typing, ujson" in lines
    assert "most imported: app.core (2), app.sub (2), app.cli (1)" in out
    assert "parse problems" not in out


def test_json_is_the_graphs_to_dict(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = graph(capsys, "app", "--path", str(app), "--json")
    assert status == 0
    expected = importcraft.import_graph("app", path=[str(app)]).to_dict()
    assert json.loads(out) == expected


def test_dot(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = graph(capsys, "app", "--path", str(app), "--dot")
    assert status == 0
    assert out.startswith("digraph imports {")
    assert '  "app.core" -> "app.sub.helpers";' in out
    assert '  "app.core" -> "app.cli" [style=dotted];' in out  # type_checking: not import-time
    assert '  "json" [style=dashed];' in out  # external


def test_depth_1_merges_the_edges_of_each_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "one/__init__.py": "",
            "one/a.py": "import two.x\nfrom . import b\n",
            "one/b.py": "from two import y\n\ndef f():\n    import json\n",
            "two/__init__.py": "",
            "two/x.py": "import json\n",
            "two/y.py": "",
        },
    )
    status, out, _ = graph(capsys, "one", "two", "--path", str(tmp_path), "--json", "--depth", "1")
    assert status == 0
    data = json.loads(out)
    assert [m["name"] for m in data["modules"]] == ["json", "one", "two"]
    edges = {(e["importer"], e["imported"]): e for e in data["edges"]}
    assert set(edges) == {("one", "two"), ("one", "json"), ("two", "json")}
    # The two statements of one.a and one.b that import from two, in one edge.
    where = [(Path(ln["file"]).name, ln["line"]) for ln in edges["one", "two"]["lines"]]
    assert sorted(where) == [("a.py", 1), ("b.py", 1)]
    assert edges["one", "json"]["kind"] == "function"
    assert edges["two", "json"]["kind"] == "module"
    # The summary and dot are cut the same way.
    status, out, _ = graph(capsys, "one", "two", "--path", str(tmp_path), "--depth", "1")
    assert out.splitlines()[0] == (
        "import graph of one, two (names cut to 1 part): 2 modules, 1 external, 3 edges"
    )
    status, out, _ = graph(capsys, "one", "two", "--path", str(tmp_path), "--dot", "--depth", "1")
    assert '"one" -> "two";' in out
    assert "one.a" not in out


def test_no_external_leaves_out_the_names_outside_the_packages(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = graph(capsys, "app", "--path", str(app), "--json", "--no-external")
    assert status == 0
    data = json.loads(out)
    assert all(m["internal"] for m in data["modules"])
    assert all(e["imported"].startswith("app") for e in data["edges"])
    assert len(data["edges"]) == 8


def test_parse_problems_go_to_stderr_with_file_and_line(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(app, {**BROKEN, "app/bad_import.py": "import json\nfrom . import 3x\n"})
    broken, bad_import = app / "app" / "broken.py", app / "app" / "bad_import.py"
    # Only import statements are read: the one that does not parse is reported and skipped.
    status, out, err = graph(capsys, "app", "--path", str(app))
    assert status == 0  # skipped, not fatal
    message = "import statement does not parse: invalid decimal literal: 'from . import 3x'"
    assert err.splitlines() == [f"{bad_import}:2: {message}"]
    assert "parse problems: 1 (listed on standard error" in out
    # The machine-readable outputs keep stdout clean and carry the problem too.
    status, out, err = graph(capsys, "app", "--path", str(app), "--json")
    assert status == 0
    assert err.splitlines() == [f"{bad_import}:2: {message}"]
    assert json.loads(out)["problems"] == [{"file": str(bad_import), "line": 2, "message": message}]
    # --strict-parse: a full syntax check of every file, and exit status 1.
    status, out, err = graph(capsys, "app", "--path", str(app), "--strict-parse")
    assert status == 1
    assert err.splitlines() == [
        f"{bad_import}:2: invalid decimal literal",
        f"{broken}:3: invalid syntax",
    ]


def test_html_writes_the_page(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "graph.html"
    status, out, _ = graph(capsys, "app", "--path", str(app), "--html", str(page))
    assert status == 0
    assert out.strip() == f"importcraft graph: 7 modules, 4 external, 12 edges -> {page}"
    text = page.read_text(encoding="utf-8")
    assert '<script id="graph-data" type="application/json">' in text
    assert "app.sub.helpers" in text
    # Nothing to fetch: the only URL is SVG's namespace name.
    assert "//" not in text.replace("http://www.w3.org/2000/svg", "").replace("// ", "")


def test_a_module_name_cannot_close_the_script_element(tmp_path: Path) -> None:
    from importcraft.inspect._graph import Edge, ImportGraph, ImportLine
    from importcraft.inspect._graph_html import render_graph_html

    line = ImportLine("/x/a.py", 1, "module", (), "import b  # </script><!--", "import")
    text = render_graph_html(ImportGraph([Edge("a", "b", [line])], internal=["a", "b"]))
    data = text.split('<script id="graph-data" type="application/json">')[1]
    assert data.index("</script>") > data.index("\\u003c/script\\u003e")


def test_an_unknown_package_is_an_error_with_status_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "importcraft", "graph", "no_such_package_here"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "importcraft graph: error: import_graph(): no package 'no_such_package_here'" in (
        done.stderr
    )
    assert "--path DIR" in done.stderr


def test_usage_errors(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["graph", "app", "--json", "--dot"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["graph", "app", "--depth", "0"])
    assert exit_.value.code == 2
    assert "--depth must be 1 or more, not 0" in capsys.readouterr().err


def test_collapsed_keeps_files_and_internal_groups(app: Path) -> None:
    graph = importcraft.import_graph("app", path=[str(app)])
    cut = graph.collapsed(2)
    assert cut.internal == {"app", "app.core", "app.cli", "app.sub"}
    assert cut.files["app.sub"].endswith("__init__.py")
    edge = cut.edge("app.core", "app.sub")
    assert edge is not None
    # app.sub (VALUE), app.sub.helpers, .win (conditional) and .late (function), merged.
    assert sorted((ln.line, ln.kind) for ln in edge.lines) == [
        (4, "module"),
        (4, "module"),
        (12, "conditional"),
        (15, "function"),
    ]
    assert edge.kind == "module"
    assert cut.edge("app.sub", "app.sub") is None
    with pytest.raises(ValueError, match="depth must be 1 or more"):
        graph.collapsed(0)


def test_a_bad_directory_or_an_unwritable_page_is_an_error(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = graph(capsys, str(tmp_path / "nowhere" / "pkg"))
    assert status == 2
    assert "is no directory" in err
    status, _, err = graph(capsys, "app", "--path", str(app), "--html", str(tmp_path))
    assert status == 1
    assert f"cannot write {str(tmp_path)!r}" in err
