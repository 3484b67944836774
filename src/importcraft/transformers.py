"""Built-in transformers for :func:`importcraft.transform`.

- :class:`ImportRewriter` rewrites absolute imports of one package to another.
- :class:`CallLogger` logs every call of every function defined in the transformed modules.
- :class:`AssertionRewriter` makes a failing ``assert`` say what its parts were.
"""

from __future__ import annotations

import ast
import builtins

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ._transform import TransformInfo

__all__ = ["AssertionRewriter", "CallLogger", "ImportRewriter"]


def _located(new: ast.AST, old: ast.AST) -> ast.AST:
    """``new`` at ``old``'s place in the file, children included (tracebacks, coverage)."""
    for node in ast.walk(new):
        ast.copy_location(node, old)
    return new


# -- ImportRewriter ----------------------------------------------------------------------------


class ImportRewriter:
    """Rewrite absolute imports of ``old`` and ``old.*`` to ``new`` and ``new.*``.

    ``mapping`` is ``{"old": "new", ...}``; the most specific entry applies. The names the
    imports bind do not change: ``import old`` becomes ``import new as old``,
    ``from old.sub import x`` becomes ``from new.sub import x``. Example::

        importcraft.transform("legacy_app", ImportRewriter({"simplejson": "json"}))
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        from ._names import check_module_name

        for old, new in mapping.items():
            check_module_name(old, "ImportRewriter name")
            check_module_name(new, "ImportRewriter target")
        self.mapping = dict(mapping)
        self.cache_key = repr(sorted(self.mapping.items()))

    def _rewrite(self, name: str) -> str | None:
        covering = [o for o in self.mapping if name == o or name.startswith(o + ".")]
        if not covering:
            return None
        old = max(covering, key=len)
        return self.mapping[old] + name[len(old) :]

    def __call__(self, tree: ast.Module, info: TransformInfo) -> ast.Module:
        rewriter = self

        class Visitor(ast.NodeTransformer):
            def visit_Import(self, node: ast.Import) -> ast.AST | list[ast.AST]:
                statements: list[ast.AST] = []
                for alias in node.names:
                    target = rewriter._rewrite(alias.name)
                    if target is None:
                        statements.append(ast.Import(names=[alias]))
                    elif alias.asname is not None:
                        statements.append(ast.Import(names=[ast.alias(target, alias.asname)]))
                    elif "." not in alias.name:
                        statements.append(ast.Import(names=[ast.alias(target, alias.name)]))
                    else:
                        # `import old.sub` binds `old`; that works only if `old` itself maps
                        # to a top-level package, which __import__(target) then returns.
                        top = alias.name.split(".")[0]
                        new_top = rewriter._rewrite(top)
                        if new_top is None or "." in new_top:
                            raise ValueError(
                                f"{info.filename}:{node.lineno}: ImportRewriter cannot rewrite "
                                f"`import {alias.name}`: the name it binds, {top!r}, does not "
                                f"map to a top-level package; write `import {alias.name} as "
                                "name` instead"
                            )
                        load = ast.Call(
                            ast.Name("__import__", ast.Load()), [ast.Constant(target)], []
                        )
                        statements.append(ast.Assign([ast.Name(top, ast.Store())], load))
                return [_located(statement, node) for statement in statements]

            def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
                if node.level == 0 and node.module is not None:
                    target = rewriter._rewrite(node.module)
                    if target is not None:
                        node.module = target
                return node

        result: ast.Module = Visitor().visit(tree)
        return result


# -- CallLogger --------------------------------------------------------------------------------

# Names of the helpers the transformed code calls: valid identifiers (``importcraft show`` prints
# code that compiles), dunder-shaped so that class bodies do not mangle them, and unlike any name
# a module would use.
_LOG_NAME = "__importcraft_log_call__"
_WRAP_NAME = "__importcraft_wrap_call__"


class CallLogger:
    """Log each call of every function, method, nested function, coroutine function and
    generator function defined in the transformed modules, with its qualified name.

    ``log`` gets one string per call, ``"call module.Class.method"``. A generator or coroutine
    function is logged when it is called, not when its body first runs (the mistake of the
    classic version of this example): such functions get a thin wrapper that logs and returns
    the generator or coroutine (``asyncio.iscoroutinefunction`` stays true; on 3.11
    ``inspect.iscoroutinefunction`` of the wrapper is false). Other functions get one statement
    at the top of their body. Example::

        importcraft.transform("shapes", CallLogger(log=logging.getLogger("calls").info))
    """

    cache_key = "CallLogger-2"  # the log function is handed to each run, not compiled in

    def __init__(self, log: Callable[[str], object] = print) -> None:
        self.log = log

    def module_globals(self) -> dict[str, object]:
        return {_LOG_NAME: self.log, _WRAP_NAME: _wrapper_factory(self.log)}

    def __call__(self, tree: ast.Module, info: TransformInfo) -> ast.Module:
        result: ast.Module = _CallVisitor(info.name).visit(tree)
        return result


class _CallVisitor(ast.NodeTransformer):
    def __init__(self, module: str) -> None:
        self.module = module
        self.scope: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        qualname = ".".join([*self.scope, node.name])
        label = f"call {self.module}.{qualname}"
        self.scope += [node.name, "<locals>"]
        self.generic_visit(node)
        del self.scope[-2:]
        lazy_body = isinstance(node, ast.AsyncFunctionDef) or _is_generator(node)
        if lazy_body:
            call = ast.Call(ast.Name(_WRAP_NAME, ast.Load()), [ast.Constant(label)], [])
            node.decorator_list.append(_located(call, node))  # type: ignore[arg-type]
        else:
            log = ast.Expr(ast.Call(ast.Name(_LOG_NAME, ast.Load()), [ast.Constant(label)], []))
            first = node.body[0]
            has_docstring = (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            )
            node.body.insert(1 if has_docstring else 0, _located(log, first))  # type: ignore[arg-type]
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def _is_generator(node: ast.FunctionDef) -> bool:
    """Whether the function's own body (not a nested one's) yields."""

    def walk(body: list[ast.stmt]) -> bool:
        for child in body:
            for inner in _own_nodes(child):
                if isinstance(inner, ast.Yield | ast.YieldFrom):
                    return True
        return False

    return walk(node.body)


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """``node`` and its descendants, without entering nested functions, classes or lambdas."""
    found = [node]
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        found += _own_nodes(child)
    return found


def _wrapper_factory(log: Callable[[str], object]) -> Callable[[str], Callable[..., object]]:
    def decorator(label: str) -> Callable[..., object]:
        def wrap(function: Callable[..., object]) -> Callable[..., object]:
            import functools
            import inspect

            @functools.wraps(function)
            def called(*args: object, **kwargs: object) -> object:
                log(label)
                return function(*args, **kwargs)

            if inspect.iscoroutinefunction(function):
                _mark_coroutine_function(called)
            return called

        return wrap

    return decorator


def _mark_coroutine_function(function: Callable[..., object]) -> None:
    """Keep ``inspect``/``asyncio.iscoroutinefunction`` true for a wrapped coroutine function."""
    import inspect

    mark = getattr(inspect, "markcoroutinefunction", None)  # 3.12+
    if mark is not None:
        mark(function)
    else:
        import asyncio.coroutines

        function._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]


# -- AssertionRewriter ---------------------------------------------------------------------------

_EXPLAIN_NAME = "__importcraft_explain_assert__"


class AssertionRewriter:
    """Make a failing ``assert`` report its expression with the values of its parts.

    ``assert add(2, 3) == 6`` fails with ``assert 5 == 6`` and ``where 5 = add(2, 3)``;
    comparisons of strings, lists, tuples, dicts and sets add a short diff. Every part is
    evaluated exactly once, in the original order, and ``and``/``or`` still short-circuit. A
    message of your own comes first. A passing assert only stores its parts' values; under
    ``python -O`` asserts are removed as usual. Example::

        importcraft.transform("tests", AssertionRewriter())
    """

    cache_key = "AssertionRewriter-2"

    def module_globals(self) -> dict[str, object]:
        return {_EXPLAIN_NAME: explain}

    def __call__(self, tree: ast.Module, info: TransformInfo) -> ast.Module:
        result: ast.Module = _AssertVisitor().visit(tree)
        return result


class _AssertVisitor(ast.NodeTransformer):
    def __init__(self) -> None:
        self.in_function = False

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> ast.AST:
        outer, self.in_function = self.in_function, True
        self.generic_visit(node)
        self.in_function = outer
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        outer, self.in_function = self.in_function, False
        self.generic_visit(node)
        self.in_function = outer
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        temps: list[str] = []
        test, spec = _capture(node.test, temps)
        # explain(spec, the names now bound, message) only runs when the assert fails.
        message = node.msg if node.msg is not None else ast.Constant(None)
        spec_constant = ast.Constant(spec)  # type: ignore[arg-type]  # a tuple constant
        local_names = ast.Call(ast.Name("locals", ast.Load()), [], [])
        global_names = ast.Call(ast.Name("globals", ast.Load()), [], [])
        explain_call = ast.Name(_EXPLAIN_NAME, ast.Load())
        arguments = [spec_constant, local_names, global_names, message]
        explanation = ast.Call(explain_call, arguments, [])
        raise_ = ast.Raise(
            ast.Call(ast.Name("AssertionError", ast.Load()), [explanation], []), None
        )
        failing = ast.If(ast.UnaryOp(ast.Not(), test), [raise_], [])
        body: list[ast.stmt] = [failing]
        if temps and not self.in_function:
            # A module's or class's namespace would keep the values: let go of them. (In a
            # function they go when it returns; clearing would cost every passing assert.)
            clear = ast.Assign([ast.Name(t, ast.Store()) for t in temps], ast.Constant(None))
            body.append(clear)
        guarded = ast.If(ast.Name("__debug__", ast.Load()), body, [])  # removed under -O
        return _located(guarded, node)


def _capture(node: ast.expr, temps: list[str]) -> tuple[ast.expr, tuple[object, ...]]:
    """``node`` with its parts' values stored as they are computed, and how to explain them.

    The spec is plain data (it is a constant in the compiled code): ("value", temp, source)
    | ("const", value) | ("name", identifier) | ("compare", [operand specs], [operators])
    | ("bool", "and"/"or", [specs]) | ("not", spec).
    """

    def value(expr: ast.expr) -> tuple[ast.expr, tuple[object, ...]]:
        # A constant is its own source; a plain name can be read again when explaining a
        # failure (reading a name has no side effects): neither costs a passing assert anything.
        if isinstance(expr, ast.Constant):
            return expr, ("const", expr.value)
        if isinstance(expr, ast.Name):
            return expr, ("name", expr.id)
        name = f"__importcraft_assert_{len(temps)}__"
        temps.append(name)
        stored = ast.NamedExpr(ast.Name(name, ast.Store()), expr)
        return stored, ("value", name, ast.unparse(expr))

    if isinstance(node, ast.Compare):
        operands: list[ast.expr] = []
        specs: list[object] = []
        for operand in (node.left, *node.comparators):
            captured, spec = value(operand)
            operands.append(captured)
            specs.append(spec)
        compare = ast.Compare(operands[0], node.ops, operands[1:])
        operators = [_OPERATORS[type(op)] for op in node.ops]
        return compare, ("compare", tuple(specs), tuple(operators))
    if isinstance(node, ast.BoolOp):
        values = [_capture(value, temps) for value in node.values]
        kind = "and" if isinstance(node.op, ast.And) else "or"
        boolop = ast.BoolOp(node.op, [value for value, _ in values])
        return boolop, ("bool", kind, tuple(spec for _, spec in values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner, spec = _capture(node.operand, temps)
        return ast.UnaryOp(ast.Not(), inner), ("not", spec)
    return value(node)


_OPERATORS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}

_UNSET = object()


def explain(
    spec: tuple[object, ...],
    local_names: Mapping[str, object],
    global_names: Mapping[str, object],
    message: object,
) -> str:
    """The text of a failed assertion (called by rewritten code, only when it fails)."""
    values = _Values(local_names, global_names)
    wheres: list[str] = []
    line = _render(spec, values, wheres)
    parts = [] if message is None else [str(message)]
    parts.append(f"assert {line}")
    parts += [f"  where {where}" for where in wheres]
    if spec[0] == "compare":
        parts += _comparison_diff(spec, values)
    return "\n".join(parts)


class _Values:
    """The value of a part of an assertion: stored, a constant, or a name read again."""

    def __init__(self, local_names: Mapping[str, object], global_names: Mapping[str, object]):
        self.local_names = local_names
        self.global_names = global_names

    def of(self, spec: tuple[object, ...]) -> object:
        kind = spec[0]
        if kind == "const":
            return spec[1]
        if kind == "value":
            return self.local_names.get(spec[1], _UNSET)  # type: ignore[call-overload]
        name = spec[1]
        for namespace in (self.local_names, self.global_names):
            if name in namespace:
                return namespace[name]  # type: ignore[index]
        return getattr(builtins, name, _UNSET)  # type: ignore[call-overload]


def _render(spec: tuple[object, ...], values: _Values, wheres: list[str]) -> str:
    kind = spec[0]
    if kind in ("value", "const", "name"):
        value = values.of(spec)
        source = spec[2] if kind == "value" else None
        if value is _UNSET:
            return f"({source or spec[1]}: not evaluated)"
        shown = _short_repr(value)
        if source is not None and shown != source:
            wheres.append(f"{shown} = {source}")
        return shown
    if kind == "compare":
        _, operands, operators = spec
        text = _render(operands[0], values, wheres)  # type: ignore[index]
        for operator, operand in zip(operators, operands[1:], strict=True):  # type: ignore[call-overload, index]
            text += f" {operator} {_render(operand, values, wheres)}"
        return text
    if kind == "bool":
        _, word, parts = spec
        return "(" + f" {word} ".join(_render(p, values, wheres) for p in parts) + ")"  # type: ignore[attr-defined]
    _, inner = spec
    return f"not {_render(inner, values, wheres)}"  # type: ignore[arg-type]


def _short_repr(value: object, limit: int = 240) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not hide the assertion
        text = f"<{type(value).__name__} object; repr() raised {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _comparison_diff(spec: tuple[object, ...], values: _Values) -> list[str]:
    """A short diff for a failed ``a == b`` of strings, sequences, dicts or sets."""
    _, operands, operators = spec
    if list(operators) != ["=="]:  # type: ignore[call-overload]
        return []
    left = values.of(operands[0])  # type: ignore[index]
    right = values.of(operands[1])  # type: ignore[index]
    if left is _UNSET or right is _UNSET:
        return []
    if isinstance(left, str) and isinstance(right, str):
        return _diff_text(left, right)
    if isinstance(left, dict) and isinstance(right, dict):
        return _diff_dicts(left, right)
    if isinstance(left, set | frozenset) and isinstance(right, set | frozenset):
        lines = []
        if left - right:
            lines.append(f"  only on the left: {_short_repr(sorted(left - right, key=repr))}")
        if right - left:
            lines.append(f"  only on the right: {_short_repr(sorted(right - left, key=repr))}")
        return lines
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            if a != b:
                return [
                    f"  first difference at index {index}: {_short_repr(a)} != {_short_repr(b)}"
                ]
        if len(left) != len(right):
            longer, side = (left, "left") if len(left) > len(right) else (right, "right")
            extra = longer[min(len(left), len(right))]
            return [
                f"  the {side} has {abs(len(left) - len(right))} more item(s), first: "
                f"{_short_repr(extra)}"
            ]
    return []


def _diff_text(left: str, right: str) -> list[str]:
    if "\n" not in left and "\n" not in right:
        index = next(
            (i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b),
            min(len(left), len(right)),
        )
        return [
            f"  strings differ at index {index}: "
            f"{left[index : index + 20]!r} != {right[index : index + 20]!r}"
        ]
    import difflib

    diff = list(
        difflib.unified_diff(
            left.splitlines(), right.splitlines(), "left", "right", lineterm="", n=1
        )
    )
    return ["  " + line for line in diff[2:14]]


def _diff_dicts(left: dict[object, object], right: dict[object, object]) -> list[str]:
    differing = [k for k in left if k in right and left[k] != right[k]]
    lines = [
        f"  differing at {key!r}: {_short_repr(left[key])} != {_short_repr(right[key])}"
        for key in differing[:5]
    ]
    only_left = [k for k in left if k not in right]
    only_right = [k for k in right if k not in left]
    if only_left:
        lines.append(f"  keys only on the left: {_short_repr(only_left)}")
    if only_right:
        lines.append(f"  keys only on the right: {_short_repr(only_right)}")
    return lines
