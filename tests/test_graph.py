"""import_graph(): the static import graph, read from sources without importing them."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import importcraft

APP = {
    "app/__init__.py": "from .core import run\nfrom . import sub\n",
    "app/core.py": """\
        import json
        import os.path
        from typing import TYPE_CHECKING
        from app.sub import helpers, VALUE
        if TYPE_CHECKING:
            from app import cli
        try:
            import ujson
        except ImportError:
            ujson = None
        if os.name == "nt":
            from .sub import win
        def run():
            from .cli import main
            importlib.import_module("app.sub.late")
            return main
        """,
    "app/cli.py": "from . import core\n\n\ndef main():\n    pass\n",
    "app/sub/__init__.py": "VALUE = 1\n",
    "app/sub/helpers.py": "",
    "app/sub/win.py": "",
    "app/sub/late.py": "",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The statement cache of these tests: a fresh directory, not the user's."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("IMPORTCRAFT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write(tmp_path, APP)


def test_edges_kinds_and_resolution(app: Path) -> None:
    graph = importcraft.import_graph("app", path=[str(app)])
    kinds = {(e.importer, e.imported): e.kind for e in graph.edges}
    assert kinds == {
        ("app", "app.core"): "module",
        ("app", "app.sub"): "module",
        ("app.cli", "app.core"): "module",
        # TYPE_CHECKING (line 6) and inside run() (line 14): the most import-time wins
        ("app.core", "app.cli"): "type_checking",
        ("app.core", "app.sub"): "module",  # VALUE is an attribute of app.sub
        ("app.core", "app.sub.helpers"): "module",  # helpers is a submodule
        ("app.core", "app.sub.late"): "function",  # a literal import_module() call
        ("app.core", "app.sub.win"): "conditional",
        ("app.core", "json"): "module",
        ("app.core", "os"): "module",  # external names collapse to their top level
        ("app.core", "typing"): "module",
        ("app.core", "ujson"): "guarded",
    }
    lines = graph.edge("app.core", "app.cli")
    assert lines is not None
    assert [(ln.line, ln.kind) for ln in lines.lines] == [(6, "type_checking"), (14, "function")]
    assert graph.internal == {
        "app", "app.core", "app.cli", "app.sub", "app.sub.helpers", "app.sub.win",
        "app.sub.late",
    }  # fmt: skip
    assert graph.external == {"json", "os", "typing", "ujson"}
    assert not any(name.startswith("app") for name in sys.modules), "nothing was imported"


def test_queries(app: Path) -> None:
    graph = importcraft.import_graph(app / "app")  # a directory works as well as a name
    assert graph.chain("app.cli", "app.sub.late") == ["app.cli", "app.core", "app.sub.late"]
    assert graph.chain("app.sub", "app") is None
    assert graph.importers_of("app.core") == {"app", "app.cli"}
    assert graph.imports_of("app.core", kinds=["module"]) == {
        "app.sub", "app.sub.helpers", "json", "os", "typing",
    }  # fmt: skip
    assert graph.descendants("app.sub") == {"app.sub.helpers", "app.sub.win", "app.sub.late"}
    sub = graph.subgraph(["app", "app.core", "app.cli"])
    assert {(e.importer, e.imported) for e in sub.edges} == {
        ("app", "app.core"), ("app.cli", "app.core"), ("app.core", "app.cli"),
    }  # fmt: skip
    with pytest.raises(KeyError, match=r"'app\.nothing' is not in the import graph of app"):
        graph.imports_of("app.nothing")
    data = graph.to_dict()
    assert {m["name"] for m in data["modules"]} == set(graph.modules)  # type: ignore[index]
    assert '"app.cli" -> "app.core";' in graph.to_dot()


def test_without_external_names(app: Path) -> None:
    graph = importcraft.import_graph("app", path=[str(app)], include_external=False)
    assert graph.external == set()


def test_a_file_that_does_not_parse_is_reported_and_skipped(app: Path) -> None:
    (app / "app" / "cli.py").write_text("from . import core\ndef broken(:\n")
    graph = importcraft.import_graph("app", path=[str(app)], strict_parse=True)
    (problem,) = graph.problems
    assert (Path(problem.file).name, problem.line) == ("cli.py", 2)
    assert "app.cli" in graph.internal


def test_an_unknown_package_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModuleNotFoundError, match=r"no package 'nothere'.*pass its directory"):
        importcraft.import_graph("nothere", path=[str(tmp_path)])


def test_what_is_no_package_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"'.*/nowhere' is no directory"):
        importcraft.import_graph(str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match=r"'my-app' is neither a top-level package name"):
        importcraft.import_graph("my-app", path=[str(tmp_path)])


def test_an_unwritable_cache_warns_once_and_the_graph_is_still_right(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importcraft.inspect import _graph_cache

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("IMPORTCRAFT_CACHE_DIR", str(blocker / "cache"))  # below a file
    monkeypatch.setattr(_graph_cache, "_warned_write", False)
    with pytest.warns(importcraft.ImportcraftWarning, match="cannot write the statement cache"):
        graph = importcraft.import_graph("app", path=[str(app)])
    assert graph.edge("app.core", "app.sub.win") is not None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = importcraft.import_graph("app", path=[str(app)])  # warned once per process
    assert len(again.edges) == len(graph.edges)
