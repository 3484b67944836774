"""``importcraft cycles PKG... [--json] [--allow N] [--path DIR]``: the import-time cycles of
some packages, read from their sources (nothing is imported), each with its shortest cycle, the
imports to remove and how; exit status 1 when there are more than N cycles (components)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from ..inspect._graph import ParseProblem
    from ..inspect._graph_cycles import DeferredCycle, ImportCycle

_DESCRIPTION = """\
Reads every module of PKG (top-level names looked up on --path, default sys.path, or
directories), imports nothing, and reports each set of modules that import each other at
import time (module-level and conditional imports): its shortest cycle with the file:line of
each import, the imports whose removal breaks it (the one breaking most cycles first) with the
fix for each, and the deferred imports (in functions, under TYPE_CHECKING, guarded by
try/except ImportError) that would close a cycle if moved to module level. The exit status is 1
when there are more than --allow cycles (default 0), so it can run in CI with a baseline.
"""


def cycles_command(args: list[str]) -> int:
    """``importcraft cycles``: see the module's docstring."""
    import argparse

    parser = argparse.ArgumentParser(prog="importcraft cycles", description=_DESCRIPTION)
    parser.add_argument("packages", metavar="PKG", nargs="+", help="a package name or directory")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--allow",
        metavar="N",
        type=int,
        default=0,
        help="accept up to N cycles (strongly connected components) before failing",
    )
    parser.add_argument(
        "--path",
        metavar="DIR",
        action="append",
        help="look the packages up in DIR instead of sys.path (may be repeated)",
    )
    options = parser.parse_args(args)
    if options.allow < 0:
        parser.error(f"argument --allow: {options.allow} is below 0")
    from ..inspect._graph_build import import_graph
    from ..inspect._graph_cycles import deferred_cycles, import_cycles

    try:
        graph = import_graph(options.packages, path=options.path)
    except (ModuleNotFoundError, FileNotFoundError, ValueError) as exc:
        parser.error(str(exc))
    found = import_cycles(graph)
    deferred = deferred_cycles(graph)
    failed = len(found) > options.allow
    if options.json:
        _print(_json(graph.packages, found, deferred, options.allow, failed))
    else:
        _print(_text(graph.packages, found, deferred, options.allow, failed, graph.problems))
    return 1 if failed else 0


def _json(
    packages: tuple[str, ...],
    found: list[ImportCycle],
    deferred: list[DeferredCycle],
    allow: int,
    failed: bool,
) -> str:
    import json

    from ..inspect._graph_cycles import SCHEMA

    inside = {id(item) for cycle in found for item in cycle.would_close}
    data = {
        "schema": SCHEMA,
        "packages": list(packages),
        "allow": allow,
        "failed": failed,
        "cycles": [cycle.to_dict() for cycle in found],
        "deferred": [item.to_dict() for item in deferred if id(item) not in inside],
    }
    return json.dumps(data, indent=2)


def _text(
    packages: tuple[str, ...],
    found: list[ImportCycle],
    deferred: list[DeferredCycle],
    allow: int,
    failed: bool,
    problems: list[ParseProblem],
) -> str:
    blocks = [str(cycle) for cycle in found]
    inside = {id(item) for cycle in found for item in cycle.would_close}
    rest = [item for item in deferred if id(item) not in inside]
    if rest:
        blocks.append(
            "Deferred imports that would close an import-time cycle at module level:\n"
            + "\n".join(f"  {item}" for item in rest)
        )
    names = ", ".join(packages)
    if not found:
        summary = f"no import-time cycle in {names}"
    else:
        summary = (
            f"{len(found)} import-time cycle(s) in {names} "
            f"({sum(len(c.modules) for c in found)} modules)"
        )
        summary += f"; more than --allow {allow}: failing" if failed else f"; --allow {allow}: ok"
    if problems:
        summary += f"; {len(problems)} file(s) could not be parsed and were skipped"
    return "\n\n".join([*blocks, summary])


def _print(text: str) -> None:
    from ._plugins import _output

    _output(text)
