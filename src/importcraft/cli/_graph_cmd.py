"""``importcraft graph PKG... [--json | --dot | --html FILE] [--depth N]``: the static import
graph of some packages, read from their sources (nothing is imported), as a short summary, JSON,
Graphviz dot or an offline HTML page."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from typing import Any

    from ..inspect._graph import ImportGraph

_DESCRIPTION = """\
Read every module of the packages PKG (top-level names, looked up in the --path folders, the
current folder, then sys.path; or directories) without importing any, and print their import
graph: a short summary by default, or --json (the graph's to_dict()), --dot (Graphviz) or --html
FILE (one offline page: packages that expand into their modules). --depth N cuts every module
name to its first N parts, merging the edges between the groups. Import statements that do not
parse are reported on standard error as FILE:LINE: MESSAGE and skipped; --strict-parse parses
every file whole (a full syntax check) and makes any problem an exit status 1. See
docs/graph-cli.md.
"""

_PROG = "importcraft graph"


def graph_command(args: list[str]) -> int:
    """``importcraft graph``: see the module's docstring."""
    import argparse

    parser = argparse.ArgumentParser(prog=_PROG, description=_DESCRIPTION)
    parser.add_argument("packages", metavar="PKG", nargs="+", help="a package name or directory")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the graph as JSON")
    output.add_argument("--dot", action="store_true", help="print the graph as Graphviz dot")
    output.add_argument("--html", metavar="FILE", help="write the graph as an offline HTML page")
    parser.add_argument(
        "--depth", metavar="N", type=int, help="cut module names to their first N parts"
    )
    parser.add_argument(
        "--path",
        metavar="DIR",
        action="append",
        default=[],
        help="a folder to look for the packages in, before the current folder (repeatable)",
    )
    parser.add_argument(
        "--no-external",
        action="store_true",
        help="leave out the modules outside the packages read",
    )
    parser.add_argument(
        "--strict-parse",
        action="store_true",
        help="parse every file whole; exit status 1 if any does not parse",
    )
    options = parser.parse_args(args)
    if options.depth is not None and options.depth < 1:
        parser.error(f"--depth must be 1 or more, not {options.depth}")

    from ..inspect._graph_build import import_graph

    # Found as `python -m PKG` would find them from here, after the folders given.
    search = [*(os.path.abspath(p) for p in options.path), os.getcwd(), *sys.path[1:]]
    extra: dict[str, Any] = {"strict_parse": True} if options.strict_parse else {}
    try:
        graph = import_graph(
            options.packages, path=search, include_external=not options.no_external, **extra
        )
    except ModuleNotFoundError as exc:
        print(
            f"{_PROG}: error: {exc} (here: --path DIR, or the package's directory)", file=sys.stderr
        )
        return 2
    except (ImportError, OSError, ValueError) as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 2
    for problem in graph.problems:
        print(f"{problem.file}:{problem.line}: {problem.message}", file=sys.stderr)
    if options.depth is not None:
        graph = graph.collapsed(options.depth)
    status = 1 if options.strict_parse and graph.problems else 0
    if options.json:
        return _output(graph.to_json()) or status
    if options.dot:
        return _output(graph.to_dot().rstrip("\n")) or status
    if options.html:
        from ..inspect._graph_html import write_graph_html

        try:
            write_graph_html(graph, options.html)
        except OSError as exc:
            print(f"{_PROG}: error: cannot write {options.html!r}: {exc}", file=sys.stderr)
            return 1
        return _output(f"{_PROG}: {_counts(graph)} -> {options.html}") or status
    return _output(summary(graph, depth=options.depth)) or status


def _counts(graph: ImportGraph) -> str:
    return (
        f"{len(graph.internal)} modules, {len(graph.external)} external, {len(graph.edges)} edges"
    )


def summary(graph: ImportGraph, *, depth: int | None = None) -> str:
    """A few lines on ``graph``: its size, its edges by kind, the most imported modules."""
    from ..inspect._graph import KINDS

    edges = graph.edges
    at = f" (names cut to {depth} part{'s' if depth != 1 else ''})" if depth else ""
    lines = [f"import graph of {', '.join(graph.packages)}{at}: {_counts(graph)}"]
    by_kind = dict.fromkeys(KINDS, 0)
    for edge in edges:
        by_kind[edge.kind] += 1
    lines.append("edges by kind: " + ", ".join(f"{kind} {n}" for kind, n in by_kind.items()))
    if graph.external:
        shown = sorted(graph.external)
        more = f" and {len(shown) - 12} more" if len(shown) > 12 else ""
        lines.append(f"external: {', '.join(shown[:12])}{more}")
    imported = sorted(
        ((len(graph.importers_of(m)), m) for m in graph.internal), key=lambda t: (-t[0], t[1])
    )
    top = [f"{m} ({n})" for n, m in imported[:5] if n]
    if top:
        lines.append("most imported: " + ", ".join(top))
    if graph.problems:
        count = len(graph.problems)
        lines.append(
            f"parse problems: {count} (listed on standard error as FILE:LINE: MESSAGE; those "
            "statements were skipped)"
        )
    return "\n".join(lines)


def _output(text: str) -> int:
    """Print ``text``; a reader that goes away early (``| head``) ends the command quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:  # Python would complain again when it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0
