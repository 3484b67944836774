"""Import contracts: rules about which modules may import which, checked on the static graph.

Contracts are read from ``[[tool.importcraft.contracts]]`` (an array of tables) with the kinds,
meanings and key names of import-linter: ``layers``, ``forbidden``, ``independence``; and two it
lacks: ``acyclic`` (no import-time cycle inside some packages) and ``import_time`` (importing some
modules must not load others while they are imported). ``check_contracts()`` checks them on an
:class:`~._graph.ImportGraph`; ``add_runtime_edges()`` adds the imports a trace saw at run time.

Nothing is imported: the graph is read from the sources (``import_graph()``).
"""

from __future__ import annotations

import os
import re
from collections import deque
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core._errors import ImportcraftError
from ._graph import IMPORT_TIME, Edge, ImportGraph, ImportLine

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

CONTRACT_TYPES = ("layers", "forbidden", "independence", "acyclic", "import_time")

# Every kind takes these keys; then each kind's required and optional keys.
_COMMON = ("name", "type", "ignore_imports", "unmatched_ignore_imports_alerting")
_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "layers": (("layers",), ("containers", "exhaustive", "exhaustive_ignores")),
    "forbidden": (
        ("source_modules", "forbidden_modules"),
        ("allow_indirect_imports", "as_packages", "include_external_packages"),
    ),
    "independence": (("modules",), ()),
    "acyclic": (("packages",), ()),
    "import_time": (("source_modules", "forbidden_modules"), ()),
}
_LISTS = frozenset(
    {"layers", "containers", "exhaustive_ignores", "source_modules", "forbidden_modules",
     "modules", "packages", "ignore_imports"}
)  # fmt: skip
_BOOLS = frozenset(
    {"exhaustive", "allow_indirect_imports", "as_packages", "include_external_packages"}
)
_ALERTS = ("error", "warn", "none")
# A module expression: dotted names where a whole part may be `*` (one part) or `**` (one or more).
_EXPRESSION = re.compile(r"^(\w+|\*{1,2})(\.(\w+|\*{1,2}))*$")


class ContractError(ImportcraftError):
    """A contract that cannot be checked as written: says which contract, which key, which file."""


class Contract:
    """One ``[[tool.importcraft.contracts]]`` table, its keys checked."""

    __slots__ = ("file", "index", "name", "options", "type")

    def __init__(self, options: dict[str, Any], file: str, index: int) -> None:
        self.options = options
        self.file = file
        self.index = index  # 1-based position in the array, for messages
        self.name = str(options["name"])
        self.type = str(options["type"])

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    @property
    def where(self) -> str:
        return f"{self.file}: contract {self.name!r}"

    def __repr__(self) -> str:
        return f"<Contract {self.type} {self.name!r}>"


class ContractConfig(NamedTuple):
    """What a configuration file says for ``importcraft check``."""

    file: str
    contracts: list[Contract]
    root_packages: list[str]


class Link(NamedTuple):
    """One step of a chain: ``importer`` imports ``imported`` at ``lines`` (none: ``imported``
    is the package of ``importer``, which Python loads first)."""

    importer: str
    imported: str
    lines: tuple[ImportLine, ...]


class Violation(NamedTuple):
    """``importer`` must not import ``imported`` and does, by each of ``chains``."""

    importer: str
    imported: str
    message: str
    chains: tuple[tuple[Link, ...], ...]


class ContractResult:
    """The verdict on one contract: kept or broken, and why."""

    __slots__ = ("contract", "problems", "violations", "warnings")

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.violations: list[Violation] = []
        self.problems: list[str] = []  # what breaks it besides chains (a missing layer, ...)
        self.warnings: list[str] = []

    @property
    def kept(self) -> bool:
        return not self.violations and not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.contract.name,
            "type": self.contract.type,
            "file": self.contract.file,
            "kept": self.kept,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "violations": [
                {
                    "importer": v.importer,
                    "imported": v.imported,
                    "message": v.message,
                    "chains": [[_link_dict(link) for link in chain] for chain in v.chains],
                }
                for v in self.violations
            ],
        }

    def __repr__(self) -> str:
        return f"<ContractResult {self.contract.name!r}: {'kept' if self.kept else 'broken'}>"


def _link_dict(link: Link) -> dict[str, object]:
    return {
        "importer": link.importer,
        "imported": link.imported,
        "lines": [
            {"file": ln.file, "line": ln.line, "kind": ln.kind, "how": ln.how,
             "statement": ln.statement}
            for ln in link.lines
        ],
    }  # fmt: skip


# -- reading -------------------------------------------------------------------------------------


def load_contracts(path: str) -> ContractConfig:
    """Read the contracts and ``root_packages`` of ``path``: a ``pyproject.toml``'s
    ``[tool.importcraft]`` table, or (another file name) the file's top level."""
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ContractError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ContractError(f"{path}: not valid TOML: {exc}") from None
    tool = data.get("tool")
    if isinstance(tool, dict) and "importcraft" in tool:
        table, where = tool["importcraft"], f"{path}: [tool.importcraft]"
    elif os.path.basename(path) == "pyproject.toml":
        table, where = {}, f"{path}: [tool.importcraft]"
    else:
        table, where = data, path
    if not isinstance(table, dict):
        raise ContractError(f"{where}: expected a table, got {type(table).__name__}")
    raw = table.get("contracts")
    if raw is None:
        raise ContractError(
            f"{where}: no contracts; add [[tool.importcraft.contracts]] tables (see "
            "docs/graph-contracts.md)"
        )
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        raise ContractError(
            f"{where} contracts: expected an array of tables ([[tool.importcraft.contracts]])"
        )
    roots = table.get("root_packages", [])
    if not isinstance(roots, list) or not all(isinstance(r, str) for r in roots):
        raise ContractError(f"{where} root_packages: expected a list of package names")
    contracts = [parse_contract(c, path, i) for i, c in enumerate(raw, 1)]
    names = [c.name for c in contracts]
    for name in names:
        if names.count(name) > 1:
            raise ContractError(f"{path}: two contracts are named {name!r}; give each its own")
    return ContractConfig(path, contracts, list(roots))


def parse_contract(table: dict[str, Any], file: str, index: int = 1) -> Contract:
    """Check one contract's keys and values; raise :class:`ContractError` naming the contract,
    the key and the file."""
    label = repr(table["name"]) if isinstance(table.get("name"), str) else f"#{index}"
    where = f"{file}: contract {label}"
    kind = table.get("type")
    if kind is None:
        raise ContractError(f"{where}: missing key 'type' (one of {', '.join(CONTRACT_TYPES)})")
    if kind not in _KEYS:
        raise ContractError(
            f"{where}: unknown contract type {kind!r} (known: {', '.join(CONTRACT_TYPES)})"
        )
    required, optional = _KEYS[kind]
    for key in ("name", *required):
        if key not in table:
            raise ContractError(f"{where}: missing key {key!r} (a {kind} contract needs it)")
    known = (*_COMMON, *required, *optional)
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ContractError(
                f"{where}: unknown key {key!r} for a {kind} contract (known keys: "
                f"{', '.join(known)})"
            )
        options[key] = _check_value(key, value, where)
    if kind == "layers":
        options["layers"] = [_parse_layer(line, where) for line in options["layers"]]
        if options.get("exhaustive") and not options.get("containers"):
            raise ContractError(f"{where}: exhaustive needs containers")
    return Contract(options, file, index)


def _check_value(key: str, value: Any, where: str) -> Any:
    at = f"{where} {key}"
    if key in ("name", "type"):
        if not isinstance(value, str) or not value:
            raise ContractError(f"{at}: expected a non-empty string")
        return value
    if key == "unmatched_ignore_imports_alerting":
        if value not in _ALERTS:
            raise ContractError(f"{at}: expected one of {', '.join(_ALERTS)}, got {value!r}")
        return value
    if key in _BOOLS:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"  # import-linter takes "True" as well
        if not isinstance(value, bool):
            raise ContractError(f"{at}: expected true or false, got {value!r}")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractError(f"{at}: expected a list of strings, got {value!r}")
    if key == "ignore_imports":
        for item in value:
            importer, arrow, imported = item.partition("->")
            if not arrow or not all(
                _EXPRESSION.match(part.strip()) for part in (importer, imported)
            ):
                raise ContractError(
                    f"{at}: {item!r} is not of the form 'importer -> imported' (module names, "
                    "'*' for one part, '**' for one or more)"
                )
            _check_expression(importer.strip(), at)
            _check_expression(imported.strip(), at)
    elif key != "layers":
        for item in value:
            _check_expression(item, at)
    return value


def _check_expression(text: str, at: str) -> None:
    parts = text.split(".")
    adjacent = any(a.startswith("*") and b.startswith("*") for a, b in pairwise(parts))
    if not _EXPRESSION.match(text) or adjacent:
        raise ContractError(
            f"{at}: {text!r} is not a module name or pattern ('*' stands for one whole part, "
            "'**' for one or more, never two side by side)"
        )


class _Level(NamedTuple):
    tails: tuple[tuple[str, bool], ...]  # (name, optional: written "(name)")
    independent: bool  # "a | b": the siblings must not import each other; "a : b": they may


def _parse_layer(line: str, where: str) -> _Level:
    if "|" in line and ":" in line:
        raise ContractError(
            f"{where} layers: {line!r} mixes '|' (independent) and ':' (may import each other)"
        )
    independent = ":" not in line
    tails = []
    for item in re.split(r"[|:]", line):
        text = item.strip()
        optional = text.startswith("(") and text.endswith(")")
        name = text[1:-1].strip() if optional else text
        if not name or not _EXPRESSION.match(name) or "*" in name:
            raise ContractError(
                f"{where} layers: {text!r} is not a module name (layers take no wildcards)"
            )
        tails.append((name, optional))
    return _Level(tuple(tails), independent)


def contract_packages(contracts: Iterable[Contract]) -> list[str]:
    """The top-level packages the contracts name (their source, layer, container and
    independent modules; not forbidden ones, which may be installed third-party packages)."""
    found: dict[str, None] = {}
    for contract in contracts:
        names: list[str] = []
        if contract.type == "layers":
            if contract.get("containers"):
                names = list(contract.get("containers"))
            else:
                names = [name for level in contract.get("layers") for name, _ in level.tails]
        for key in ("source_modules", "modules", "packages"):
            names += contract.get(key, [])
        for name in names:
            top = name.partition(".")[0]
            if "*" not in top:
                found[top] = None
    return list(found)


# -- run-time edges ----------------------------------------------------------------------------


def add_runtime_edges(graph: ImportGraph, trace: dict[str, Any] | str) -> ImportGraph:
    """``graph`` with the imports a trace saw (``importcraft trace --json``: each module's
    ``parent`` imported it, at ``imported_at``) added as lines of kind ``module`` marked
    ``how="runtime"``. Only imports made by modules of the graph's packages are added."""
    if isinstance(trace, str):
        import json

        try:
            with open(trace, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ContractError(f"{trace}: cannot read the trace: {exc}") from None
        source = trace
    else:
        data, source = trace, "the trace"
    modules = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(modules, list):
        raise ContractError(
            f"{source}: not an importcraft trace (no 'modules' list); write one with "
            "`importcraft trace --json FILE`"
        )
    added: dict[tuple[str, str], list[ImportLine]] = {}
    for index, record in enumerate(modules):
        at = record.get("imported_at") if isinstance(record, dict) else None
        if not isinstance(record, dict) or not isinstance(at, (dict, type(None))):
            raise ContractError(
                f"{source}: not an importcraft trace (modules[{index}] is not a module record); "
                "write one with `importcraft trace --json FILE`"
            )
        parent, name = record.get("parent"), record.get("name")
        if not isinstance(parent, str) or not isinstance(name, str):
            continue
        if parent not in graph.internal:
            continue
        target = _leaf(name, graph)
        if target == parent:
            continue
        at = at or {}
        file = at.get("file") or graph.files.get(parent, "")
        line = ImportLine(
            file,
            int(at.get("line") or 0),
            "module",
            (),
            f"import {name}  # seen at run time",
            "runtime",
        )
        added.setdefault((parent, target), []).append(line)
    edges = []
    for e in graph.edges:
        extra = added.pop((e.importer, e.imported), [])
        edges.append(Edge(e.importer, e.imported, [*e.lines, *extra]) if extra else e)
    edges += [Edge(a, b, lines) for (a, b), lines in added.items()]
    return ImportGraph(
        edges, internal=graph.internal, files=graph.files, packages=graph.packages,
        problems=graph.problems,
    )  # fmt: skip


def _leaf(name: str, graph: ImportGraph) -> str:
    """The graph's node for a module the trace saw: itself or its nearest ancestor in the
    graph when it is of the graph's packages, else its top-level name (as externals are)."""
    top = name.partition(".")[0]
    if top not in graph.packages:
        return top
    while name not in graph and "." in name:
        name = name.rpartition(".")[0]
    return name


# -- checking ------------------------------------------------------------------------------------


def check_contracts(graph: ImportGraph, contracts: Iterable[Contract]) -> list[ContractResult]:
    """Check each contract on ``graph``; one result per contract, in order."""
    results = []
    for contract in contracts:
        result = ContractResult(contract)
        _CHECKS[contract.type](graph, contract, result)
        results.append(result)
    return results


def _matches(expression: str) -> re.Pattern[str]:
    wild = {"*": r"[^.]+", "**": r"[^.]+(?:\.[^.]+)*"}
    parts = [wild.get(part, re.escape(part)) for part in expression.split(".")]
    return re.compile(r"\.".join(parts) + r"\Z")


def _expand(expressions: Iterable[str], graph: ImportGraph) -> list[str]:
    """Module names: each expression as written, or the graph's modules a pattern matches."""
    found: dict[str, None] = {}
    for expression in expressions:
        if "*" not in expression:
            found[expression] = None
            continue
        pattern = _matches(expression)
        for module in sorted(graph.modules):
            if pattern.match(module):
                found[module] = None
    return list(found)


def _package(module: str, graph: ImportGraph) -> set[str]:
    return {module, *graph.descendants(module)}


class _View:
    """The graph's edges a contract looks at: without its ``ignore_imports``, and only of some
    kinds (import-time ones for ``acyclic`` and ``import_time``)."""

    def __init__(
        self,
        graph: ImportGraph,
        contract: Contract,
        result: ContractResult,
        kinds: frozenset[str] | None = None,
    ) -> None:
        self.graph = graph
        self.out: dict[str, dict[str, Edge]] = {m: {} for m in graph.modules}
        for e in graph.edges:
            if kinds is None or e.kind in kinds:
                self.out[e.importer][e.imported] = e
        unmatched = []
        for item in contract.get("ignore_imports", []):
            left, _, right = item.partition("->")
            importer, imported = _matches(left.strip()), _matches(right.strip())
            matched = [
                (a, b)
                for e in graph.edges
                if importer.match(a := e.importer) and imported.match(b := e.imported)
            ]
            for a, b in matched:
                self.out[a].pop(b, None)
            if not matched:
                unmatched.append(f"no import matches ignore_imports {item!r}")
        alerting = contract.get("unmatched_ignore_imports_alerting", "error")
        if alerting == "error":
            note = "(unmatched_ignore_imports_alerting = 'error')"
            result.problems += [f"{m} {note}" for m in unmatched]
        elif alerting == "warn":
            result.warnings += unmatched

    def link(self, importer: str, imported: str) -> Link:
        edge = self.out[importer].get(imported)
        return Link(importer, imported, edge.lines if edge is not None else ())

    def shortest(
        self,
        sources: set[str],
        targets: set[str],
        excluded: set[str] | frozenset[str] = frozenset(),
        dropped: set[tuple[str, str]] | None = None,
        parents: bool = False,
    ) -> list[str] | None:
        """The shortest chain from a module of ``sources`` to one of ``targets`` through none
        of ``excluded`` and none of the ``dropped`` edges; with ``parents``, a module also
        leads to its package (Python loads it first)."""
        before: dict[str, str | None] = {m: None for m in sorted(sources) if m in self.out}
        queue = deque(before)
        while queue:
            current = queue.popleft()
            if current in targets:
                path = [current]
                while (previous := before[path[-1]]) is not None:
                    path.append(previous)
                return path[::-1]
            following = sorted(self.out[current])
            if parents and "." in current:
                following.append(current.rpartition(".")[0])
            for nxt in following:
                if nxt in before or nxt not in self.out:
                    continue
                if nxt in excluded and nxt not in targets:
                    continue
                if dropped and (current, nxt) in dropped:
                    continue
                before[nxt] = current
                queue.append(nxt)
        return None

    def chains(
        self,
        sources: set[str],
        targets: set[str],
        excluded: set[str] | frozenset[str] = frozenset(),
        parents: bool = False,
    ) -> list[tuple[Link, ...]]:
        """The shortest chain, then the shortest not using its imports, and so on (as grimp
        lists them)."""
        dropped: set[tuple[str, str]] = set()
        found = []
        while (path := self.shortest(sources, targets, excluded, dropped, parents)) is not None:
            steps = list(pairwise(path))
            dropped.update(steps)
            found.append(tuple(self.link(a, b) for a, b in steps))
        return found


def _exists(module: str, graph: ImportGraph) -> bool:
    return module in graph.internal


def _check_layers(graph: ImportGraph, contract: Contract, result: ContractResult) -> None:
    view = _View(graph, contract, result)
    levels: list[_Level] = contract.get("layers")
    containers: list[str | None] = list(_expand(contract.get("containers", []), graph)) or [None]
    for container in containers:
        if container is not None and not _exists(container, graph):
            result.problems.append(f"container {container!r} is not a module of the graph")
            continue
        prefix = "" if container is None else container + "."
        resolved: list[tuple[list[str], bool]] = []
        for level in levels:
            present = []
            for tail, optional in level.tails:
                module = prefix + tail
                if _exists(module, graph):
                    present.append(module)
                elif not optional:
                    result.problems.append(
                        f"layer {module!r} is not a module of the graph (write it '({tail})' "
                        "if it may be missing)"
                    )
            resolved.append((present, level.independent))
        every = {m for modules, _ in resolved for layer in modules for m in _package(layer, graph)}
        pairs: list[tuple[str, str, str]] = []
        for i, (modules, independent) in enumerate(resolved):
            for higher in modules:
                for lower_modules, _ in resolved[i + 1 :]:
                    pairs += [(lower, higher, "a lower layer") for lower in lower_modules]
                if independent:
                    pairs += [(higher, other, "an independent sibling layer")
                              for other in modules if other != higher]  # fmt: skip
        for importer, imported, why in sorted(pairs):
            source, target = _package(importer, graph), _package(imported, graph)
            chains = view.chains(source, target, every - source - target)
            if chains:
                message = f"{importer} is not allowed to import {imported} ({why})"
                result.violations.append(Violation(importer, imported, message, tuple(chains)))
        if contract.get("exhaustive"):
            declared = {tail for level in levels for tail, _ in level.tails}
            declared |= set(contract.get("exhaustive_ignores", []))
            for module in sorted(graph.internal):
                parent, _, tail = module.rpartition(".")
                if parent == container and tail not in declared:
                    result.problems.append(
                        f"{module} is not declared as a layer (exhaustive = true)"
                    )


def _check_forbidden(graph: ImportGraph, contract: Contract, result: ContractResult) -> None:
    view = _View(graph, contract, result)
    as_packages = contract.get("as_packages", True)
    sources = _expand(contract.get("source_modules"), graph)
    forbidden = _expand(contract.get("forbidden_modules"), graph)
    _require(sources, graph, result, "source module")
    externals = [f for f in forbidden if f in graph.external]
    if externals and not contract.get("include_external_packages", False):
        result.problems.append(
            f"forbidden module(s) {', '.join(externals)} are outside the packages read: set "
            "include_external_packages = true to check imports of them"
        )
    for f in forbidden:
        if f.partition(".")[0] not in graph.packages and "." in f:
            result.problems.append(
                f"forbidden module {f!r} is outside the packages read, where only top-level "
                f"names are known: forbid {f.partition('.')[0]!r}"
            )
    for source in sorted(s for s in sources if s in graph.internal):
        for target in sorted(f for f in forbidden if f in graph):
            if _overlap(source, target, as_packages):
                continue
            froms = _package(source, graph) if as_packages else {source}
            tos = _package(target, graph) if as_packages else {target}
            chains: list[tuple[Link, ...]]
            if contract.get("allow_indirect_imports", False):
                chains = [
                    (view.link(a, b),)
                    for a in sorted(froms)
                    for b in sorted(view.out.get(a, {}))
                    if b in tos
                ]
            else:
                chains = view.chains(froms, tos)
            if chains:
                message = f"{source} is not allowed to import {target}"
                result.violations.append(Violation(source, target, message, tuple(chains)))


def _overlap(a: str, b: str, as_packages: bool) -> bool:
    if not as_packages:
        return a == b
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _require(modules: Sequence[str], graph: ImportGraph, result: ContractResult, what: str) -> None:
    for module in modules:
        if not _exists(module, graph):
            result.problems.append(f"{what} {module!r} is not a module of the packages read")


def _check_independence(graph: ImportGraph, contract: Contract, result: ContractResult) -> None:
    view = _View(graph, contract, result)
    modules = _expand(contract.get("modules"), graph)
    _require(modules, graph, result, "module")
    modules = [m for m in modules if _exists(m, graph)]
    every = {m for module in modules for m in _package(module, graph)}
    for importer in sorted(modules):
        for imported in sorted(modules):
            if importer == imported:
                continue
            source, target = _package(importer, graph), _package(imported, graph)
            chains = view.chains(source, target, every - source - target)
            if chains:
                message = f"{importer} is not allowed to import {imported}"
                result.violations.append(Violation(importer, imported, message, tuple(chains)))


def _check_acyclic(graph: ImportGraph, contract: Contract, result: ContractResult) -> None:
    view = _View(graph, contract, result, IMPORT_TIME)
    packages = _expand(contract.get("packages"), graph)
    _require(packages, graph, result, "package")
    inside = {m for p in packages if _exists(p, graph) for m in _package(p, graph)}
    for component in strongly_connected(inside, view.out):
        start = min(component)
        firsts = sorted(n for n in view.out[start] if n in component)
        best: list[str] | None = None
        for first in firsts:  # the shortest way back to start, through the component
            path = view.shortest({first}, {start}, set(view.out) - component)
            if path is not None and (best is None or len(path) < len(best) - 1):
                best = [start, *path]
        assert best is not None  # a component of two or more modules has a cycle through start
        chain = tuple(view.link(a, b) for a, b in pairwise(best))
        message = (
            f"import-time cycle among {len(component)} modules: {', '.join(sorted(component))}"
        )
        result.violations.append(Violation(start, start, message, (chain,)))


def strongly_connected(nodes: set[str], out: dict[str, dict[str, Edge]]) -> list[set[str]]:
    """The strongly connected components of two or more of ``nodes`` (edges from ``out``,
    kept inside ``nodes``), sorted by first name: the cycles part's Tarjan, on this view."""
    from ._graph_cycles import _components

    successors = {n: sorted(m for m in out.get(n, {}) if m in nodes) for n in sorted(nodes)}
    found = [set(c) for c in _components(sorted(nodes), successors) if len(c) > 1]
    return sorted(found, key=min)


def _check_import_time(graph: ImportGraph, contract: Contract, result: ContractResult) -> None:
    view = _View(graph, contract, result, IMPORT_TIME)
    sources = _expand(contract.get("source_modules"), graph)
    _require(sources, graph, result, "source module")
    forbidden = _expand(contract.get("forbidden_modules"), graph)
    for source in sorted(s for s in sources if _exists(s, graph)):
        for target in sorted(f for f in forbidden if f in graph):
            if _overlap(source, target, True):
                continue
            chain = view.shortest({source}, _package(target, graph), parents=True)
            if chain is not None:
                links = tuple(view.link(a, b) for a, b in pairwise(chain))
                message = f"importing {source} loads {chain[-1]} at import time"
                result.violations.append(Violation(source, target, message, (links,)))


_CHECKS = {
    "layers": _check_layers,
    "forbidden": _check_forbidden,
    "independence": _check_independence,
    "acyclic": _check_acyclic,
    "import_time": _check_import_time,
}


# -- the report ----------------------------------------------------------------------------------


def _place(line: ImportLine, base: str) -> str:
    file = line.file
    if file and os.path.isabs(file) and base:
        relative = os.path.relpath(file, base)
        file = file if relative.startswith(os.pardir) else relative
    extra = "" if line.kind == "module" and line.how != "runtime" else f" {line.kind}"
    if line.how == "runtime":
        extra = " seen at run time"
    return f"{file}:{line.line}{extra}"


def describe_link(link: Link, base: str = "") -> str:
    """``a -> b (a.py:3, a.py:9)``; a package loaded before its module says so."""
    if not link.lines:
        return f"{link.importer} -> {link.imported} (its package, loaded first)"
    places = ", ".join(_place(ln, base) for ln in link.lines)
    return f"{link.importer} -> {link.imported} ({places})"


def report(results: Sequence[ContractResult], base: str = "") -> str:
    """The text report: each contract's verdict, each broken one's chains with the file:line of
    every link, and a summary line. Files are shown relative to ``base`` when under it."""
    out = []
    for result in results:
        c = result.contract
        out.append(f"{'KEPT  ' if result.kept else 'BROKEN'}  {c.name} ({c.type})")
        out += [f"    {problem}" for problem in result.problems]
        out += [f"    warning: {warning}" for warning in result.warnings]
        for violation in result.violations:
            out.append(f"    {violation.message}:")
            for chain in violation.chains:
                for i, link in enumerate(chain):
                    out.append(f"      {'- ' if i == 0 else '  '}{describe_link(link, base)}")
    out.append(summary(results))
    return "\n".join(out)


def summary(results: Sequence[ContractResult]) -> str:
    kept = sum(r.kept for r in results)
    noun = "contract" if len(results) == 1 else "contracts"
    return f"{len(results)} {noun}: {kept} kept, {len(results) - kept} broken"
