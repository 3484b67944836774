"""The AST side of ``AssertionRewriter``: each ``assert`` stores its parts as they are computed.

``assert TEST, MSG`` becomes::

    if __debug__:
        t2 = t3 = TABLE                 # only parts that may be skipped (and/or, a < b < c)
        if not TEST':                   # TEST with each part stored as it is computed (:=)
            raise EXPLAIN(MSG)          # without a message: raise EXPLAIN

and the module starts (after its docstring and ``__future__`` imports) with
``if __debug__: __importcraft_asserts__ = TABLE``. ``TABLE`` is one string constant for the
whole module, shared by every function that uses it: per assert, the line it is on, the local
names its test uses, the variables its values were stored in, in order, and the test's source,
from which the explainer rebuilds the description (``spec_of``). Raising the bare class
``EXPLAIN`` makes Python call it with no argument: the explainer then finds the assert by the
line the raising frame is at, and reads the stored values from that frame's variables. On a
line with several asserts the line does not tell which one failed: they raise
``EXPLAIN(MSG, N)``, N naming the entry. The failure path of an assert is thus two instructions
(three and its message's): what makes the cached code bigger than the plain ``.pyc`` is mostly
the stores of the parts' values, which every passing assert runs too.

``TABLE`` also marks a part that was never evaluated, which no value of the user's can be.
Nothing is evaluated again after the fact: the values read are the ones Python computed, in
its order, once, held in variables only the rewritten code writes. The one exception costs
nothing and changes nothing: a function's own variable that no nested scope mentions and the
assert does not rebind (with ``:=``) is read as itself instead of being stored again, as
nothing can have changed it. Expressions of constants are not stored (the compiler folds them).
Names the user can rebind (``locals``, ``AssertionError``, ``bool``) are never used. The nodes
made here have no column (the assert's line only): it keeps the line table of the cached code
small. A transformer that moves lines must therefore come before ``AssertionRewriter``.
"""

from __future__ import annotations

import ast

from ._engine import top_of_module

EXPLAIN_NAME = "__importcraft_explain_assert__"
TABLE_NAME = "__importcraft_asserts__"

_BINOPS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.MatMult: "@",
}
_UNARY = {ast.Not: "not ", ast.Invert: "~", ast.USub: "-", ast.UAdd: "+"}
_COMPARE = {
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


def _constant(node: ast.expr) -> bool:
    """Whether ``node`` is made of constants only (the compiler folds it: nothing to store)."""
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _constant(node.left) and _constant(node.right)
    return isinstance(node, ast.Constant)


_NESTED_SCOPES = (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def rewrite(tree: ast.Module) -> ast.Module:
    """Rewrite every ``assert`` of the module."""
    lines: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            lines[node.lineno] = lines.get(node.lineno, 0) + 1
    shared = frozenset(line for line, count in lines.items() if count > 1)
    visitor = _Visitor(_bound_names(tree.body), shared)
    result: ast.Module = visitor.visit(tree)
    if visitor.entries:
        table = "".join(visitor.entries)
        for marker in visitor.markers:
            marker.value = table
        body = result.body
        at = top_of_module(body)
        store = ast.Assign([ast.Name(TABLE_NAME, ast.Store())], ast.Constant(table))
        guarded = ast.If(ast.Name("__debug__", ast.Load()), [store], [])
        body.insert(at, _located(guarded, body[at]))  # type: ignore[arg-type]
    return result


def _located(new: ast.AST, old: ast.AST) -> ast.AST:
    """The nodes made for ``old`` get its line; the user's own nodes keep their place."""
    for node in ast.walk(new):
        if not hasattr(node, "lineno") and "lineno" in node._attributes:
            line = old.lineno  # type: ignore[attr-defined]
            # -1: no column. Setattr, as mypy knows AST nodes without positions.
            for attribute, value in (("lineno", line), ("end_lineno", line)):
                setattr(node, attribute, value)
            for attribute in ("col_offset", "end_col_offset"):
                setattr(node, attribute, -1)
    return new


def _bound_names(body: list[ast.stmt], arguments: ast.arguments | None = None) -> frozenset[str]:
    """Names a scope binds itself (what ``locals()`` would hold), not entering nested scopes."""
    names: set[str] = set()
    declared: set[str] = set()
    if arguments is not None:
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        names.update(a.arg for a in every)
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            stack += node.decorator_list
            continue
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, _NESTED_SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(names - declared)


class _Visitor(ast.NodeTransformer):
    def __init__(self, module_names: frozenset[str], shared_lines: frozenset[int]) -> None:
        self.local_names = module_names
        self.shared_lines = shared_lines  # lines with more than one assert
        self.entries: list[str] = []  # the module's table, one entry per assert
        self.markers: list[ast.Constant] = []  # to hold the table once it is complete
        self.stable: frozenset[str] = frozenset()
        self.in_function = False

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        outer = (self.local_names, self.stable, self.in_function)
        # A function's locals() holds its own names and the free variables it uses.
        own = _bound_names(node.body, node.args)
        self.local_names = own | (self.local_names if self.in_function else frozenset())
        # Its own variables that no nested scope mentions are plain (fast) locals: only the
        # assert itself (with :=) could rebind one while it runs.
        self.stable = own - _names_in_nested_scopes(node)
        self.in_function = True
        self.generic_visit(node)
        self.local_names, self.stable, self.in_function = outer
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        outer = (self.local_names, self.stable, self.in_function)
        self.local_names, self.stable, self.in_function = (
            _bound_names(node.body),
            frozenset(),
            False,
        )
        self.generic_visit(node)
        self.local_names, self.stable, self.in_function = outer
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        # The spec is rebuilt from the test's source when the assert fails (spec_of): the
        # module's table holds a short text per assert, not the whole description.
        source = ast.unparse(node.test)
        used = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        walrus = [n.target for n in ast.walk(node.test) if isinstance(n, ast.NamedExpr)]
        rebound = {target.id for target in walrus}
        stable = self.stable - rebound
        capture = _Capture(self.local_names, stable)
        test, _ = capture.part(node.test, conditional=False)
        arguments: list[ast.expr] = [] if node.msg is None else [node.msg]
        if node.lineno in self.shared_lines:  # the line does not tell which assert failed
            key = f"#{len(self.entries)}"
            arguments = [arguments[0] if arguments else ast.Constant(None)]
            arguments.append(ast.Constant(len(self.entries)))
        else:
            key = str(node.lineno)
        # The local names the test uses, "=" before those read as themselves: from them and
        # the source, spec_of makes the same capture again, and so knows each value's variable.
        names = ",".join(("=" if n in stable else "") + n for n in sorted(used & self.local_names))
        self.entries.append(f"{key}\0{names}\0{len(source)}\0{source}")
        explain: ast.expr = ast.Name(EXPLAIN_NAME, ast.Load())
        if arguments:
            explain = ast.Call(explain, arguments, [])
        body: list[ast.stmt] = []
        if capture.conditional:
            unset: list[ast.expr] = [ast.Name(t, ast.Store()) for t in capture.conditional]
            marker = ast.Constant("")  # the module's table, once it is complete
            self.markers.append(marker)
            body.append(ast.Assign(unset, marker))
        body.append(ast.If(ast.UnaryOp(ast.Not(), test), [ast.Raise(explain, None)], []))
        if capture.temps and not self.in_function:
            # A module's or class's namespace would keep the values: let go of them. (In a
            # function they go when it returns; clearing would cost every passing assert.)
            stores: list[ast.expr] = [ast.Name(t, ast.Store()) for t in capture.temps]
            body.append(ast.Assign(stores, ast.Constant(None)))
        guarded = ast.If(ast.Name("__debug__", ast.Load()), body, [])  # removed under -O
        return _located(guarded, node)


TEMPORARY = "__importcraft_assert_{}__"


Spec = tuple[object, ...]


def spec_of(names: str, source: str) -> tuple[Spec, list[str]]:
    """The spec of a rewritten assert and the variables its values are in, in order, from its
    entry in the module's table (see visit_Assert)."""
    test = ast.parse(source, mode="eval").body
    local_names = [name.lstrip("=") for name in names.split(",")]
    stable = [name[1:] for name in names.split(",") if name.startswith("=")]
    capture = _Capture(frozenset(local_names), frozenset(stable))
    spec = capture.part(test, False)[1]
    return spec, capture.values


def _names_in_nested_scopes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(function):
        if node is not function and isinstance(node, (*_SCOPES, *_NESTED_SCOPES)):
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return names


class _Capture:
    """Builds one assert's stored expression and its spec (plain tuples, see _assert_explain)."""

    def __init__(self, local_names: frozenset[str], stable: frozenset[str]) -> None:
        self.local_names = local_names
        self.stable = stable  # locals read again on failure: nothing can have rebound them
        self.values: list[str] = []  # the names whose values the explainer gets, in order
        self.temps: list[str] = []  # those of them made here
        self.conditional: list[str] = []

    def store(self, expr: ast.expr, conditional: bool) -> tuple[ast.expr, int]:
        index = len(self.values)
        if isinstance(expr, ast.Name) and expr.id in self.stable and not conditional:
            self.values.append(expr.id)  # a fast local: storing it again would only cost
            return expr, index
        name = TEMPORARY.format(len(self.temps))
        self.values.append(name)
        self.temps.append(name)
        if conditional:
            self.conditional.append(name)
        stored = ast.NamedExpr(ast.Name(name, ast.Store()), expr)
        ast.copy_location(stored.target, expr)
        return ast.copy_location(stored, expr), index

    def part(
        self, node: ast.expr, conditional: bool, marked: bool = False, in_bool: bool = False
    ) -> tuple[ast.expr, Spec]:
        """``node`` rebuilt to store its parts; ``marked``: its own value must be stored too
        (it tells whether a part that may be skipped ran); ``in_bool``: it is an operand of
        ``and``/``or``, whose value is never shown, so a part of it that was stored tells as
        well (the first stored part runs whenever the operand does)."""
        before = len(self.values)
        if isinstance(node, ast.BoolOp):
            parts = [
                self.part(v, conditional or i > 0, i > 0, in_bool=True)
                for i, v in enumerate(node.values)
            ]
            rebuilt: ast.expr = ast.BoolOp(node.op, [p for p, _ in parts])
            word = "and" if isinstance(node.op, ast.And) else "or"
            spec: Spec = ("bool", word, tuple(s for _, s in parts))
            return self._maybe(rebuilt, spec, conditional, marked, in_bool, before)
        if isinstance(node, ast.Compare):
            left = self.part(node.left, conditional)
            rest = [
                self.part(c, conditional or i > 0, i > 0) for i, c in enumerate(node.comparators)
            ]
            rebuilt = ast.Compare(left[0], node.ops, [p for p, _ in rest])
            operators = tuple(_COMPARE[type(op)] for op in node.ops)
            specs = (left[1], *(s for _, s in rest))
            spec = ("cmp", specs, operators)
            return self._maybe(rebuilt, spec, conditional, marked, in_bool, before)
        if not marked and _constant(node):
            return node, self._constant_spec(node)
        if isinstance(node, ast.UnaryOp):
            operand, inner = self.part(node.operand, conditional)
            stored, index = self.store(ast.UnaryOp(node.op, operand), conditional)
            return stored, ("u", index, _UNARY[type(node.op)], inner)
        if isinstance(node, ast.BinOp):
            left_part, left_spec = self.part(node.left, conditional)
            right_part, right_spec = self.part(node.right, conditional)
            stored, index = self.store(ast.BinOp(left_part, node.op, right_part), conditional)
            return stored, ("b", index, left_spec, _BINOPS[type(node.op)], right_spec)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            stored, index = self.store(node, conditional)
            return stored, ("n", index, node.id, node.id in self.local_names)
        if isinstance(node, ast.NamedExpr):
            stored, index = self.store(node, conditional)
            return stored, ("n", index, node.target.id, True)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            value, value_spec = self.part(node.value, conditional)
            stored, index = self.store(ast.Attribute(value, node.attr, ast.Load()), conditional)
            return stored, ("a", index, value_spec, node.attr)
        if isinstance(node, ast.Call):
            called = node.func
            func: ast.expr
            func_spec: Spec
            if isinstance(called, ast.Name) and called.id not in self.local_names:
                # A global or builtin that was called is callable, so it is shown by its name
                # (see _shown_by_value): its value need not be stored.
                func, func_spec = called, ("n", None, called.id, False)
            else:
                func, func_spec = self.part(called, conditional)
            args: list[ast.expr] = []
            arg_specs: list[object] = []
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    value, spec = self.part(arg.value, conditional)
                    args.append(ast.Starred(value, ast.Load()))
                    arg_specs.append(("*", spec))
                else:
                    value, spec = self.part(arg, conditional)
                    args.append(value)
                    arg_specs.append(spec)
            keywords: list[ast.keyword] = []
            keyword_specs: list[object] = []
            for keyword in node.keywords:
                value, spec = self.part(keyword.value, conditional)
                keywords.append(ast.keyword(keyword.arg, value))
                keyword_specs.append((keyword.arg, spec))
            call = ast.Call(func, args, keywords)
            stored, index = self.store(call, conditional)
            return stored, ("call", index, func_spec, tuple(arg_specs), tuple(keyword_specs))
        # Anything else (subscripts, displays, comprehensions, lambdas, f-strings, await, ...)
        # is one value, shown as its repr; nothing inside it is touched.
        stored, index = self.store(node, conditional)
        return stored, ("v", index)

    def _constant_spec(self, node: ast.expr) -> Spec:
        """The spec of an expression of constants (its value is worked out on failure)."""
        if isinstance(node, ast.UnaryOp):
            return ("u", None, _UNARY[type(node.op)], self._constant_spec(node.operand))
        if isinstance(node, ast.BinOp):
            left, right = self._constant_spec(node.left), self._constant_spec(node.right)
            return ("b", None, left, _BINOPS[type(node.op)], right)
        return ("c", node.value)  # type: ignore[attr-defined]

    def _maybe(
        self,
        rebuilt: ast.expr,
        spec: Spec,
        conditional: bool,
        marked: bool,
        in_bool: bool,
        before: int,
    ) -> tuple[ast.expr, Spec]:
        if not marked or (in_bool and len(self.values) > before):
            return rebuilt, (*spec[:1], None, *spec[1:])
        stored, index = self.store(rebuilt, conditional)
        return stored, (*spec[:1], index, *spec[1:])
