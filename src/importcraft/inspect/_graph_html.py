"""The import graph as one offline HTML page: packages that expand into their modules.

The page (``graph.html``, ``graph.css``, ``graph.js`` beside this module) holds the graph's
``to_dict()`` as JSON and lays it out itself, in layers, as an SVG one can pan and zoom; nothing
is fetched from the network. The embedding is the trace report's (``_report.render_page``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._graph import IMPORT_TIME, KINDS
from ._report import render_page

if TYPE_CHECKING:
    from ._graph import ImportGraph

_FILES = ("graph.html", "graph.css", "graph.js")


def graph_data(graph: ImportGraph, *, title: str | None = None) -> dict[str, Any]:
    """What the page is given: the graph's ``to_dict()``, a title, and the kinds in order."""
    data = graph.to_dict()
    data["title"] = title or "imports of " + (", ".join(graph.packages) or "these packages")
    data["kinds"] = list(KINDS)
    data["import_time"] = sorted(IMPORT_TIME, key=KINDS.index)
    return data


def render_graph_html(graph: ImportGraph, *, title: str | None = None) -> str:
    """The page of ``graph`` as text: one self-contained file (no network needed)."""
    data = graph_data(graph, title=title)
    return render_page(_FILES, str(data["title"]), data)


def write_graph_html(graph: ImportGraph, path: str | Path, *, title: str | None = None) -> Path:
    """Write the page of ``graph`` to ``path`` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(render_graph_html(graph, title=title), encoding="utf-8")
    return target
