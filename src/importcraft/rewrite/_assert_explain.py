"""The message of a failed assert rewritten by ``AssertionRewriter``.

Loaded by every module the rewriter transformed, also from the cache: it imports nothing
but ``sys`` at module level (``ast``, ``difflib``, ``pprint`` are imported when an assert fails).

A rewritten module holds one table (``_assert_rewrite``) with an entry per assert: the local
names its test uses, the variables its values were stored in and the test's source;
``_assert_rewrite.spec_of`` turns that back into the spec, which describes the expression (``i``
is the index of the part's value in the tuple of stored values, or None)::

    ("c", literal)                      a constant
    ("v", i)                            any other expression, shown as its repr
    ("n", i, name, is_local)            a name (or the target of :=); i is None for a
                                        global or builtin that was called (shown by name)
    ("a", i, value_spec, attribute)     value.attribute
    ("call", i, func_spec, (arg_spec | ("*", spec), ...), ((keyword | None, spec), ...))
    ("b", i, left_spec, operator, right_spec)
    ("u", i, prefix, operand_spec)      not x, -x, ~x, +x
    ("bool", i, "and" | "or", (spec, ...))
    ("cmp", i, (spec, ...), (operator, ...))

A part whose stored value is the module's table itself was never evaluated (short-circuited).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import FrameType
    from typing import Any

    Spec = Any  # nested tuples, described above
    Where = tuple[str, list["Where"]]

_REPR_LIMIT = 1000  # pytest cuts at 240: a longer cut keeps both of its ends visible
_NO_VALUE = object()


class ExplainAssertion(AssertionError):
    """What a rewritten assert raises: ``raise EXPLAIN``, or ``raise EXPLAIN(MSG)``, or, on a
    line with several asserts, ``raise EXPLAIN(MSG, N)``; the bare class costs the cached code
    least (no call, no arguments). Making it explains the assert that failed in the frame that
    raises it.

    Python raises an instance of the class raised, so the error is of this subclass; it shows
    and pickles as the builtin ``AssertionError`` (its name and module say so)."""

    def __new__(cls, message: object = None, number: int | None = None) -> ExplainAssertion:
        return super().__new__(cls, explain(sys._getframe(1), message, number))

    def __init__(self, *args: object) -> None:
        pass  # the message is set by __new__; BaseException.__init__ would replace it

    def __reduce__(self) -> tuple[type[AssertionError], tuple[object, ...]]:
        return AssertionError, self.args  # unpickled as the builtin AssertionError


ExplainAssertion.__name__ = ExplainAssertion.__qualname__ = "AssertionError"
ExplainAssertion.__module__ = "builtins"


def explain(frame: FrameType, message: object, number: int | None) -> str:
    """The message of the assert that failed in ``frame`` (only called on failure)."""
    from ._assert_rewrite import TABLE_NAME, spec_of

    code = frame.f_code
    if number is not None:
        key = f"#{number}"
    else:
        lasti = frame.f_lasti
        line = next((n for start, end, n in code.co_lines() if start <= lasti < end), None)
        key = str(line)
    table = frame.f_globals.get(TABLE_NAME)
    entry = _entry(table, key) if isinstance(table, str) else None
    if entry is None:
        raise RuntimeError(
            f"importcraft: the assert that failed in {code.co_name} ({code.co_filename}, "
            f"{key!r}) has no entry in the module's {TABLE_NAME}: a transformer after "
            "AssertionRewriter moved its line, or the module's globals were replaced; put "
            "AssertionRewriter last in the pipeline"
        )
    spec, names = spec_of(*entry)
    local = frame.f_locals
    values = tuple(local[name] for name in names)
    state = _State(table, values)  # type: ignore[arg-type]
    inline, wheres = state.explain(spec)
    lines: list[str] = []
    if message is not None:
        lines += (message if isinstance(message, str) else _display(message)).split("\n")
    lines.append(f"assert {inline}")
    _render(wheres, 1, lines)
    if state.details:
        lines.append("")
        lines += ["  " + line if line else "" for line in state.details]
    return "\n".join(lines)


def _entry(table: str, key: str) -> tuple[str, str] | None:
    """The entry of one assert in a module's table: (local names, source).

    An entry is ``key NUL local-names NUL length NUL source`` (the length of the source, so
    that the source may hold any character)."""
    at = 0
    while at < len(table):
        names = table.index("\0", at) + 1
        size = table.index("\0", names) + 1
        start = table.index("\0", size) + 1
        end = start + int(table[size : start - 1])
        if table[at : names - 1] == key:
            return table[names : size - 1], table[start:end]
        at = end
    return None


def _render(wheres: list[Where], level: int, lines: list[str]) -> None:
    for text, inner in wheres:
        lines.append(f"{'  ' * level}where {text}")
        _render(inner, level + 1, lines)


class _State:
    def __init__(self, marker: str, values: tuple[object, ...]) -> None:
        self.marker = marker
        self.values = values
        self.details: list[str] = []  # the diff of the comparison shown

    def value(self, spec: Spec) -> object:
        kind = spec[0]
        if kind == "c":
            return spec[1]
        index = spec[1]
        if index is not None:
            return self.values[index]
        if kind in ("b", "u"):  # constants only: the value Python computed is this one
            return _compute(spec, self.value)
        return _NO_VALUE

    def ran(self, spec: Spec) -> bool:
        """Whether a part ran: the first value stored while it ran is not the marker (the
        value of an operand of ``and``/``or`` is stored only if none of its parts is)."""
        index = _first(spec)
        return index is None or self.values[index] is not self.marker

    def explain(self, spec: Spec) -> tuple[str, list[Where]]:
        """The inline text of a part and the "where" lines that explain it."""
        kind = spec[0]
        if kind == "c":
            return _display(spec[1]), []
        if kind == "v":
            return _display(self.value(spec)), []
        if kind == "n":
            if spec[1] is None:  # a global or builtin that was called: shown by its name
                return str(spec[2]), []
            value = self.value(spec)
            return (_display(value) if spec[3] or _shown_by_value(value) else str(spec[2])), []
        if kind == "a":
            inner, wheres = self.explain(spec[2])
            shown = _display(self.value(spec))
            return shown, [(f"{shown} = {inner}.{spec[3]}", wheres)]
        if kind == "call":
            return self._call(spec)
        if kind == "b":
            left, left_wheres = self.explain(spec[2])
            right, right_wheres = self.explain(spec[4])
            return f"({left} {spec[3]} {right})", left_wheres + right_wheres
        if kind == "u":
            inner, wheres = self.explain(spec[3])
            return f"{spec[2]}{inner}", wheres
        if kind == "bool":
            texts: list[str] = []
            wheres = []
            for operand in spec[3]:
                if not self.ran(operand):
                    break  # short-circuited: neither it nor what follows ran
                text, inner_wheres = self.explain(operand)
                texts.append(text)
                wheres += inner_wheres
            return "(" + f" {spec[2]} ".join(texts) + ")", wheres
        return self._compare(spec)

    def _call(self, spec: Spec) -> tuple[str, list[Where]]:
        function, wheres = self.explain(spec[2])
        shown: list[str] = []
        for argument in spec[3]:
            prefix = ""
            if argument[0] == "*":
                prefix, argument = "*", argument[1]
            text, inner = self.explain(argument)
            shown.append(prefix + text)
            wheres += inner
        for keyword, argument in spec[4]:
            text, inner = self.explain(argument)
            shown.append(f"{keyword}={text}" if keyword is not None else f"**{text}")
            wheres += inner
        result = _display(self.value(spec))
        return result, [(f"{result} = {function}({', '.join(shown)})", wheres)]

    def _compare(self, spec: Spec) -> tuple[str, list[Where]]:
        operands: Sequence[Spec] = spec[2]
        operators: Sequence[str] = spec[3]
        # The pair shown is the last one evaluated: in a < b < c the one that was false.
        last = max(k for k in range(1, len(operands)) if k == 1 or self.ran(operands[k]))
        left_spec, right_spec = operands[last - 1], operands[last]
        operator = operators[last - 1]
        left, left_wheres = self.explain(left_spec)
        right, right_wheres = self.explain(right_spec)
        if left_spec[0] in ("cmp", "bool"):
            left = f"({left})"
        if right_spec[0] in ("cmp", "bool"):
            right = f"({right})"
        left_value, right_value = self.value(left_spec), self.value(right_spec)
        details: list[str] = []
        if left_value is not _NO_VALUE and right_value is not _NO_VALUE:
            try:
                details = _compare_details(operator, left_value, right_value)
            except Exception as exc:  # a broken __eq__ must not hide the assertion
                details = [f"(explaining the comparison raised {exc!r})"]
        if details:
            # As pytest: the values themselves, then what differs between them.
            left, right = _display(left_value), _display(right_value)
            self.details += details
        return f"{left} {operator} {right}", left_wheres + right_wheres


def _first(spec: Spec) -> int | None:
    """The index of the first value stored while a part ran (the smallest), or None."""
    kind = spec[0]
    if kind == "c":
        return None
    children: list[Spec] = []
    if kind == "a":
        children = [spec[2]]
    elif kind == "call":
        children = [spec[2], *(a[1] if a[0] == "*" else a for a in spec[3])]
        children += [argument for _, argument in spec[4]]
    elif kind == "b":
        children = [spec[2], spec[4]]
    elif kind == "u":
        children = [spec[3]]
    elif kind in ("bool", "cmp"):
        children = list(spec[3] if kind == "bool" else spec[2])
    indices = [i for i in (spec[1], *map(_first, children)) if i is not None]
    return min(indices) if indices else None


def _compute(spec: Spec, value_of: Callable[[Spec], object]) -> object:
    import operator

    functions: dict[str, Callable[..., object]] = {
        "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
        "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
        ">>": operator.rshift, "|": operator.or_, "^": operator.xor, "&": operator.and_,
        "@": operator.matmul, "not ": operator.not_, "~": operator.invert, "-u": operator.neg,
        "+u": operator.pos,
    }  # fmt: skip
    try:
        if spec[0] == "u":
            symbol = spec[2] if spec[2] in ("not ", "~") else spec[2] + "u"
            return functions[symbol](value_of(spec[3]))
        return functions[spec[3]](value_of(spec[2]), value_of(spec[4]))
    except Exception:
        return _NO_VALUE


def _shown_by_value(value: object) -> bool:
    """A global or builtin name is shown as its value unless it names something (a function,
    class or module), as pytest does."""
    if callable(value):
        return False
    try:
        return not hasattr(value, "__name__")
    except Exception:
        return True


def _display(value: object) -> str:
    """The repr of a value on one line, shortened in the middle; a bound method by its name."""
    if type(value).__name__ == "method" and hasattr(value, "__self__"):
        return str(getattr(value, "__name__", "method"))
    return _cut(_repr(value), _REPR_LIMIT).replace("\n", "\\n")


def _repr(value: object) -> str:
    try:
        return repr(value)
    except BaseException as exc:  # a broken __repr__ must not hide the assertion
        where = f"{type(value).__name__} object at 0x{id(value):x}"
        return f"<[{_repr_of_exception(exc)} raised in repr()] {where}>"


def _repr_of_exception(exc: BaseException) -> str:
    try:
        return repr(exc)
    except BaseException:
        return f"unpresentable {type(exc).__name__}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = (limit - 3) // 2
    return text[:head] + "..." + text[len(text) - (limit - 3 - head) :]


# -- what differs between the two sides of a failed comparison ----------------------------------


def _compare_details(operator: str, left: object, right: object) -> list[str]:
    if operator == "==":
        return _equal_details(left, right)
    if operator == "not in":
        if isinstance(left, str) and isinstance(right, str):
            return _contained_here(left, right)
        return []
    if isinstance(left, set | frozenset) and isinstance(right, set | frozenset):
        if operator == "!=" or (operator in ("<", ">") and left == right):
            return ["Both sets are equal"]
        if operator in (">=", ">"):
            return _extra_items("right", right - left)
        if operator in ("<=", "<"):
            return _extra_items("left", left - right)
    return []


def _equal_details(left: object, right: object) -> list[str]:
    if isinstance(left, str) and isinstance(right, str):
        return _text_diff(left, right)
    for side, other in ((left, right), (right, left)):
        compare = getattr(type(side), "_repr_compare", None)
        if callable(compare):  # pytest.approx and its kind explain themselves
            return list(compare(side, other))
    if type(left) is type(right) and _fields(left) is not None:
        return _field_diff(left, right)
    from collections.abc import Sequence

    if _is_sequence(left, Sequence) and _is_sequence(right, Sequence):
        return _sequence_diff(left, right)  # type: ignore[arg-type]
    if isinstance(left, set | frozenset) and isinstance(right, set | frozenset):
        return _extra_items("left", left - right) + _extra_items("right", right - left)
    if isinstance(left, dict) and isinstance(right, dict):
        return _dict_diff(left, right)
    return []


def _is_sequence(value: object, sequence: type) -> bool:
    return isinstance(value, sequence) and not isinstance(value, str)


def _text_diff(left: str, right: str) -> list[str]:
    import difflib

    lines: list[str] = []
    if left.isspace() or right.isspace():
        left, right = repr(left), repr(right)
        lines.append("Strings contain only whitespace, escaping them using repr()")
    # The right side is taken as the expected text: "-" is expected, "+" is what came.
    diff = difflib.ndiff(right.splitlines(keepends=True), left.splitlines(keepends=True))
    return lines + [line.strip("\n") for line in diff]


def _contained_here(term: str, text: str) -> list[str]:
    start = text.find(term)
    without = text[:start] + text[start + len(term) :]
    lines = [f"{_repr(term)} is contained here:"]
    for line in _text_diff(text, without):
        if line.startswith("- "):
            continue
        lines.append("  " + line[2:] if line.startswith("+ ") else line)
    return lines


def _sequence_diff(left: Sequence[Any], right: Sequence[Any]) -> list[str]:
    lines: list[str] = []
    both_bytes = isinstance(left, bytes) and isinstance(right, bytes)
    for index in range(min(len(left), len(right))):
        if left[index] != right[index]:
            if both_bytes:
                a, b = left[index : index + 1], right[index : index + 1]
            else:
                a, b = left[index], right[index]
            lines.append(f"At index {index} diff: {_repr(a)} != {_repr(b)}")
            break
    if both_bytes:
        return lines
    more = len(left) - len(right)
    if more:
        side, longer, extra = ("Left", left, more) if more > 0 else ("Right", right, -more)
        first = _display(longer[min(len(left), len(right))])
        if extra == 1:
            lines.append(f"{side} contains one more item: {first}")
        else:
            lines.append(f"{side} contains {extra} more items, first extra item: {first}")
    return lines


def _extra_items(side: str, items: set[object] | frozenset[object]) -> list[str]:
    if not items:
        return []
    return [f"Extra items in the {side} set:", *(_display(item) for item in items)]


def _dict_diff(left: dict[object, object], right: dict[object, object]) -> list[str]:
    from pprint import pformat

    common = [key for key in left if key in right]
    same = [key for key in common if left[key] == right[key]]
    differing = [key for key in common if left[key] != right[key]]
    lines: list[str] = []
    if same:
        lines.append(f"Omitting {len(same)} identical items")
    if differing:
        lines.append("Differing items:")
        lines += [f"{_display({k: left[k]})} != {_display({k: right[k]})}" for k in differing]
    for side, one, other in (("Left", left, right), ("Right", right, left)):
        extra = {key: one[key] for key in one if key not in other}
        if extra:
            plural = "" if len(extra) == 1 else "s"
            lines.append(f"{side} contains {len(extra)} more item{plural}:")
            lines += pformat(extra).splitlines()
    return lines


def _fields(value: object) -> list[str] | None:
    """The compared fields of a dataclass, attrs class or named tuple, or None."""
    if hasattr(type(value), "__dataclass_fields__"):
        import dataclasses

        return [field.name for field in dataclasses.fields(value) if field.compare]  # type: ignore[arg-type]
    attributes = getattr(type(value), "__attrs_attrs__", None)
    if attributes is not None:
        return [a.name for a in attributes if getattr(a, "eq", True)]
    names = getattr(type(value), "_fields", None)
    if isinstance(value, tuple) and isinstance(names, tuple):
        return list(names)
    return None


def _field_diff(left: object, right: object) -> list[str]:
    from pprint import pformat

    fields = _fields(left) or []
    same = [f for f in fields if getattr(left, f) == getattr(right, f)]
    differing = [f for f in fields if f not in same]
    lines: list[str] = []
    if same:
        lines.append(f"Omitting {len(same)} identical items")
    if differing:
        lines.append("Differing attributes:")
        lines += pformat(differing).splitlines()
        for name in differing:
            a, b = getattr(left, name), getattr(right, name)
            lines += ["", f"Drill down into differing attribute {name}:"]
            lines.append(f"  {name}: {_repr(a)} != {_repr(b)}")
            lines += ["  " + line for line in _equal_details(a, b)]
    return lines
