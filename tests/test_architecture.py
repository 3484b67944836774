"""The dependency rule of docs/ARCHITECTURE.md: imports run down the layers, never in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import importcraft

PACKAGE = Path(importcraft.__file__).parent

# What each part may import (besides itself). docs/ARCHITECTURE.md draws the same table.
ALLOWED = {
    "core": set(),
    "sources": {"core"},
    "rewrite": {"core"},
    "transformers": {"core", "rewrite"},
    "rules": {"core", "sources", "rewrite", "transformers"},
    "lazy": {"core", "rules"},
    "inspect": {"core", "sources", "rewrite", "transformers", "rules", "lazy"},
    "entrypoints": {"core", "sources", "rewrite", "transformers", "rules", "lazy", "inspect"},
    "cli": {
        "core",
        "sources",
        "rewrite",
        "transformers",
        "rules",
        "lazy",
        "inspect",
        "entrypoints",
        "__init__",
    },
    "__main__": {"cli"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every importcraft module ``path`` imports, anywhere in it (functions, TYPE_CHECKING)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("importcraft")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            elif (node.module or "").startswith("importcraft"):
                module = node.module or ""
            else:
                continue
            folder = PACKAGE.parent / module.replace(".", "/")
            submodules = {a.name for a in node.names if (folder / f"{a.name}.py").exists()}
            found |= {f"{module}.{name}" for name in submodules}
            if len(submodules) < len(node.names):  # names defined in the module itself
                found.add(module)
    found.discard(name)
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_part_of_the_package_is_in_the_table() -> None:
    parts = {_part(m) for m in MODULES} - {"__init__"}
    assert parts == set(ALLOWED)


def test_imports_only_run_down_the_layers() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in MODULES.items()
        if _part(module) != "__init__"
        for target in sorted(targets)
        if _part(target) != _part(module) and _part(target) not in ALLOWED[_part(module)]
    ]
    assert wrong == []


# Methods that load their implementation on first use, inside the method (a circle only on
# paper: neither module imports the other at import time).
LOADED_BY_A_METHOD = {("importcraft.inspect._graph", "importcraft.inspect._graph_cycles")}


def test_no_module_imports_itself_through_others() -> None:
    graph = {
        m: {t for t in ts if t in MODULES and (m, t) not in LOADED_BY_A_METHOD}
        for m, ts in MODULES.items()
    }
    circles: list[list[str]] = []

    def walk(node: str, trail: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in trail:
                circle = [*trail[trail.index(nxt) :], nxt]
                if circle[0] == min(circle[:-1]):
                    circles.append(circle)
            elif len(trail) < 12:
                walk(nxt, [*trail, nxt])

    for start in sorted(graph):
        walk(start, [start])
    assert circles == []


def test_a_module_loaded_by_a_method_is_imported_only_inside_functions() -> None:
    for importer, imported in sorted(LOADED_BY_A_METHOD):
        path = PACKAGE.parent / (importer.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text())
        short = imported.rpartition(".")[2]
        at_import_time = [
            node.lineno
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(short)
        ]
        assert at_import_time == [], f"{importer} imports {imported} at import time"
        assert imported in MODULES[importer], "the exception is no longer needed"
