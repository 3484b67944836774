"""``import_graph()``: the static import graph of some packages, read from their sources.

Nothing is imported: each module's file is read and its import statements become edges. This
first builder parses every file whole with ``ast`` (what ``strict_parse=True`` keeps doing); the
kind of place each statement is in, and how names resolve, are decided here and nowhere else.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import sys
from typing import TYPE_CHECKING

from ._graph import KINDS, Edge, ImportGraph, ImportLine, ParseProblem

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

_RANK = {kind: rank for rank, kind in enumerate(KINDS)}
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_EXTENSION_SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)


def import_graph(
    packages: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    path: Sequence[str] | None = None,
    include_external: bool = True,
    cache: bool = True,
    strict_parse: bool = False,
    external_depth: int | None = 1,
) -> ImportGraph:
    """The import graph of ``packages`` (top-level names looked up on ``path``, default
    ``sys.path``, or directories), read from their sources without importing anything::

        graph = importcraft.import_graph("myapp")
        graph.chain("myapp.cli", "myapp.db")     # ['myapp.cli', 'myapp.core', 'myapp.db']
        graph.imports_of("myapp.core")           # {'myapp.db', 'json', ...}

    Only the import statements are found and parsed (every core reads; what was read is kept
    in a per-file cache, ``cache=False`` to bypass it); a statement that does not parse is
    reported in ``graph.problems`` and skipped. ``strict_parse=True`` parses every file whole
    instead (no cache): a full syntax check, every file that does not parse reported.
    External modules are named by their first ``external_depth`` parts (1: ``os.path`` is
    ``os``; None: the whole name).
    """
    if external_depth is not None and external_depth < 1:
        raise ValueError(
            f"import_graph(): external_depth={external_depth!r}: give 1 or more (the parts of "
            "an external name kept), or None for whole names"
        )
    roots = _locate_all(packages, path)
    names = tuple(name for name, _ in roots)
    modules: dict[str, tuple[str, bool]] = {}
    per_root: list[tuple[str, dict[str, tuple[str, bool]]]] = []
    for root in roots:
        found_here = _modules([root])
        per_root.append((root[1], found_here))
        modules.update(found_here)
    internal = set(modules)
    read: dict[str, tuple[list[Statement], list[tuple[int, str]]]] = {}
    if strict_parse:
        for file, _ in modules.values():
            if not file.endswith(".py"):
                continue
            try:
                read[file] = (_read(file), [])
            except SyntaxError as exc:
                read[file] = ([], [(exc.lineno or 0, exc.msg)])
            except RecursionError:
                read[file] = ([], [(0, "too deeply nested for ast to walk (RecursionError)")])
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                read[file] = ([], [(0, f"{type(exc).__name__}: {exc}")])
    else:
        from ._graph_cache import read_statements

        for where, found_here in per_root:
            sources = [f for f, _ in found_here.values() if f.endswith(".py")]
            read.update(read_statements(where, sources, cache=cache))
    found: dict[tuple[str, str], list[ImportLine]] = {}
    problems: list[ParseProblem] = []
    leaves: dict[str, str] = {}  # name -> its node, for this build
    for module, (file, is_package) in sorted(modules.items()):
        statements, troubles = read.get(file, _NOTHING)
        if troubles:
            problems.extend(ParseProblem(file, line, message) for line, message in troubles)
        for target, line in _resolve(
            module, is_package, statements, file, internal, names, external_depth, leaves
        ):
            if target == module or (not include_external and target not in internal):
                continue
            key = (module, target)
            known = found.get(key)
            if known is None:
                found[key] = [line]
            else:
                known.append(line)
    edges = [Edge(a, b, lines) for (a, b), lines in found.items()]
    files = {name: file for name, (file, _) in modules.items()}
    return ImportGraph(edges, internal=internal, files=files, packages=names, problems=problems)


_NOTHING: tuple[list[Statement], list[tuple[int, str]]] = ([], [])  # a compiled module


# -- finding the packages and their modules


def _locate_all(
    packages: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    path: Sequence[str] | None,
) -> list[tuple[str, str]]:
    """(top-level name, file or directory) of each package asked for."""
    if isinstance(packages, (str, os.PathLike)):
        packages = [packages]
    search = list(sys.path if path is None else path)
    roots: list[tuple[str, str]] = []
    for package in packages:
        text = os.fspath(package)
        if os.sep in text or (os.altsep and os.altsep in text) or os.path.isdir(text):
            directory = os.path.abspath(text)
            if not os.path.isdir(directory):
                raise FileNotFoundError(f"import_graph(): {text!r} is no directory")
            roots.append((os.path.basename(directory.rstrip(os.sep)), directory))
            continue
        if not text.isidentifier():
            raise ValueError(
                f"import_graph(): {text!r} is neither a top-level package name nor a directory"
            )
        roots.append((text, _locate(text, search)))
    return roots


def _locate(name: str, search: Sequence[str]) -> str:
    namespace = None
    for entry in search:
        base = os.path.join(entry or os.curdir, name)
        if os.path.isfile(os.path.join(base, "__init__.py")):
            return os.path.abspath(base)
        if os.path.isfile(base + ".py"):
            return os.path.abspath(base + ".py")
        if namespace is None and os.path.isdir(base):
            namespace = os.path.abspath(base)
    if namespace is not None:
        return namespace
    raise ModuleNotFoundError(
        f"import_graph(): no package {name!r} on the path searched ({len(search)} entries); "
        "pass its directory instead, or path=[the folder that holds it]",
        name=name,
    )


def _modules(roots: list[tuple[str, str]]) -> dict[str, tuple[str, bool]]:
    """Every module of the roots: name -> (file, is a package with that file as __init__)."""
    modules: dict[str, tuple[str, bool]] = {}
    for name, where in roots:
        if os.path.isfile(where):
            modules[name] = (where, False)
            continue
        _walk(where, name, modules)
    return modules


def _walk(
    directory: str,
    package: str,
    modules: dict[str, tuple[str, bool]],
    seen: set[tuple[int, int]] | None = None,
) -> None:
    """The modules of ``directory`` (the package ``package``) and of its subdirectories whose
    names are identifiers (packages, with or without ``__init__.py``), depth first. A
    directory reached again through a symbolic link (a loop) is read once."""
    if seen is None:
        seen = set()
    try:
        st = os.stat(directory)
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return
    subdirs = []
    for entry in entries:
        name = entry.name
        if name.endswith(".py"):
            stem = name[:-3]
            # A stem that is no identifier (django's 0001_initial) is still a module:
            # importlib.import_module() imports it, and grimp lists it.
            if not stem or "." in stem or not entry.is_file():
                continue
            if stem == "__init__":
                modules[package] = (entry.path, True)
            else:
                modules[f"{package}.{stem}"] = (entry.path, False)
        elif name.isidentifier() and _is_dir(entry):
            subdirs.append(entry)
        elif name.endswith(_EXTENSION_SUFFIXES):
            # A compiled extension module: a module (a leaf: nothing is read of it).
            stem = name.partition(".")[0]
            if stem.isidentifier() and entry.is_file():
                modules.setdefault(f"{package}.{stem}", (entry.path, False))
    for entry in subdirs:
        _walk(entry.path, f"{package}.{entry.name}", modules, seen)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a broken or looping symbolic link: nothing to read there
        return False


# -- reading one file


# (how, module, names, level, line, kind, text): what both readers give, and the cache keeps.
Statement = tuple[str, str, tuple[str, ...], int, int, str, str]


def _read(file: str) -> list[Statement]:
    with open(file, "rb") as stream:
        source = stream.read()
    tree = ast.parse(source, filename=file)  # decodes by the coding cookie or BOM, as Python does
    lines = source.decode("utf-8", "replace").splitlines()
    collector = _Collector(lines)
    collector.visit(tree)
    return collector.found


class _Collector(ast.NodeVisitor):
    """Every import statement, with the kind of place it is in."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.kind = "module"
        self.found: list[Statement] = []

    def _text(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", 0)
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def _under(self, kind: str, nodes: Iterable[ast.AST]) -> None:
        before = self.kind
        if _RANK[kind] > _RANK[before]:
            self.kind = kind
        for node in nodes:
            self.visit(node)
        self.kind = before

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append(
                ("import", alias.name, (), 0, node.lineno, self.kind, self._text(node))
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(alias.name for alias in node.names)
        self.found.append(
            ("from", node.module or "", names, node.level, node.lineno, self.kind,
             self._text(node))
        )  # fmt: skip

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Decorators and defaults run where the def is; the body runs when called.
        for item in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if item is not None:
                self.visit(item)
        self._under("function", node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._under("function", [node.body])

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        if _is_type_checking(node.test):
            self._under("type_checking", node.body)
            self._under("conditional", node.orelse)
        else:
            self._under("conditional", [*node.body, *node.orelse])

    def visit_Try(self, node: ast.Try) -> None:
        guarded = any(_catches_import_error(handler.type) for handler in node.handlers)
        self._under("guarded" if guarded else self.kind, node.body)
        for handler in node.handlers:
            self.visit(handler)
        for item in (*node.orelse, *node.finalbody):
            self.visit(item)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        dynamic = _dynamic_target(node)
        if dynamic is not None:
            module, level = dynamic
            self.found.append(
                ("dynamic", module, (), level, node.lineno, self.kind, self._text(node))
            )


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _catches_import_error(caught: ast.expr | None) -> bool:
    if caught is None:
        return False
    items = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    for item in items:
        name = item.id if isinstance(item, ast.Name) else getattr(item, "attr", None)
        if name in _IMPORT_ERRORS:
            return True
    return False


def _dynamic_target(call: ast.Call) -> tuple[str, int] | None:
    """``import_module("a.b")``, ``importlib.import_module(".b", __package__)``,
    ``__import__("a.b")`` with a literal name: (name without leading dots, dots)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name not in ("import_module", "__import__") or not call.args:
        return None
    first = call.args[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return None
    text = first.value
    stripped = text.lstrip(".")
    level = len(text) - len(stripped)
    if name == "__import__" and level:
        return None
    if not all(part.isidentifier() for part in stripped.split(".")) and stripped:
        return None
    package = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "package":
            package = keyword.value
    if not level or name == "__import__":
        return stripped, level
    # A relative name needs its anchor: a literal package, __package__ or __name__; with
    # anything else (a variable) the target is unknown, and no edge is made.
    if isinstance(package, ast.Constant) and isinstance(package.value, str):
        anchor = package.value.split(".")
        if level - 1 >= len(anchor):
            return None
        anchor = anchor[: len(anchor) - (level - 1)]
        return ".".join([*anchor, stripped] if stripped else anchor), 0
    if isinstance(package, ast.Name) and package.id == "__package__":
        return stripped, level
    if isinstance(package, ast.Name) and package.id == "__name__":
        return stripped, -level  # relative to the module's own name
    return None


# -- resolving names as Python would


def _resolve(
    module: str,
    is_package: bool,
    statements: list[Statement],
    file: str,
    internal: set[str],
    roots: tuple[str, ...],
    external_depth: int | None = 1,
    leaves: dict[str, str] | None = None,
) -> list[tuple[str, ImportLine]]:
    """(target, line) of each statement of ``module``, resolved as Python would."""
    package = module if is_package else module.rpartition(".")[0]
    memo: dict[str, str] = {} if leaves is None else leaves
    make = tuple.__new__  # an ImportLine without NamedTuple's keyword handling: much cheaper
    out: list[tuple[str, ImportLine]] = []
    for how, name, names, level, number, kind, text in statements:
        base = name
        if level:
            parts = package.split(".") if package else []
            if level < 0:  # import_module(".x", __name__): anchored at the module itself
                parts, level = module.split("."), -level
            if level - 1 > len(parts) - 1 or not parts:
                continue  # beyond the top-level package: an error at run time, no edge
            anchor = ".".join(parts[: len(parts) - (level - 1)])
            base = f"{anchor}.{name}" if name else anchor
        if not base:
            continue
        line = make(ImportLine, (file, number, kind, names, text, how))
        if how == "from" and names:
            every = True
            for item in names:
                sub = f"{base}.{item}"
                if sub in internal:
                    out.append((sub, line))
                else:
                    every = False
            if every:
                continue
        leaf = memo.get(base)
        if leaf is None:
            leaf = memo[base] = _leaf(base, internal, roots, external_depth)
        out.append((leaf, line))
    return out


def _leaf(name: str, internal: set[str], roots: tuple[str, ...], depth: int | None = 1) -> str:
    """The graph's node for ``name``: the module itself, its nearest existing ancestor when
    it is one of ours that does not exist, or an external name cut to ``depth`` parts."""
    top = name.partition(".")[0]
    if top not in roots:
        if depth == 1:
            return top
        return name if depth is None else ".".join(name.split(".")[:depth])
    while name not in internal and "." in name:
        name = name.rpartition(".")[0]
    return name
