"""The corpus of failing asserts: AssertionRewriter's message holds everything pytest's does.

Each shape is one function of a corpus module. The module is run once under real pytest (its
own assertion rewriting, in a subprocess) and its functions are called once each under
importcraft's AssertionRewriter. For every shape, every line pytest printed after ``E`` must be
*held* by importcraft's message, as defined by :func:`holds` (and in docs/transform.md):

- Both texts are cut into lines and each line is normalised: surrounding whitespace, a leading
  ``AssertionError:``, a leading ``+`` and a leading ``where``/``and`` word are removed, runs of
  whitespace become one space, memory addresses (``0x7f...``) become ``0x?``. Empty lines go.
- pytest's lines that only say how to get more output (``Use -v to get more diff``,
  ``...Full output truncated (N lines hidden), use '-vv' to show``) are dropped, and a trailing
  ``, use -vv to show`` / ``, use -v to show`` is cut.
- A pytest line is held if an importcraft line is equal to it, or, where pytest shortened a repr
  with ``...``, if the pieces between its ``...`` appear in that order in one importcraft line
  (importcraft shortens later: 1000 characters, pytest 240 or fewer).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import importcraft
from importcraft.transformers import AssertionRewriter

PRELUDE = '''
import collections
import dataclasses

import pytest

G = 1


def f(x=None, *args, **kwargs):
    return x


def add(a, b):
    return a + b


def double(x):
    return x * 2


def none():
    return None


def bump():
    global G
    G += 1
    return G


class Box:
    def __init__(self, items=(1, 2)):
        self.items = list(items)

    def count(self):
        return len(self.items)

    @property
    def size(self):
        return len(self.items)

    def __repr__(self):
        return f"Box({self.items!r})"


def make(*items):
    return Box(items or (1, 2))


@dataclasses.dataclass
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Segment:
    start: Point
    end: Point
    label: str = dataclasses.field(default="", compare=False)


Pair = collections.namedtuple("Pair", "left right")


class _Field:
    def __init__(self, name):
        self.name = name
        self.eq = True


class AttrsLike:
    """Shaped like an attrs class (attrs is not a test dependency): __attrs_attrs__."""

    __attrs_attrs__ = (_Field("a"), _Field("b"))

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __eq__(self, other):
        return (self.a, self.b) == (other.a, other.b)

    def __repr__(self):
        return f"AttrsLike(a={self.a!r}, b={self.b!r})"


class Broken:
    def __repr__(self):
        raise RuntimeError("no repr")
'''

# name -> body of `def test_<name>():`. Shown with pytest's default verbosity.
SHAPES = {
    "false": "assert False",
    "zero": "assert 0",
    "none_call": "assert none()",
    "local_name": "x = 0\nassert x",
    "global_name": "assert G == 2",
    "eq_ints": "assert 1 == 2",
    "eq_call": "assert add(2, 3) == 6",
    "two_calls": "assert double(1) == double(2)",
    "len_list": "assert len([1, 2, 3]) == 4",
    "nested_call": "assert double(add(1, 2)) == 7",
    "keyword_argument": "assert f(x=1) == 2",
    "star_arguments": "args = (1,)\nassert f(*args) == 2",
    "double_star_arguments": "kw = {'x': 1}\nassert f(**kw) == 2",
    "mixed_arguments": "assert f(1, 2, *[3], k=4) == 2",
    "attribute": "box = Box()\nassert box.items == [1]",
    "attribute_chain": "assert make().items == [1]",
    "method_call": "assert make().count() == 4",
    "property": "assert make(1).size == 2",
    "attribute_in_call": "assert len(make().items) == 3",
    "method_with_arguments": "box = Box()\nassert box.items.count(1) == 2",
    "module_attribute": "assert collections.OrderedDict is dict",
    "not_equal": "assert 1 != 1",
    "less": "assert 3 < 2",
    "less_equal": "assert double(2) <= 3",
    "greater": "assert 1 > double(1)",
    "greater_equal": "assert 1 >= 2",
    "is_": "assert none() is Box",
    "is_not": "assert none() is not None",
    "in_list": "assert 5 in [1, 2]",
    "not_in_list": "assert 1 not in [1, 2]",
    "in_string": "assert 'x' in 'abc'",
    "not_in_string": "assert 'lo' not in 'hello'",
    "not_in_string_lines": "assert 'b' not in 'a\\nb\\nc'",
    "in_dict": "assert 'k' in {'a': 1}",
    "chained_first_false": "assert 3 < 2 < 5",
    "chained_second_false": "assert 1 < double(1) < 2",
    "and_first_false": "assert [] and f(0)",
    "and_second_false": "assert 1 and f(0)",
    "or_all_false": "assert 0 or f(0)",
    "and_compare": "assert f(1) and double(1) == 3",
    "nested_compare": "assert (double(1) == 3) and True",
    "not_call": "assert not double(1)",
    "not_name": "ready = True\nassert not ready",
    "binop": "assert double(1) + 2 == 5",
    "binop_float": "assert 0.1 + 0.2 == 0.3",
    "unary_minus": "assert -double(1) == 2",
    "subscript": "x = [1]\nassert x[0] == 2",
    "walrus": "x = 1\nassert x == (x := 2)",
    "global_changed_by_call": "assert bump() == G + 5",
    "message": "assert f(0), 'custom message'",
    "message_fstring": "n = 3\nassert n == 4, f'n was {n}'",
    "message_not_str": "assert 0, 42",
    "message_lines": "assert 0, 'one\\ntwo'",
    "isinstance": "assert isinstance(1, str)",
    "generator_all": "assert all(x > 0 for x in [1, -1])",
    "comprehension": "assert [x for x in range(3)] == [0, 1]",
    "conditional_expression": "assert (1 if f(0) else 0)",
    "fstring": "n = 1\nassert f'{n}' == '2'",
    "in_a_loop": "for i in range(3):\n    assert i < 2",
    "local_lambda": "g = lambda: 1\nassert g() == 2",
    "bytes": "assert b'abc' == b'abd'",
    "list_differs": "assert [1, 2, 3] == [1, 2, 4]",
    "list_left_longer": "assert [1, 2, 3] == [1, 2]",
    "list_right_longer_many": "assert [1] == [1, 2, 3]",
    "tuple_from_call": "assert divmod(7, 2) == (3, 2)",
    "long_lists": "assert list(range(100)) == list(range(101))",
    "dict_differs": "assert {'a': 1, 'b': 2} == {'a': 1, 'b': 3, 'c': 4}",
    "dict_left_extra": "assert {'a': 1, 'z': 2, 'y': 3} == {'a': 1}",
    "dict_nested": "assert {'a': [1, 2]} == {'a': [1, 3]}",
    "set_differs": "assert {1, 2} == {2, 3}",
    "frozenset": "assert frozenset([1]) == frozenset([2])",
    "set_subset": "assert {1, 2} <= {2, 3}",
    "set_superset": "assert {1} >= {1, 2}",
    "set_not_equal": "assert {1} != {1}",
    "dataclass": "assert Point(1, 2) == Point(1, 3)",
    "dataclass_nested": (
        "assert Segment(Point(0, 0), Point(1, 2)) == Segment(Point(0, 0), Point(1, 3))"
    ),
    "namedtuple": "assert Pair(1, 2) == Pair(1, 3)",
    "attrs_like": "assert AttrsLike(1, 2) == AttrsLike(1, 3)",
    "approx": "assert 2.1 == pytest.approx(2.0)",
    "approx_list": "assert [1.0, 2.1] == pytest.approx([1.0, 2.0])",
    "broken_repr": "assert Broken() == 1",
}

# Strings: pytest shortens their diff unless -v, so this module runs with -v.
VERBOSE_SHAPES = {
    "text": "assert 'hello world' == 'hello there'",
    "text_lines": "assert 'a\\nb\\nc' == 'a\\nB\\nc'",
    "text_whitespace": "assert ' ' == '  '",
    "text_long": "assert 'a' * 100 == 'a' * 99 + 'b'",
    "text_from_call": "assert f('spam') == 'eggs'",
}

CORPORA = {"icorpus_plain": (SHAPES, []), "icorpus_verbose": (VERBOSE_SHAPES, ["-v"])}


def corpus_source(shapes: dict[str, str]) -> str:
    functions = [
        f"def test_{name}():\n{textwrap.indent(body, '    ')}\n" for name, body in shapes.items()
    ]
    return PRELUDE + "\n\n" + "\n\n".join(functions)


_SECTION = re.compile(r"^_{3,} (test_\w+) _{3,}$")


def pytest_messages(path: Path, options: list[str]) -> dict[str, list[str]]:
    """Run the corpus file under pytest once; each test's ``E`` lines, prefix removed."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--color=no",
            *options,
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        timeout=300,
        check=False,
    )
    messages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in done.stdout.splitlines():
        section = _SECTION.match(line)
        if section:
            current = messages.setdefault(section.group(1), [])
        elif current is not None and line.startswith("E "):
            current.append(line[1:])
    return messages


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("corpus")
    found = {}
    for module, (shapes, options) in CORPORA.items():
        path = root / f"{module}.py"
        path.write_text(corpus_source(shapes))
        found[module] = (root, pytest_messages(path, options))
    return found


def normalise(lines: list[str], from_pytest: bool) -> list[str]:
    result = []
    for line in lines:
        line = line.strip()
        line = line.removeprefix("AssertionError:").strip()
        line = line.removeprefix("+").strip()
        line = re.sub(r"^(where|and)\s+", "", line)
        line = re.sub(r"0x[0-9a-fA-F]+", "0x?", line)
        line = re.sub(r"\s+", " ", line).strip()
        if from_pytest:
            if re.fullmatch(r"Use -v to get (more|the full) diff", line):
                continue
            if line.startswith("...Full output truncated"):
                continue
            line = re.sub(r", use -vv? to show$", "", line)
        if line:
            result.append(line)
    return result


def holds(ours: list[str], theirs: str) -> bool:
    """Whether one of our normalised lines holds one of pytest's (see the module docstring)."""
    if theirs in ours:
        return True
    if "..." not in theirs:
        return False
    pieces = theirs.split("...")
    for line in ours:
        start = 0
        for piece in pieces:
            found = line.find(piece, start)
            if found < 0:
                break
            start = found + len(piece)
        else:
            return True
    return False


def importcraft_message(root: Path, module: str, name: str) -> str:
    sys.path.insert(0, str(root))
    importcraft.transform(module, AssertionRewriter())
    loaded = importlib.import_module(module)
    with pytest.raises(AssertionError) as info:
        getattr(loaded, f"test_{name}")()
    return str(info.value)


CASES = [(module, name) for module, (shapes, _) in CORPORA.items() for name in shapes]


def test_the_corpus_has_at_least_60_distinct_shapes() -> None:
    bodies = [body for shapes, _ in CORPORA.values() for body in shapes.values()]
    assert len(set(bodies)) == len(bodies) >= 60


@pytest.mark.parametrize(("module", "name"), CASES, ids=[n for _, n in CASES])
def test_importcraft_holds_what_pytest_shows(corpora: Any, module: str, name: str) -> None:
    root, messages = corpora[module]
    theirs = normalise(messages.get(f"test_{name}", []), from_pytest=True)
    assert theirs, f"pytest showed nothing for test_{name}: is the corpus broken?"
    message = importcraft_message(root, module, name)
    ours = normalise(message.splitlines(), from_pytest=False)
    missing = [line for line in theirs if not holds(ours, line)]
    assert not missing, (
        f"importcraft's message lacks pytest's lines {missing}\n"
        f"--- pytest:\n" + "\n".join(messages[f"test_{name}"]) + f"\n--- importcraft:\n{message}"
    )
