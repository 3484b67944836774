"""explain_cycle(): why a circular import broke, and the fix that applies to it.

Given the exception of a failed import (``cannot import name 'x' from partially initialized
module 'a'``, or an ``AttributeError`` on such a module), it reads the imports in progress from
the exception's traceback, finds where the missing name is defined by parsing the partly
initialised module's source with :mod:`ast` (files are read, never executed), and picks one of
the three known fixes by looking at where each module uses what it imports.
"""

from __future__ import annotations

import ast
import linecache
import os
import re
from dataclasses import dataclass, field

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType, TracebackType
    from typing import Any

SCHEMA = "importcraft.cycle/1"

# The messages of CPython 3.11 to 3.13 for a name missing from a module still being imported.
_FROM_IMPORT = re.compile(
    r"cannot import name '(?P<name>[^']+)' from partially initialized module '(?P<module>[^']+)'"
)
_ATTRIBUTE = re.compile(
    r"partially initialized module '(?P<module>[^']+)' has no attribute '(?P<name>[^']+)'"
)
# 3.13 says this instead when the module lies in the script's folder (it could hide a library);
# it says so only of a module still being imported, which the traceback must then show.
_SHADOW_ATTRIBUTE = re.compile(
    r"module '(?P<module>[^']+)' has no attribute '(?P<name>[^']+)' \(consider renaming '[^']*' "
    r"if it has the same name as a (?:third-party module|library) you intended to import\)"
)
_SHADOW_FROM = re.compile(
    r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)' \(consider renaming '[^']*' "
    r"if it has the same name as a (?:third-party module|library) you intended to import\)"
)

MOVE_IMPORT = "move-import-into-function"
IMPORT_MODULE = "import-module"
THIRD_MODULE = "third-module"
REMOVE_IMPORT = "remove-import"  # only the static cycles (_graph_cycles.py) suggest it
_FIX_TITLES = {
    MOVE_IMPORT: "move the import into the function that uses it",
    IMPORT_MODULE: "import the module instead of the name",
    THIRD_MODULE: "move the shared definitions into a third module",
    REMOVE_IMPORT: "remove an import nothing reads, or load a re-export on first access",
}
_FIX_NUMBERS = {MOVE_IMPORT: 1, IMPORT_MODULE: 2, THIRD_MODULE: 3, REMOVE_IMPORT: 4}


@dataclass(frozen=True)
class Step:
    """One module whose body was running, stopped at ``line`` of ``file`` (``statement``)."""

    module: str
    file: str | None
    line: int
    statement: str
    function: str | None = None  # the function running at import time, for the failing step

    @property
    def where(self) -> str:
        return f"{_short(self.file)}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "file": self.file,
            "line": self.line,
            "statement": self.statement,
            "function": self.function,
        }


@dataclass(frozen=True)
class Definition:
    """Where the partly initialised module binds the missing name (``kind``: def, class, ...)."""

    file: str
    line: int
    kind: str
    statement: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "statement": self.statement,
        }


@dataclass(frozen=True)
class Fix:
    """One of the three known fixes, applied to this case: ``text`` names files and lines."""

    kind: str
    file: str | None
    line: int | None
    text: str

    @property
    def number(self) -> int:
        return _FIX_NUMBERS[self.kind]

    @property
    def title(self) -> str:
        return _FIX_TITLES[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "title": self.title,
            "file": self.file,
            "line": self.line,
            "text": self.text,
        }


@dataclass(frozen=True)
class CycleExplanation:
    """Why a circular import failed: the imports in progress, the missing name, the fix.

    ``chain`` holds every module whose body was running, outermost first; ``chain[cycle_start:]``
    is the cycle (it starts where the partly initialised ``module`` began, and ends with the
    module whose statement failed). ``failing`` is the statement that failed.
    """

    error_type: str
    message: str
    module: str
    name: str
    chain: tuple[Step, ...]
    cycle_start: int | None
    failing: Step | None
    definition: Definition | None
    fix: Fix | None
    alternatives: tuple[Fix, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def cycle(self) -> tuple[Step, ...]:
        return () if self.cycle_start is None else self.chain[self.cycle_start :]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the schema is documented in docs/diagnostics-cycles.md."""
        start = len(self.chain) if self.cycle_start is None else self.cycle_start
        cycle = range(start, len(self.chain))
        return {
            "schema": SCHEMA,
            "error": {"type": self.error_type, "message": self.message},
            "module": self.module,
            "name": self.name,
            "chain": [
                {
                    **step.to_dict(),
                    "in_cycle": i in cycle,
                }
                for i, step in enumerate(self.chain)
            ],
            "failing": None if self.failing is None else self.failing.to_dict(),
            "definition": None if self.definition is None else self.definition.to_dict(),
            "fix": None if self.fix is None else self.fix.to_dict(),
            "alternatives": [fix.to_dict() for fix in self.alternatives],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        importer = self.chain[-1].module if self.chain else "a module"
        lines = [
            f"Circular import: {importer!r} needs {self.name!r} from {self.module!r} while "
            f"{self.module!r} is still being imported.",
            "",
        ]
        if self.chain:
            lines.append("Imports in progress (* marks the cycle):")
            width = max(len(step.module) for step in self.chain)
            place = max(len(step.where) for step in self.chain)
            for i, step in enumerate(self.chain):
                mark = "*" if self.cycle_start is not None and i >= self.cycle_start else " "
                lines.append(
                    f"  {mark} {step.module:<{width}}  {step.where:<{place}}  {step.statement}"
                )
            if self.failing is not None and self.failing.function is not None:
                lines.append(
                    f"    failed in {self.failing.function}() at {self.failing.where}: "
                    f"{self.failing.statement}"
                )
            lines.append("")
        if self.definition is not None:
            lines.append(
                f"{self.name!r} is defined at {_short(self.definition.file)}:"
                f"{self.definition.line} ({self.definition.statement})."
            )
        lines += self.notes
        if self.fix is not None:
            lines += ["", f"Fix ({self.fix.number}, {self.fix.title}):", *_indent(self.fix.text)]
        for fix in self.alternatives:
            lines += [f"Or ({fix.number}, {fix.title}):", *_indent(fix.text)]
        return "\n".join(lines)


def _indent(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines()]


def _short(path: str | None) -> str:
    """A file as the text shows it: its name relative to the current folder when inside it."""
    if path is None:
        return "?"
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def explain_cycle(exc: BaseException) -> CycleExplanation | None:
    """Explain an import that failed because a module was only partly initialised.

    ``exc`` is the exception the import raised (with its traceback). Returns ``None`` when it is
    not such a failure. Nothing is imported or executed: sources are read and parsed. Example::

        try:
            import myapp
        except (ImportError, AttributeError) as exc:
            explanation = importcraft.explain_cycle(exc)
            print(explanation if explanation is not None else exc)
    """
    if not isinstance(exc, (ImportError, AttributeError)):
        return None
    text = str(exc)
    match = _FROM_IMPORT.search(text) or _ATTRIBUTE.search(text)
    shadow = None if match else (_SHADOW_ATTRIBUTE.search(text) or _SHADOW_FROM.search(text))
    if match is None and shadow is None:
        return None
    found = match or shadow
    assert found is not None
    module, name = found["module"], found["name"]
    frames = list(_frames(exc.__traceback__))
    chain = [_step(frame, line) for frame, line in frames if frame.f_code.co_name == "<module>"]
    start = next((i for i, step in enumerate(chain) if step.module == module), None)
    if shadow is not None and start is None:
        return None  # 3.13's "consider renaming" without a cycle: a name hidden, not a cycle
    failing = None
    if frames:
        frame, line = frames[-1]
        failing = _step(frame, line)
        if frame.f_code.co_name != "<module>":
            failing = Step(
                failing.module, failing.file, line, failing.statement, frame.f_code.co_qualname
            )
    target_file = _module_file(exc, module, chain, start)
    return _Analysis(
        type(exc).__name__, text, module, name, tuple(chain), start, failing, target_file
    ).explain(from_import=isinstance(exc, ImportError))


# Frames that are never the program's: importlib's and importcraft's own (its loaders and lazy
# modules run between the program's frames).
_PACKAGE_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_IMPORTLIB_FOLDER = (
    os.path.join(os.path.dirname(os.path.abspath(os.__file__)), "importlib") + os.sep
)
_NOT_THE_PROGRAMS = ("<frozen ", _PACKAGE_FOLDER, _IMPORTLIB_FOLDER)


def _frames(tb: TracebackType | None) -> Iterator[tuple[FrameType, int]]:
    """The traceback's frames and lines, without importlib's and importcraft's own."""
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_NOT_THE_PROGRAMS):
            yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def _step(frame: FrameType, line: int) -> Step:
    module = frame.f_globals.get("__name__")
    file = frame.f_code.co_filename
    path = file if not file.startswith("<") else None
    statement = linecache.getline(file, line).strip() if path else ""
    return Step(module if isinstance(module, str) else "?", path, line, statement)


def _module_file(
    exc: BaseException, module: str, chain: list[Step], start: int | None
) -> str | None:
    if start is not None and chain[start].file is not None:
        return chain[start].file
    path = getattr(exc, "path", None)
    if isinstance(path, str):
        return path
    obj = getattr(exc, "obj", None)
    file = getattr(obj, "__file__", None)
    return file if isinstance(file, str) else None


# -- reading sources ------------------------------------------------------------------------------


def _parse(path: str | None) -> ast.Module | None:
    if path is None:
        return None
    lines = linecache.getlines(path)
    if not lines:
        return None
    try:
        return ast.parse("".join(lines), path)
    except (SyntaxError, ValueError):
        return None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a module's body runs, into if/try/with/for/while but not def or class."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _module_level(getattr(node, name, []))
        for handler in getattr(node, "handlers", []):
            yield from _module_level(handler.body)
        for case in getattr(node, "cases", []):
            yield from _module_level(case.body)


def _bound_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def _definition(tree: ast.Module, file: str, name: str) -> Definition | None:
    """The first module-level statement of ``tree`` binding ``name``."""
    for node in _module_level(tree.body):
        kind = None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            kind = "def"
        elif isinstance(node, ast.ClassDef) and node.name == name:
            kind = "class"
        elif (
            isinstance(node, ast.Assign)
            and any(name in _bound_names(target) for target in node.targets)
        ) or (
            isinstance(node, (ast.AnnAssign, ast.AugAssign))
            and (not isinstance(node, ast.AnnAssign) or node.value is not None)
            and name in _bound_names(node.target)
        ):
            kind = "assignment"
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            _alias_binding(alias) == name for alias in node.names
        ):
            kind = "import"
        elif isinstance(node, (ast.For, ast.AsyncFor)) and name in _bound_names(node.target):
            kind = "for loop"
        if kind is not None:
            statement = linecache.getline(file, node.lineno).strip()
            return Definition(file, node.lineno, kind, statement)
    return None


def _alias_binding(alias: ast.alias) -> str:
    return alias.asname or alias.name.partition(".")[0]


def _statement_at(tree: ast.Module, line: int) -> ast.stmt | None:
    """The innermost module-level statement running at ``line``."""
    found = None
    for node in _module_level(tree.body):
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            found = node
    return found


@dataclass(frozen=True)
class _Use:
    line: int
    function: str | None  # qualified name of the innermost function, None at import time
    function_line: int | None
    name: str = ""  # the name read (a Name's id, an Attribute's attr)


class _Uses(ast.NodeVisitor):
    """Where an expression is read: inside a function body (call time) or at import time."""

    def __init__(self, wanted: Any, lazy_annotations: bool) -> None:
        self.wanted = wanted  # ast.expr -> bool
        self.lazy_annotations = lazy_annotations
        self.scope: list[tuple[str, int, bool]] = []  # (name, line, is_function)
        self.uses: list[_Use] = []

    def _function(self) -> tuple[str | None, int | None]:
        functions = [s for s in self.scope if s[2]]
        if not functions:
            return None, None
        return ".".join(s[0] for s in self.scope), functions[-1][1]

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.expr) and self.wanted(node):
            function, line = self._function()
            name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
            self.uses.append(_Use(node.lineno, function, line, name))
            return
        super().generic_visit(node)

    def _def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        arguments = node.args
        for default in (*arguments.defaults, *arguments.kw_defaults):
            if default is not None:
                self.visit(default)
        if not self.lazy_annotations:
            every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
            extra = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            for argument in (*every, *extra):
                if argument.annotation is not None:
                    self.visit(argument.annotation)
            if node.returns is not None:
                self.visit(node.returns)
        self.scope.append((node.name, node.lineno, True))
        for statement in node.body:
            self.visit(statement)
        self.scope.pop()

    visit_FunctionDef = _def
    visit_AsyncFunctionDef = _def

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.visit(default)
        self.scope.append(("<lambda>", node.lineno, True))
        self.visit(node.body)
        self.scope.pop()

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # `x: T = v`: T runs only at module or class level, and not under future annotations
        in_function = any(scope[2] for scope in self.scope)
        if not self.lazy_annotations and not in_function:
            self.visit(node.annotation)
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(expression)
        self.scope.append((node.name, node.lineno, False))  # a class body runs at import time
        for statement in node.body:
            self.visit(statement)
        self.scope.pop()


def _lazy_annotations(tree: ast.Module) -> bool:
    """Does the module say ``from __future__ import annotations`` (annotations not run)?"""
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )


def _find_uses(tree: ast.Module, wanted: Any, skip: ast.stmt | None) -> list[_Use]:
    visitor = _Uses(wanted, _lazy_annotations(tree))
    for node in tree.body:
        if node is not skip:
            visitor.visit(node)
    return visitor.uses


def _resolve(importer: str, level: int, module: str | None, is_package: bool) -> str:
    """The absolute name a relative ``from`` import in ``importer`` refers to."""
    if level == 0:
        return module or ""
    parts = importer.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([module] if module else [])])


# -- choosing the fix -----------------------------------------------------------------------------


@dataclass
class _Edge:
    """``step`` (a module of the cycle) imports ``imported`` with the statement it stopped at."""

    step: Step
    imported: str
    node: ast.stmt | None
    uses: list[_Use]
    deferrable: bool


class _Analysis:
    def __init__(
        self,
        error_type: str,
        message: str,
        module: str,
        name: str,
        chain: tuple[Step, ...],
        start: int | None,
        failing: Step | None,
        target_file: str | None,
    ) -> None:
        self.error_type, self.message = error_type, message
        self.module, self.name = module, name
        self.chain, self.start, self.failing = chain, start, failing
        self.target_file = target_file
        self.notes: list[str] = []
        self.trees: dict[str, ast.Module | None] = {}

    def tree(self, path: str | None) -> ast.Module | None:
        if path is None:
            return None
        if path not in self.trees:
            self.trees[path] = _parse(path)
        return self.trees[path]

    def explain(self, from_import: bool) -> CycleExplanation:
        definition = self.find_definition()
        fixes: list[Fix] = []
        if self.start is None or not self.chain:
            self.notes.append(
                f"No module-level frame of {self.module!r} is in the traceback: another thread "
                f"may have been importing it (a race between threads, not a cycle), or the "
                f"traceback was cut. Import {self.module!r} once at start-up, before threads run."
            )
        else:
            fixes = self.fixes(from_import, definition)
        return CycleExplanation(
            self.error_type,
            self.message,
            self.module,
            self.name,
            self.chain,
            self.start,
            self.failing,
            definition,
            fixes[0] if fixes else None,
            tuple(fixes[1:]),
            tuple(self.notes),
        )

    def find_definition(self) -> Definition | None:
        file = self.target_file
        tree = self.tree(file)
        if file is None or tree is None:
            self.notes.append(
                f"The source of {self.module!r} could not be read, so where it defines "
                f"{self.name!r} is unknown."
            )
            return None
        definition = _definition(tree, file, self.name)
        stop = self.chain[self.start] if self.start is not None else None
        if definition is None:
            hint = ""
            if any(
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.name == "__getattr__"
                for node in tree.body
            ):
                hint = (
                    " It has a module __getattr__, which Python calls only once the module is done."
                )
            elif any(
                isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
                for node in _module_level(tree.body)
            ):
                hint = " It may come from one of its `import *`."
            self.notes.append(
                f"{_short(file)} binds no {self.name!r} at module level: check the spelling "
                f"(a missing name fails the same way).{hint}"
            )
        elif stop is not None and definition.line > stop.line:
            self.notes.append(
                f"{self.module!r} had not got there: it stopped at {stop.where} "
                f"({stop.statement}) to import {self.chain[self.start + 1].module!r}."
                if self.start is not None and self.start + 1 < len(self.chain)
                else f"{self.module!r} had not got there: it stopped at {stop.where}."
            )
        return definition

    def edge(self, index: int) -> _Edge | None:
        """The import ``chain[index]`` is running, of ``chain[index + 1]``."""
        step = self.chain[index]
        imported = self.chain[index + 1].module
        tree = self.tree(step.file)
        if tree is None:
            return None
        node = _statement_at(tree, step.line)
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            return _Edge(step, imported, node, [], False)
        bound = self.bindings(node, step, imported)
        uses = (
            _find_uses(tree, lambda e: isinstance(e, ast.Name) and e.id in bound, node)
            if bound
            else []
        )
        deferrable = bool(uses) and all(use.function is not None for use in uses)
        return _Edge(step, imported, node, uses, deferrable)

    def bindings(self, node: ast.Import | ast.ImportFrom, step: Step, imported: str) -> set[str]:
        """The names ``node`` binds in ``step``'s module that come from ``imported``."""
        if isinstance(node, ast.Import):
            return {
                _alias_binding(alias)
                for alias in node.names
                if alias.name == imported
                or imported.startswith(alias.name + ".")
                or alias.name.startswith(imported + ".")
            }
        source = _resolve(step.module, node.level, node.module, _is_package(step.file))
        return (
            {alias.asname or alias.name for alias in node.names if alias.name != "*"}
            if (
                source == imported
                or source.startswith(imported + ".")
                or imported.startswith(source + ".")
            )
            else set()
        )

    def fixes(self, from_import: bool, definition: Definition | None) -> list[Fix]:
        assert self.start is not None
        importer = self.chain[-1]
        failing = self.failing
        fixes: list[Fix] = []
        tree = self.tree(importer.file)
        at_import_time = failing is not None and failing.function is not None
        if at_import_time and failing is not None:
            self.notes.append(
                f"{failing.function}() runs while {importer.module!r} is imported (called at "
                f"{importer.where}), so its import counts as one at import time."
            )
        node = _statement_at(tree, importer.line) if tree is not None else None
        uses: list[_Use] = []
        if tree is not None and not at_import_time:
            if from_import and isinstance(node, ast.ImportFrom):
                local = {
                    alias.asname or alias.name for alias in node.names if alias.name == self.name
                }
                uses = _find_uses(tree, lambda e: isinstance(e, ast.Name) and e.id in local, node)
            else:
                refs = self.module_refs(tree, importer)
                uses = _find_uses(
                    tree,
                    lambda e: (
                        isinstance(e, ast.Attribute)
                        and e.attr == self.name
                        and ast.unparse(e.value) in refs
                    ),
                    None,
                )
        late = bool(uses) and all(use.function is not None for use in uses)
        if late and isinstance(node, ast.ImportFrom):
            # Only the missing name moves: the statement may import others used at import time.
            alias = next(alias for alias in node.names if alias.name == self.name)
            alone = ast.ImportFrom(module=node.module, names=[alias], level=node.level)
            move = self.move_fix(importer, node, uses, self.module, alone)
            instead = self.module_fix(importer, node, uses, alias.asname or alias.name)
            functions = {use.function for use in uses}
            fixes += [move, instead] if len(functions) <= 1 else [instead, move]
        # Any other import of the cycle whose names are used only at call time can be deferred.
        for index in range(self.start, len(self.chain) - 1):
            edge = self.edge(index)
            if edge is not None and edge.deferrable and edge.node is not None:
                fixes.append(self.move_fix(edge.step, edge.node, edge.uses, edge.imported))
        fixes.append(self.third_fix(importer, uses, definition))
        return fixes

    def module_refs(self, tree: ast.Module, importer: Step) -> set[str]:
        """The expressions that name the partly initialised module in the importer."""
        refs = {self.module}
        for node in _module_level(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == self.module and alias.asname:
                        refs.add(alias.asname)
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(
                    importer.module, node.level, node.module, _is_package(importer.file)
                )
                for alias in node.names:
                    if f"{source}.{alias.name}" == self.module:
                        refs.add(alias.asname or alias.name)
        return refs

    def move_fix(
        self,
        step: Step,
        node: ast.stmt,
        uses: list[_Use],
        imported: str,
        alone: ast.ImportFrom | None = None,
    ) -> Fix:
        return _move_fix(step.module, step.file, node, uses, imported, alone, self.name)

    def module_fix(self, step: Step, node: ast.ImportFrom, uses: list[_Use], local: str) -> Fix:
        target = self.module
        statement, ref = _module_import(node, target)
        file = _short(step.file)
        lines = ", ".join(f"{file}:{line}" for line in sorted({use.line for use in uses}))
        return Fix(
            IMPORT_MODULE,
            step.file,
            node.lineno,
            f"Replace `{ast.unparse(node)}` at {file}:{node.lineno} with `{statement}`"
            f"{self.keeping(node)}, and write "
            f"`{ref}.{self.name}` where {step.module!r} uses `{local}` ({lines}).\n"
            f"Importing a module still being imported works; its attribute `{self.name}` is "
            f"then looked up when those functions run, once {target!r} has finished.",
        )

    def keeping(self, node: ast.ImportFrom) -> str:
        """What stays of a ``from`` import of several names when the missing one leaves it."""
        rest = [alias for alias in node.names if alias.name != self.name]
        if not rest:
            return ""
        kept = ast.ImportFrom(module=node.module, names=rest, level=node.level)
        return f" (and keep `{ast.unparse(kept)}` for the other names)"

    def third_fix(self, importer: Step, uses: list[_Use], definition: Definition | None) -> Fix:
        assert self.start is not None
        members = [step.module for step in self.chain[self.start :]]
        where = f" ({_short(definition.file)}:{definition.line})" if definition is not None else ""
        at_import = [use for use in uses if use.function is None]
        file = _short(importer.file)
        text = ""
        if at_import:
            lines = ", ".join(f"{file}:{use.line}" for use in at_import)
            text = (
                f"{importer.module!r} uses `{self.name}` at import time ({lines}), and the "
                f"modules of the cycle ({' -> '.join(members)}) need each other while being "
                f"imported.\n"
            )
        is_package = _is_package(self.target_file)
        package = self.module if is_package else self.module.rpartition(".")[0]
        new = f"{package}.shared" if package else "shared"
        folder = os.path.dirname(_short(self.target_file)) if self.target_file else ""
        others = ", ".join(repr(m) for m in dict.fromkeys(members))
        text += (
            f"Move `{self.name}`{where}, with what it needs from {self.module!r}, into a new "
            f"module such as {new!r} ({os.path.join(folder, 'shared.py')}) that imports none "
            f"of {others}; then import it from there in {self.module!r} and in "
            f"{importer.module!r}."
        )
        return Fix(
            THIRD_MODULE,
            definition.file if definition is not None else self.target_file,
            definition.line if definition is not None else None,
            text,
        )


def _is_package(file: str | None) -> bool:
    return file is not None and file.replace("\\", "/").rpartition("/")[2] == "__init__.py"


def _module_import(node: ast.ImportFrom, target: str) -> tuple[str, str]:
    """The statement importing the module ``target`` that ``node`` takes names from, written
    as ``node`` refers to it (relative stays relative), and the name it binds."""
    head, _, leaf = target.rpartition(".")
    if node.level and node.module and "." in node.module:
        return f"from {'.' * node.level}{node.module.rpartition('.')[0]} import {leaf}", leaf
    if node.level and node.module:
        return f"from {'.' * node.level} import {node.module}", node.module
    if head and not node.level:
        return f"from {head} import {leaf}", leaf
    return f"import {target}", target


def _move_fix(
    importer: str,
    path: str | None,
    node: ast.stmt,
    uses: list[_Use],
    imported: str,
    alone: ast.ImportFrom | None = None,
    name: str = "",
) -> Fix:
    """Fix 1: ``node`` (in ``importer``, file ``path``) moves into the functions of ``uses``;
    ``alone``: the part of the statement that moves, when it is not the whole statement (the
    names it takes out are ``name``)."""
    functions: dict[str, int] = {}
    for use in uses:
        if use.function is not None and use.function_line is not None:
            functions.setdefault(use.function, use.function_line)
    file = _short(path)
    where = ", ".join(f"{function}() at {file}:{line}" for function, line in functions.items())
    written = ast.unparse(node)
    statement = written if alone is None else ast.unparse(alone)
    if statement == written:
        remove = f"{file}:{node.lineno} `{written}` is used only inside {where}.\nRemove that line"
    else:
        remove = (
            f"`{name}` of {file}:{node.lineno} `{written}` is used only inside "
            f"{where}.\nTake `{name}` out of that statement"
        )
    return Fix(
        MOVE_IMPORT,
        path,
        node.lineno,
        f"{remove} and write `{statement}` as the first line of "
        f"{'that function' if len(functions) == 1 else 'each of those functions'}: "
        f"{imported!r} is then imported when {importer!r} calls it, after the cycle "
        f"has finished.",
    )
