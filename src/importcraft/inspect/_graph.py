"""The static import graph: modules, the import statements between them, and questions about it.

``import_graph()`` (``_graph_build.py``) reads every module of some packages, never importing
any, and makes an :class:`ImportGraph`. This module holds the data and the queries; cycles
(``_graph_cycles.py``) and contracts (``_contracts.py``) are built on it.

An edge ``importer -> imported`` holds every statement that makes it (:class:`ImportLine`),
each with the kind of place it is in. The edge's own kind is the most import-time of them, in
the order of :data:`KINDS`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ._graph_cycles import DeferredCycle, ImportCycle

# The kinds of place an import statement is in, the most import-time first:
# module: runs when the module is imported; conditional: under another `if` at module level;
# guarded: in a `try` whose handler catches ImportError/ModuleNotFoundError; type_checking:
# under `if TYPE_CHECKING:`; function: inside a def or lambda (runs when called).
KINDS = ("module", "conditional", "guarded", "type_checking", "function")
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}
# The kinds whose edges run at import time (a cycle of these breaks an import).
IMPORT_TIME = frozenset({"module", "conditional"})


class ImportLine(NamedTuple):
    """One import statement (or literal ``import_module()`` / ``__import__()`` call)."""

    file: str  # the importing module's file
    line: int  # 1-based
    kind: str  # one of KINDS
    names: tuple[str, ...] = ()  # `from m import a, b`: ("a", "b"); `import m`: ()
    statement: str = ""  # the statement's source text, on one line
    how: str = "import"  # "import" | "from" | "dynamic" (import_module / __import__) | "runtime"


class Edge:
    """``importer`` imports ``imported``: every line that does it, and the most import-time kind."""

    __slots__ = ("imported", "importer", "lines")

    def __init__(self, importer: str, imported: str, lines: Iterable[ImportLine]) -> None:
        self.importer = importer
        self.imported = imported
        lines = tuple(lines)
        self.lines = lines if len(lines) < 2 else tuple(sorted(lines, key=_line_order))

    @property
    def kind(self) -> str:
        return min((ln.kind for ln in self.lines), key=_RANK.__getitem__)

    @property
    def import_time(self) -> bool:
        return self.kind in IMPORT_TIME

    @property
    def runtime_only(self) -> bool:
        """Seen only at run time (added from a trace), not in the source."""
        return all(ln.how == "runtime" for ln in self.lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "importer": self.importer,
            "imported": self.imported,
            "kind": self.kind,
            "lines": [
                {"file": ln.file, "line": ln.line, "kind": ln.kind, "names": list(ln.names),
                 "statement": ln.statement, "how": ln.how}
                for ln in self.lines
            ],
        }  # fmt: skip

    def __repr__(self) -> str:
        return f"<Edge {self.importer} -> {self.imported} ({self.kind}, {len(self.lines)} line(s))>"


def _line_order(line: ImportLine) -> tuple[int, int]:
    return line.line, _RANK[line.kind]


class ParseProblem(NamedTuple):
    """A file (or one statement of it) that could not be read; skipped, not fatal."""

    file: str
    line: int
    message: str


class ImportGraph:
    """Modules and the imports between them.

    ``modules``: every module in the graph, internal and external; ``internal``: those of the
    packages read (the others are leaves: nothing is known of what they import); ``files``:
    internal module -> its file; ``problems``: what could not be parsed.
    """

    def __init__(
        self,
        edges: Iterable[Edge],
        *,
        internal: Iterable[str],
        files: dict[str, str] | None = None,
        packages: Iterable[str] = (),
        problems: Iterable[ParseProblem] = (),
    ) -> None:
        self.internal = frozenset(internal)
        self.files = dict(files or {})
        self.packages = tuple(packages)  # the roots that were read
        self.problems = list(problems)
        self._out: dict[str, dict[str, Edge]] = {m: {} for m in self.internal}
        self._in: dict[str, dict[str, Edge]] = {m: {} for m in self.internal}
        for edge in edges:
            self._out.setdefault(edge.importer, {})[edge.imported] = edge
            self._out.setdefault(edge.imported, {})
            self._in.setdefault(edge.imported, {})[edge.importer] = edge
            self._in.setdefault(edge.importer, {})

    # -- what is there
    @property
    def modules(self) -> frozenset[str]:
        return frozenset(self._out)

    @property
    def external(self) -> frozenset[str]:
        return self.modules - self.internal

    @property
    def edges(self) -> list[Edge]:
        return [edge for targets in self._out.values() for edge in targets.values()]

    def edge(self, importer: str, imported: str) -> Edge | None:
        return self._out.get(importer, {}).get(imported)

    def imports_of(self, module: str, *, kinds: Iterable[str] | None = None) -> set[str]:
        """The modules ``module`` imports directly (of those ``kinds``, default all)."""
        wanted = None if kinds is None else frozenset(kinds)
        return {
            m
            for m, e in self._require(module, self._out).items()
            if wanted is None or e.kind in wanted
        }

    def importers_of(self, module: str, *, kinds: Iterable[str] | None = None) -> set[str]:
        """The modules that import ``module`` directly."""
        wanted = None if kinds is None else frozenset(kinds)
        return {
            m
            for m, e in self._require(module, self._in).items()
            if wanted is None or e.kind in wanted
        }

    def descendants(self, module: str) -> set[str]:
        """The submodules of ``module`` at any depth (``a.b``, ``a.b.c`` for ``a``)."""
        prefix = module + "."
        return {m for m in self._out if m.startswith(prefix)}

    def chain(
        self, importer: str, imported: str, *, kinds: Iterable[str] | None = None
    ) -> list[str] | None:
        """The shortest import path from ``importer`` to ``imported`` (module names, both
        ends included), or None. Ties are broken by name, so the answer is stable."""
        self._require(importer, self._out)
        self._require(imported, self._out)
        wanted = None if kinds is None else frozenset(kinds)
        before: dict[str, str | None] = {importer: None}
        queue = deque([importer])
        while queue:
            current = queue.popleft()
            if current == imported:
                path = [current]
                while (previous := before[path[-1]]) is not None:
                    path.append(previous)
                return path[::-1]
            for nxt in sorted(self._out[current]):
                if nxt not in before and (wanted is None or self._out[current][nxt].kind in wanted):
                    before[nxt] = current
                    queue.append(nxt)
        return None

    def cycles(self) -> list[ImportCycle]:
        """The import-time cycles, one per strongly connected component, each with a shortest
        cycle, the imports to cut and the fix for each: :func:`importcraft.import_cycles`."""
        from ._graph_cycles import import_cycles  # loaded on first use

        return import_cycles(self)

    def deferred_cycles(self) -> list[DeferredCycle]:
        """Deferred imports (in functions, under TYPE_CHECKING, guarded) that would close a
        cycle at module level: :func:`importcraft.deferred_cycles`."""
        from ._graph_cycles import deferred_cycles

        return deferred_cycles(self)

    def subgraph(self, modules: Iterable[str]) -> ImportGraph:
        """The graph of only ``modules`` and the edges between them."""
        keep = frozenset(modules)
        return ImportGraph(
            (e for e in self.edges if e.importer in keep and e.imported in keep),
            internal=self.internal & keep,
            files={m: f for m, f in self.files.items() if m in keep},
            packages=self.packages,
            problems=self.problems,
        )

    def collapsed(self, depth: int) -> ImportGraph:
        """The graph with every module name cut to its first ``depth`` parts (``a.b.c`` is
        ``a.b`` at depth 2): the edges between the modules of two such groups merge into one
        edge holding all their lines, and imports inside one group are dropped. A group is
        internal if any of its modules is; its file is its own module's, if it has one."""
        if depth < 1:
            raise ValueError(f"collapsed(): depth must be 1 or more, not {depth}")

        def cut(name: str) -> str:
            return ".".join(name.split(".")[:depth])

        merged: dict[tuple[str, str], list[ImportLine]] = {}
        for edge in self.edges:
            importer, imported = cut(edge.importer), cut(edge.imported)
            if importer != imported:
                merged.setdefault((importer, imported), []).extend(edge.lines)
        internal = {cut(m) for m in self.internal}
        groups = internal | {cut(m) for m in self.external}
        return ImportGraph(
            (Edge(a, b, lines) for (a, b), lines in merged.items()),
            internal=internal,
            files={m: f for m, f in self.files.items() if m in groups},
            packages=self.packages,
            problems=self.problems,
        )

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._out))

    def __len__(self) -> int:
        return len(self._out)

    def __contains__(self, module: object) -> bool:
        return module in self._out

    def _require(self, module: str, table: dict[str, dict[str, Edge]]) -> dict[str, Edge]:
        try:
            return table[module]
        except KeyError:
            raise KeyError(
                f"{module!r} is not in the import graph of {', '.join(self.packages) or 'these'}"
                " packages"
            ) from None

    # -- output
    def to_dict(self) -> dict[str, object]:
        return {
            "packages": list(self.packages),
            "modules": [
                {"name": m, "internal": m in self.internal, "file": self.files.get(m)}
                for m in sorted(self._out)
            ],
            "edges": [
                e.to_dict() for e in sorted(self.edges, key=lambda e: (e.importer, e.imported))
            ],
            "problems": [p._asdict() for p in self.problems],
        }

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent)

    def to_dot(self) -> str:
        lines = ["digraph imports {", "  node [shape=box, fontname=Helvetica];"]
        for m in sorted(self._out):
            style = "" if m in self.internal else " [style=dashed]"
            lines.append(f'  "{m}"{style};')
        for e in sorted(self.edges, key=_edge_order):
            style = "" if e.import_time else " [style=dotted]"
            lines.append(f'  "{e.importer}" -> "{e.imported}"{style};')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return (
            f"<ImportGraph of {', '.join(self.packages)}: {len(self.internal)} modules, "
            f"{len(self.external)} external, {sum(len(t) for t in self._out.values())} edges>"
        )


def _edge_order(edge: Edge) -> tuple[str, str]:
    return edge.importer, edge.imported
