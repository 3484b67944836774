"""Built-in transformers for :func:`importcraft.transform`.

- :class:`ImportRewriter` rewrites absolute imports of one package to another.
- :class:`CallLogger` logs every call of every function defined in the transformed modules.
- :class:`AssertionRewriter` makes a failing ``assert`` say what its parts were.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    import ast
    from collections.abc import Callable, Mapping

    from .rewrite import TransformInfo

__all__ = ["AssertionRewriter", "CallLogger", "ImportRewriter"]


def _located(new: ast.AST, old: ast.AST) -> ast.AST:
    """``new`` at ``old``'s place in the file, children included (tracebacks, coverage)."""
    import ast

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
        from .core._names import check_module_name

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
        import ast

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
        result: ast.Module = _call_visitor(info.name).visit(tree)
        return result


def _call_visitor(module: str) -> ast.NodeTransformer:
    # Made when first needed: the class needs ast, which a warm import never loads.
    import ast

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

    return _CallVisitor(module)


def _is_generator(node: ast.FunctionDef) -> bool:
    """Whether the function's own body (not a nested one's) yields."""
    import ast

    def walk(body: list[ast.stmt]) -> bool:
        for child in body:
            for inner in _own_nodes(child):
                if isinstance(inner, ast.Yield | ast.YieldFrom):
                    return True
        return False

    return walk(node.body)


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """``node`` and its descendants, without entering nested functions, classes or lambdas."""
    import ast

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


class AssertionRewriter:
    """Make a failing ``assert`` report its expression with the values of its parts.

    ``assert add(2, 3) == 6`` fails with ``assert 5 == 6`` and ``where 5 = add(2, 3)``;
    comparisons of strings, sequences, dicts, sets, dataclasses, attrs classes and named tuples
    say what differs, as pytest's rewritten asserts do. Every part is evaluated exactly once,
    in Python's order, and the message shows the values as they were computed; ``and``/``or``
    and chained comparisons still short-circuit. A message of your own comes first. Under
    ``python -O`` asserts are removed as usual. Example::

        importcraft.transform("tests", AssertionRewriter())
    """

    cache_key = "AssertionRewriter-6"

    def module_globals(self) -> dict[str, object]:
        from .rewrite._assert_explain import ExplainAssertion

        return {"__importcraft_explain_assert__": ExplainAssertion}

    def __call__(self, tree: ast.Module, info: TransformInfo) -> ast.Module:
        from .rewrite._assert_rewrite import rewrite

        return rewrite(tree)
