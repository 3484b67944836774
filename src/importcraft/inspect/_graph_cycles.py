"""Import-time cycles of a static import graph, with the fix for each.

``import_cycles(graph)`` finds the strongly connected components of the
import-time graph: the edges of kind ``module`` and ``conditional``, among the modules that
were read. A ``function``, ``type_checking`` or ``guarded`` import runs later or may not run, so
it makes no import-time cycle; ``deferred_cycles(graph)`` lists those that *would* close one if
moved to module level.

For each component: one shortest cycle, with the file:line of each import in it, and a small
set of edges whose removal leaves the component without a cycle, ranked by how many cycles each
one breaks. How they are chosen, so that sympy's graph takes well under a second: for every
module of the component, one shortest cycle through it (a breadth-first search; ties broken by
name) is a sample of the component's cycles; the edge lying on most sampled cycles is taken,
the cycles it lies on are dropped, and so on until every sampled cycle is broken (greedy set
cover); then the components left once those edges are gone are sampled the same way, until
none is left. Each suggested edge gets advice made concrete by reading the importing module's
source with :mod:`ast` (the analysis ``explain_cycle()`` uses for run-time failures, shared).
"""

from __future__ import annotations

import ast
import os
from collections import deque
from dataclasses import dataclass

from ._cycles import (
    IMPORT_MODULE,
    MOVE_IMPORT,
    REMOVE_IMPORT,
    THIRD_MODULE,
    Fix,
    _definition,
    _is_package,
    _lazy_annotations,
    _module_import,
    _move_fix,
    _parse,
    _resolve,
    _short,
    _statement_at,
    _Use,
    _Uses,
)
from ._graph import IMPORT_TIME, Edge, ImportGraph, ImportLine

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

SCHEMA = "importcraft.cycles/1"
# Moving an import into functions is worth it for a few of them; past this many, importing the
# module and writing `a.f` is the smaller change.
_FEW_FUNCTIONS = 3

_Successors = dict[str, list[str]]


@dataclass(frozen=True)
class CycleLink:
    """One import of a cycle: ``importer`` imports ``imported`` at import time, by ``lines``."""

    importer: str
    imported: str
    lines: tuple[ImportLine, ...]  # the import-time lines of the edge, first line first

    @property
    def where(self) -> str:
        first = self.lines[0]
        return f"{_short(first.file)}:{first.line}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "imported": self.imported,
            "lines": [_line_dict(line) for line in self.lines],
        }


@dataclass(frozen=True)
class CycleBreak:
    """An edge whose removal breaks ``breaks`` of the ``sampled`` cycles, and how to remove it
    (``fixes``: the best first)."""

    edge: Edge
    breaks: int
    sampled: int
    fixes: tuple[Fix, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.edge.importer,
            "imported": self.edge.imported,
            "breaks": self.breaks,
            "sampled": self.sampled,
            "lines": [_line_dict(line) for line in _import_time_lines(self.edge)],
            "fixes": [fix.to_dict() for fix in self.fixes],
        }


@dataclass(frozen=True)
class DeferredCycle:
    """``edge`` is deferred (kind ``function``, ``type_checking`` or ``guarded``), and
    ``path`` (from its imported module back to its importer) runs at import time: moved to
    module level, the import would close the cycle ``importer -> *path``."""

    edge: Edge
    path: tuple[CycleLink, ...]

    @property
    def kind(self) -> str:
        return self.edge.kind

    @property
    def modules(self) -> tuple[str, ...]:
        """The cycle the import would close: its importer, what it imports, ..., its importer."""
        return (self.edge.importer, self.edge.imported, *(link.imported for link in self.path))

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.edge.importer,
            "imported": self.edge.imported,
            "kind": self.kind,
            "lines": [_line_dict(line) for line in self.edge.lines],
            "path": [link.to_dict() for link in self.path],
        }

    def __str__(self) -> str:
        first = self.edge.lines[0]
        back = " -> ".join(self.modules[1:])
        return (
            f"{_short(first.file)}:{first.line} `{first.statement}` ({self.kind}): at module "
            f"level it would close {self.edge.importer} -> {back}"
        )


@dataclass(frozen=True)
class ImportCycle:
    """One strongly connected component of the import-time graph.

    ``modules``: its modules, sorted; ``cycle``: one shortest cycle through them (each link
    with the lines making it); ``breaks``: edges whose removal leaves no cycle among
    ``modules``, the one breaking most cycles first, each with its fix; ``would_close``:
    deferred imports between its modules that would add a cycle at module level.
    """

    modules: tuple[str, ...]
    cycle: tuple[CycleLink, ...]
    breaks: tuple[CycleBreak, ...]
    would_close: tuple[DeferredCycle, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "modules": list(self.modules),
            "cycle": [link.to_dict() for link in self.cycle],
            "breaks": [item.to_dict() for item in self.breaks],
            "would_close": [item.to_dict() for item in self.would_close],
        }

    def __str__(self) -> str:
        names = " -> ".join([*(link.importer for link in self.cycle), self.cycle[0].importer])
        lines = [f"Import cycle of {len(self.modules)} modules: {', '.join(self.modules)}"]
        lines.append(f"  shortest cycle ({len(self.cycle)} imports): {names}")
        width = max(len(link.importer) for link in self.cycle)
        for link in self.cycle:
            first = link.lines[0]
            more = f" (+{len(link.lines) - 1} more)" if len(link.lines) > 1 else ""
            lines.append(f"    {link.importer:<{width}}  {link.where}  {first.statement}{more}")
        lines.append(
            f"  break it by removing {len(self.breaks)} import(s), the one breaking most "
            "cycles first:"
        )
        for rank, item in enumerate(self.breaks, 1):
            edge = item.edge
            lines.append(
                f"  {rank}. {edge.importer} -> {edge.imported}  (on {item.breaks} of "
                f"{item.sampled} cycles sampled)"
            )
            for number, fix in enumerate(item.fixes):
                lines.append(f"     {'Fix' if number == 0 else 'Or'}: " + _indent(fix.text))
            if not item.fixes:
                lines.append(f"     (no advice: {edge.importer!r} could not be parsed)")
        if self.would_close:
            lines.append("  deferred imports that would add a cycle at module level:")
            lines += [f"    {item}" for item in self.would_close]
        return "\n".join(lines)


def _indent(text: str) -> str:
    return text.replace("\n", "\n          ")


def _line_dict(line: ImportLine) -> dict[str, Any]:
    return {"file": line.file, "line": line.line, "kind": line.kind, "statement": line.statement}


def _import_time_lines(edge: Edge) -> tuple[ImportLine, ...]:
    return tuple(line for line in edge.lines if line.kind in IMPORT_TIME)


# -- the graph ------------------------------------------------------------------------------------


def import_cycles(graph: ImportGraph) -> list[ImportCycle]:
    """The import-time cycles of ``graph``: one :class:`ImportCycle` per strongly connected
    component of its ``module`` and ``conditional`` edges, the largest first::

        graph = importcraft.import_graph("myapp")
        for cycle in importcraft.import_cycles(graph):
            print(cycle)   # modules, shortest cycle with file:line, what to remove and how
    """
    successors = _successors(graph, IMPORT_TIME)
    found = [sorted(c) for c in _components(sorted(successors), successors) if len(c) > 1]
    deferred = deferred_cycles(graph)
    trees = _Files()
    result = []
    for members in sorted(found, key=lambda c: (-len(c), c[0])):
        inside = frozenset(members)
        local = {m: [n for n in successors[m] if n in inside] for m in members}
        sample = _sample(members, local)
        ring = sample[0]  # a shortest cycle (exact up to _LONG imports)
        cycle = tuple(_link(graph, a, b) for a, b in _ring_pairs(ring))
        fixes = _Advisor(graph, members, trees)
        breaks = tuple(
            CycleBreak(edge, count, sampled, fixes((edge.importer, edge.imported)))
            for edge, count, sampled in _feedback_edges(graph, members, local, fixes, sample)
        )
        closing = tuple(
            d for d in deferred if d.edge.importer in inside and d.edge.imported in inside
        )
        result.append(ImportCycle(tuple(members), cycle, breaks, closing))
    return result


def deferred_cycles(graph: ImportGraph) -> list[DeferredCycle]:
    """The deferred imports of ``graph`` (kind ``function``, ``type_checking``, ``guarded``)
    that would close an import-time cycle if they were moved to module level: each with the
    import-time path back from what it imports to its importer."""
    successors = _successors(graph, IMPORT_TIME)
    candidates = [
        edge
        for edge in graph.edges
        if not edge.import_time
        and edge.importer in successors
        and edge.imported in successors
        and not edge.runtime_only
    ]
    if not candidates:
        return []
    reach = _reachability(successors)
    closing = [e for e in candidates if reach(e.imported, e.importer)]
    by_start: dict[str, list[Edge]] = {}
    for edge in closing:
        by_start.setdefault(edge.imported, []).append(edge)
    result = []
    for start, edges in sorted(by_start.items()):
        before = _bfs(start, successors)
        for edge in sorted(edges, key=lambda e: e.importer):
            path = [edge.importer]
            while path[-1] != start:
                path.append(before[path[-1]])
            path.reverse()
            links = tuple(_link(graph, a, b) for a, b in _ring_pairs(path)[:-1])
            result.append(DeferredCycle(edge, links))
    result.sort(key=lambda d: (d.edge.importer, d.edge.imported))
    return result


def _successors(graph: ImportGraph, kinds: frozenset[str]) -> _Successors:
    """Each module read -> the modules read that it imports by an edge of ``kinds``."""
    internal = graph.internal
    return {
        module: sorted(m for m in graph.imports_of(module, kinds=kinds) if m in internal)
        for module in internal
    }


def _link(graph: ImportGraph, importer: str, imported: str) -> CycleLink:
    edge = graph.edge(importer, imported)
    assert edge is not None
    lines = _import_time_lines(edge)
    return CycleLink(importer, imported, lines or edge.lines)


def _components(nodes: Iterable[str], successors: _Successors) -> list[list[str]]:
    """Tarjan's strongly connected components, with an explicit stack (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, todo = work[-1]
            for nxt in todo:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(successors[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
    return found


def _cycle_through(start: str, successors: _Successors, limit: int | None = None) -> list[str]:
    """A shortest cycle through ``start`` (its modules, ``start`` first), or [] if none is
    shorter than ``limit`` imports."""
    before: dict[str, str] = {}
    depth = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if limit is not None and depth[node] + 1 >= limit:
            return []
        for nxt in successors[node]:
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(before[path[-1]])
                return path[::-1]
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                before[nxt] = node
                queue.append(nxt)
    return []


# A module already on a sampled cycle longer than this is searched from again only for a
# cycle of at most this many imports (a breadth-first search from every module of a component
# of long cycles would cost its size squared).
_LONG = 8


def _sample(component: list[str], successors: _Successors) -> list[tuple[str, ...]]:
    """Cycles of a component: the shortest through each module (see ``_LONG``), each once,
    starting at its smallest name, the shortest first."""
    rings: set[tuple[str, ...]] = set()
    covered: set[str] = set()
    for start in component:
        ring = _cycle_through(start, successors, _LONG + 1 if start in covered else None)
        if ring:
            rings.add(tuple(_rotate(ring)))
            if len(ring) > _LONG:
                covered.update(ring)
    return sorted(rings, key=lambda r: (len(r), r))


def _feedback_edges(
    graph: ImportGraph,
    members: list[str],
    successors: _Successors,
    fixes: Callable[[tuple[str, str]], tuple[Fix, ...]],
    first: list[tuple[str, ...]],
) -> list[tuple[Edge, int, int]]:
    """Edges whose removal leaves ``members`` without a cycle: (edge, sampled cycles it lies
    on, cycles sampled), in the order the greedy cover picks them. Between edges on as many
    cycles, the one with the smaller fix wins when they are few (``fixes`` is asked only for
    those); ``first``: the sample of ``members`` already taken."""
    removed: set[tuple[str, str]] = set()
    picked: list[tuple[Edge, int, int]] = []
    pending = [members]
    while pending:
        component = pending.pop(0)
        inside = frozenset(component)
        local = {
            m: [n for n in successors[m] if n in inside and (m, n) not in removed]
            for m in component
        }
        rings = first if component is members else _sample(component, local)
        sample = [set(_ring_pairs(r)) for r in rings]
        left = list(range(len(sample)))
        while left:
            counts: dict[tuple[str, str], int] = {}
            for i in left:
                for pair in sample[i]:
                    counts[pair] = counts.get(pair, 0) + 1
            most = max(counts.values())
            tied = sorted(p for p in counts if counts[p] == most)
            # the fix decides between a few (reading their sources); the name between many
            pair = min(tied, key=lambda p: (_cost(fixes(p)), p)) if len(tied) <= _TIED else tied[0]
            total = sum(pair in ring for ring in sample)
            edge = graph.edge(*pair)
            assert edge is not None
            picked.append((edge, total, len(sample)))
            removed.add(pair)
            left = [i for i in left if pair not in sample[i]]
        rest = {m: [n for n in local[m] if (m, n) not in removed] for m in component}
        pending += sorted(sorted(c) for c in _components(component, rest) if len(c) > 1)
    return picked


# How much work each fix is: removing an import nothing reads, moving it into functions,
# importing the module, moving definitions to a new module.
_COSTS = {REMOVE_IMPORT: 0, MOVE_IMPORT: 1, IMPORT_MODULE: 2, THIRD_MODULE: 3}


# Past this many edges tied on the most cycles, the sources are not read to choose.
_TIED = 6


def _cost(fixes: tuple[Fix, ...]) -> int:
    return _COSTS[fixes[0].kind] if fixes else len(_COSTS)


def _ring_pairs(ring: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """The imports of a cycle given by its modules: (a, b), (b, c), ..., (z, a)."""
    return [(ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring))]


def _rotate(ring: list[str]) -> list[str]:
    """The same cycle, starting at its smallest name (so each cycle is sampled once)."""
    first = ring.index(min(ring))
    return ring[first:] + ring[:first]


def _bfs(start: str, successors: _Successors) -> dict[str, str]:
    """Breadth-first from ``start``: each module reached -> the module it was reached from."""
    before: dict[str, str] = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in successors[node]:
            if nxt not in before:
                before[nxt] = node
                queue.append(nxt)
    return before


def _reachability(successors: _Successors) -> Callable[[str, str], bool]:
    """``reach(a, b)``: is there an import-time path from ``a`` to ``b``? Components reach
    sets as bit masks over the graph of components (built once, linear in its edges)."""
    components = _components(sorted(successors), successors)  # Tarjan: sinks come first
    number = {m: i for i, comp in enumerate(components) for m in comp}
    masks = [0] * len(components)
    for i, comp in enumerate(components):
        mask = 1 << i
        for m in comp:
            for n in successors[m]:
                j = number[n]
                if j != i:
                    mask |= masks[j]
        masks[i] = mask
    return lambda a, b: bool(masks[number[a]] >> number[b] & 1)


# -- the advice -----------------------------------------------------------------------------------


class _Advisor:
    """The fixes of each edge of one component, worked out once, when first asked for."""

    def __init__(self, graph: ImportGraph, members: list[str], trees: _Files) -> None:
        self.graph, self.members, self.trees = graph, members, trees
        self.done: dict[tuple[str, str], tuple[Fix, ...]] = {}

    def __call__(self, pair: tuple[str, str]) -> tuple[Fix, ...]:
        if pair not in self.done:
            edge = self.graph.edge(*pair)
            assert edge is not None
            self.done[pair] = _advice(self.graph, edge, self.members, self.trees)
        return self.done[pair]


@dataclass(frozen=True)
class _Statement:
    """An import-time statement of the edge, the names it binds from the imported module, and
    where those are read."""

    node: ast.Import | ast.ImportFrom
    names: tuple[str, ...]  # from-imported names that are attributes of the imported module
    modules: tuple[str, ...]  # bound names that are the imported module itself
    uses: list[_Use]


def _advice(graph: ImportGraph, edge: Edge, members: list[str], trees: _Files) -> tuple[Fix, ...]:
    """The fixes of removing ``edge`` from the import-time graph, the best first."""
    importer, imported = edge.importer, edge.imported
    path = graph.files.get(importer)
    tree = trees.tree(path)
    lines = _import_time_lines(edge)
    if tree is None or path is None:
        return ()  # unreadable: the cycle and its lines are still shown
    statements: list[_Statement] = []
    for line in lines:
        node = _statement_at(tree, line.line)
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            return (
                Fix(
                    MOVE_IMPORT,
                    line.file,
                    line.line,
                    f"{_short(line.file)}:{line.line} `{line.statement}` imports {imported!r} "
                    "by a call at import time: make that call inside the function that needs "
                    "the module instead.",
                ),
            )
        statements.append(_bind(importer, path, node, imported, trees.reads_of(path, tree)))
    uses = [use for st in statements for use in st.uses]
    early = [use for use in uses if use.function is None]
    fixes: list[Fix] = []
    if not uses:
        return (_unused(importer, path, statements, imported, tree),)
    if not early:
        functions = {use.function for use in uses}
        moves = [_move(importer, path, st, imported) for st in statements if st.uses]
        module = [_attribute_fix(importer, path, st, imported) for st in statements if st.names]
        fixes = moves + module if len(functions) <= _FEW_FUNCTIONS or not module else module + moves
        return tuple(fixes)
    return (_third_fix(graph, importer, path, statements, early, imported, members, trees),)


class _Files:
    """The sources read for advice: each parsed, and walked for its reads, at most once."""

    def __init__(self) -> None:
        self.trees: dict[str, ast.Module | None] = {}
        self.reads: dict[str, list[tuple[bool, str, _Use]]] = {}

    def tree(self, path: str | None) -> ast.Module | None:
        if path is None:
            return None
        if path not in self.trees:
            self.trees[path] = _parse(path)
        return self.trees[path]

    def reads_of(self, path: str, tree: ast.Module) -> list[tuple[bool, str, _Use]]:
        if path not in self.reads:
            visitor = _Reads(_lazy_annotations(tree))
            visitor.visit(tree)
            self.reads[path] = visitor.reads
        return self.reads[path]


def _bind(
    importer: str,
    path: str,
    node: ast.Import | ast.ImportFrom,
    imported: str,
    reads: list[tuple[bool, str, _Use]],
) -> _Statement:
    """Which names ``node`` binds from ``imported``, and where ``importer`` reads them."""
    names: list[str] = []
    modules: list[str] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname and alias.name == imported:
                modules.append(alias.asname)
            elif alias.name == imported or alias.name.startswith(imported + "."):
                modules.append(alias.name)
            elif imported.startswith(alias.name + "."):
                modules.append(imported)  # `import a` read as `a.b.x` where the edge is to a.b
    else:
        source = _resolve(importer, node.level, node.module, _is_package(path))
        for alias in node.names:
            if f"{source}.{alias.name}" == imported:
                modules.append(alias.asname or alias.name)
            elif source == imported and alias.name != "*":
                names.append(alias.asname or alias.name)
    bound, refs = frozenset(names), frozenset(modules)
    uses = [
        use
        for is_name, key, use in reads
        if (key in bound if is_name else key in refs)
        and not node.lineno <= use.line <= (node.end_lineno or node.lineno)
    ]
    return _Statement(node, tuple(names), tuple(modules), uses)


class _Reads(_Uses):
    """Every name read in a module (not where it is bound) and every attribute of a dotted
    name (``a.b.f``: key ``a.b``, name ``f``), with where it is read: found in one walk of
    the tree, then filtered for each import (``_Uses`` stops at what it looks for)."""

    def __init__(self, lazy_annotations: bool) -> None:
        super().__init__(None, lazy_annotations)
        self.reads: list[tuple[bool, str, _Use]] = []  # (a plain name?, key, where)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            self._read(True, node.id, node.id, node.lineno)
        elif isinstance(node, ast.Attribute) and (key := _dotted(node.value)):
            self._read(False, key, node.attr, node.lineno)
        ast.NodeVisitor.generic_visit(self, node)

    def _read(self, is_name: bool, key: str, name: str, line: int) -> None:
        function, function_line = self._function()
        self.reads.append((is_name, key, _Use(line, function, function_line, name)))


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for an expression made of names and attributes only."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _part(st: _Statement, imported: str, importer: str, path: str) -> ast.ImportFrom | None:
    """The part of a ``from`` statement that binds names of ``imported``, if not all of it."""
    node = st.node
    if not isinstance(node, ast.ImportFrom):
        return None
    source = _resolve(importer, node.level, node.module, _is_package(path))
    keep = [
        alias
        for alias in node.names
        if (alias.asname or alias.name) in st.names or f"{source}.{alias.name}" == imported
    ]
    if len(keep) == len(node.names):
        return None
    return ast.ImportFrom(module=node.module, names=keep, level=node.level)


def _move(importer: str, path: str, st: _Statement, imported: str) -> Fix:
    alone = _part(st, imported, importer, path)
    taken = "`, `".join(a.asname or a.name for a in alone.names) if alone is not None else ""
    return _move_fix(importer, path, st.node, st.uses, imported, alone, taken)


def _attribute_fix(importer: str, path: str, st: _Statement, imported: str) -> Fix:
    node = st.node
    assert isinstance(node, ast.ImportFrom)
    statement, ref = _module_import(node, imported)
    file = _short(path)
    read = [name for name in st.names if name in {use.name for use in st.uses}]
    rewrite = ", ".join(f"`{ref}.{_original(node, name)}`" for name in read)
    lines = ", ".join(f"{file}:{line}" for line in sorted({use.line for use in st.uses}))
    rest = [a for a in node.names if (a.asname or a.name) not in st.names]
    kept = ast.unparse(ast.ImportFrom(module=node.module, names=rest, level=node.level))
    keep = f" (and keep `{kept}` for the other names)" if rest else ""
    return Fix(
        IMPORT_MODULE,
        path,
        node.lineno,
        f"Replace `{ast.unparse(node)}` at {file}:{node.lineno} with `{statement}`{keep}, "
        f"and write {rewrite} where {importer!r} uses {'it' if len(read) == 1 else 'them'} "
        f"({lines}).\n"
        f"Importing a module still being imported works, and its attributes are then looked "
        f"up when those functions run; the edge stays in the graph, but can no longer fail.",
    )


def _unused(
    importer: str, path: str, statements: list[_Statement], imported: str, tree: ast.Module
) -> Fix:
    node = statements[0].node
    file = _short(path)
    where = ", ".join(f"{file}:{st.node.lineno} `{ast.unparse(st.node)}`" for st in statements)
    exported = _is_package(path) or any(
        isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        and "__all__" in ast.unparse(n).partition("=")[0]
        for n in tree.body
    )
    if exported:
        text = (
            f"{importer!r} reads nothing of {imported!r} itself ({where}): it only re-exports "
            f"it. Load it on first access instead, with a module `__getattr__` in "
            f"{file} (or `importcraft.lazy_attach`), so that importing {importer!r} no longer "
            f"imports {imported!r}."
        )
    else:
        text = f"{importer!r} never reads what {where} binds: remove that import."
    return Fix(REMOVE_IMPORT, path, node.lineno, text)


def _third_fix(
    graph: ImportGraph,
    importer: str,
    path: str,
    statements: list[_Statement],
    early: list[_Use],
    imported: str,
    members: list[str],
    trees: _Files,
) -> Fix:
    file = _short(path)
    used = ", ".join(
        f"`{name}` ({file}:{line})"
        for name, line in dict.fromkeys((use.name, use.line) for use in early)
    )
    names: dict[str, str] = {}  # name -> the module defining it
    for st in statements:
        for use in st.uses:
            if use.function is not None:
                continue
            if use.name in st.names:
                names.setdefault(_original(st.node, use.name), imported)
            elif st.modules:
                names.setdefault(use.name, imported)
    defined = []
    for name, module in names.items():
        target = graph.files.get(module)
        tree = trees.tree(target)
        found = _definition(tree, target, name) if tree is not None and target else None
        defined.append(f"`{name}` ({_short(found.file)}:{found.line})" if found else f"`{name}`")
    package = imported if _is_package(graph.files.get(imported)) else imported.rpartition(".")[0]
    new = f"{package}.shared" if package else "shared"
    folder = os.path.dirname(_short(graph.files.get(imported))) if graph.files.get(imported) else ""
    others = ", ".join(repr(m) for m in members) if len(members) <= 6 else "this component"
    first = statements[0].node
    return Fix(
        THIRD_MODULE,
        path,
        first.lineno,
        f"{importer!r} uses what it imports from {imported!r} at import time: {used}.\n"
        f"Move {', '.join(defined)} (defined in {imported!r}) into a new module such as "
        f"{new!r} ({os.path.join(folder, 'shared.py')}) that imports none of {others}; then "
        f"import them from there in {imported!r} and in {importer!r}.",
    )


def _original(node: ast.Import | ast.ImportFrom, local: str) -> str:
    """The name a ``from`` import takes from its module, for the name it binds."""
    for alias in node.names:
        if (alias.asname or alias.name) == local:
            return alias.name
    return local
