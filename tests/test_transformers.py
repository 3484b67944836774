"""The built-in transformers: AssertionRewriter, CallLogger, ImportRewriter."""

from __future__ import annotations

import ast
import asyncio
import importlib
import pickle
import sys
import traceback
from typing import Any

import pytest

import importcraft
from importcraft.transformers import AssertionRewriter, CallLogger, ImportRewriter

from .conftest import run_python

CHECKS = """\
import sys
counter = []

def add(a, b):
    counter.append((a, b))
    return a + b

def call_fail():
    assert add(2, 3) == 6

def call_pass():
    assert add(1, 1) == 2

def with_message():
    items = [1, 2, 3]
    assert items == [1, 2, 4], "the items are wrong"

def short_circuit():
    empty = []
    assert empty and add(0, 0)

def or_both():
    assert 0 or add(0, 0)

def negated():
    ready = True
    assert not ready

def strings():
    assert "hello world" == "hello there"

def lines():
    assert "a\\nb\\nc" == "a\\nB\\nc"

def dicts():
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3, "c": 4}

def sets():
    assert {1, 2} == {2, 3}

def lists_longer():
    assert [1, 2] == [1, 2, 3]

def attribute():
    assert sys.maxsize < 0

def chained():
    assert 1 < add(1, 1) < 2
"""


@pytest.fixture
def checks(tree: Any) -> Any:
    sys.path.insert(0, str(tree({"checks.py": CHECKS})))
    importcraft.transform("checks", AssertionRewriter())
    return importlib.import_module("checks")


def failure(function: Any) -> str:
    with pytest.raises(AssertionError) as info:
        function()
    return str(info.value)


def test_the_issue_example(checks: Any) -> None:
    assert failure(checks.call_fail) == "assert 5 == 6\n  where 5 = add(2, 3)"
    assert checks.counter == [(2, 3)], "each part is evaluated exactly once"


def test_a_passing_assert_runs_each_part_once_and_raises_nothing(checks: Any) -> None:
    checks.call_pass()
    assert checks.counter == [(1, 1)]


def test_the_users_message_comes_first_and_lists_get_a_diff(checks: Any) -> None:
    assert failure(checks.with_message) == (
        "the items are wrong\nassert [1, 2, 3] == [1, 2, 4]\n\n  At index 2 diff: 3 != 4"
    )


def test_and_or_still_short_circuit(checks: Any) -> None:
    assert failure(checks.short_circuit) == "assert ([])"
    assert checks.counter == []
    assert failure(checks.or_both) == "assert (0 or 0)\n  where 0 = add(0, 0)"
    assert checks.counter == [(0, 0)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("negated", "assert not True"),
        ("strings", "- hello there\n  + hello world"),
        ("lines", "    a\n  - B\n  + b\n    c"),
        ("dicts", "Differing items:\n  {'b': 2} != {'b': 3}\n  Right contains 1 more item:"),
        ("sets", "Extra items in the left set:\n  1\n  Extra items in the right set:\n  3"),
        ("lists_longer", "Right contains one more item: 3"),
        ("attribute", f"assert {sys.maxsize} < 0\n  where {sys.maxsize} = sys.maxsize"),
        ("chained", "assert 2 < 2\n  where 2 = add(1, 1)"),
    ],
)
def test_explanations(checks: Any, name: str, expected: str) -> None:
    assert expected in failure(getattr(checks, name))


# The three asserts of issue 11 that reported values Python never saw.
NEVER_SEEN = """COUNT = 1

def bump():
    global COUNT
    COUNT += 1
    return COUNT

def walrus():
    x = 1
    assert x == (x := 2)

def mutated_global():
    assert COUNT == bump()

def shadowed_locals():
    locals = globals = AssertionError = bool = "mine"
    value = 3
    assert value == 4

def skipped_in_a_loop():
    for item in [1, 0]:
        assert item and item + 1 == 2
"""


@pytest.fixture
def never_seen(tree: Any) -> Any:
    sys.path.insert(0, str(tree({"never_seen.py": NEVER_SEEN})))
    importcraft.transform("never_seen", AssertionRewriter())
    return importlib.import_module("never_seen")


def test_a_walrus_shows_the_value_before_it_was_rebound(never_seen: Any) -> None:
    assert failure(never_seen.walrus) == "assert 1 == 2"


def test_a_global_is_shown_as_read_before_a_call_changed_it(never_seen: Any) -> None:
    assert failure(never_seen.mutated_global) == "assert 1 == 2\n  where 2 = bump()"


def test_user_names_shadowing_builtins_do_not_break_the_message(never_seen: Any) -> None:
    assert failure(never_seen.shadowed_locals) == "assert 3 == 4"


def test_a_part_skipped_this_time_is_not_shown_with_last_times_value(never_seen: Any) -> None:
    assert failure(never_seen.skipped_in_a_loop) == "assert (0)"


def test_the_failing_line_is_the_asserts_line(checks: Any) -> None:
    with pytest.raises(AssertionError) as info:
        checks.call_fail()
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.lineno, frame.line) == (9, "assert add(2, 3) == 6")


def test_asserts_are_removed_under_dash_o(tree: Any) -> None:
    root = tree({"checks.py": CHECKS})
    code = """
        import sys, importcraft
        from importcraft.transformers import AssertionRewriter
        sys.path.insert(0, sys.argv[1])
        importcraft.transform("checks", AssertionRewriter())
        import checks
        checks.call_fail()
        print("no assert ran", checks.counter)
    """
    import subprocess
    import textwrap

    done = subprocess.run(
        [sys.executable, "-O", "-c", textwrap.dedent(code), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no assert ran []"


def test_module_and_class_level_asserts(tree: Any) -> None:
    source = "X = 1\nassert X == 1\nclass K:\n    Y = 2\n    assert Y == 2\n"
    sys.path.insert(0, str(tree({"toplevel.py": source})))
    importcraft.transform("toplevel", AssertionRewriter())
    module = importlib.import_module("toplevel")
    assert module.K.Y == 2
    held = [k for k, v in vars(module).items() if k.startswith("__importcraft_assert_") and v]
    assert held == [], "the values of a passed assert are let go"


def test_a_broken_repr_does_not_hide_the_failure(tree: Any) -> None:
    source = (
        "class Bad:\n    def __repr__(self):\n        raise RuntimeError\n"
        "def check():\n    assert Bad() == 1\n"
    )
    sys.path.insert(0, str(tree({"badrepr.py": source})))
    importcraft.transform("badrepr", AssertionRewriter())
    module = importlib.import_module("badrepr")
    assert "<[RuntimeError() raised in repr()] Bad object at 0x" in failure(module.check)


EDGES = """\
class Odd:
    def __eq__(self, other):
        return False

    def __ne__(self, other):
        raise ValueError("no ne")

    def __repr__(self):
        return "Odd()"


class BadError(Exception):
    def __repr__(self):
        raise RuntimeError


class Unpresentable:
    def __repr__(self):
        raise BadError


def double(x):
    return x * 2


def broken_element_comparison():
    assert [Odd()] == [1]


def compare_of_compares():
    assert (1 < 2) == (double(1) > 5)


def constant_expressions():
    assert -(2 + 3) == ~0 + 1


def long_repr():
    assert "x" * 2000 == double("y")


def unpresentable():
    assert Unpresentable() == 1


def proper_subset():
    assert {1, 2} < {1}


def caught():
    try:
        raise KeyError("k")
    except KeyError as error:
        assert error is None
"""


@pytest.fixture
def edges(tree: Any) -> Any:
    sys.path.insert(0, str(tree({"edges.py": EDGES})))
    importcraft.transform("edges", AssertionRewriter())
    return importlib.import_module("edges")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "broken_element_comparison",
            "assert [Odd()] == [1]\n\n  (explaining the comparison raised ValueError('no ne'))",
        ),
        ("compare_of_compares", "assert (1 < 2) == (2 > 5)\n  where 2 = double(1)"),
        ("constant_expressions", "assert -(2 + 3) == (~0 + 1)"),
        ("proper_subset", "assert {1, 2} < {1}\n\n  Extra items in the left set:\n  2"),
        ("caught", "assert KeyError('k') is None"),
    ],
)
def test_edge_explanations(edges: Any, name: str, expected: str) -> None:
    assert failure(getattr(edges, name)) == expected


def test_a_long_repr_is_cut_in_the_middle(edges: Any) -> None:
    first = failure(edges.long_repr).splitlines()[0]
    assert first.startswith("assert 'xxx")
    assert "xxx...xxx" in first
    assert len(first) < 1100
    assert first.endswith("' == 'yy'")


def test_a_repr_whose_exception_cannot_be_shown_either(edges: Any) -> None:
    assert "<[unpresentable BadError raised in repr()] Unpresentable object at 0x" in failure(
        edges.unpresentable
    )


def test_a_warm_import_loads_only_the_cached_code(tree: Any) -> None:
    """Issue 11: no ast, re, enum (or importlib.util and what it pulls in) on a warm import."""
    root = tree({"warm_checks.py": CHECKS})
    code = """
        import sys
        before = set(sys.modules)  # under coverage, the child has loaded ast and more already
        import importcraft
        from importcraft.transformers import AssertionRewriter
        sys.path.insert(0, sys.argv[1])
        importcraft.transform("warm_checks", AssertionRewriter())
        import warm_checks
        warm_checks.call_pass()
        print(importcraft.transform_status("warm_checks").split(" /")[0])
        heavy = ("ast", "re", "enum", "difflib", "contextlib", "importlib.util", "collections")
        print(sorted(m for m in heavy if m in sys.modules and m not in before))
    """
    env = {"IMPORTCRAFT_CACHE_DIR": str(root / "cache")}
    cold = run_python(code, str(root), env=env)
    assert cold.returncode == 0, cold.stderr
    warm = run_python(code, str(root), env=env)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.split("\n")[:2] == ["transformed (from the cache", "[]"], warm.stdout


# -- CallLogger ---------------------------------------------------------------------------------

CALLS = '''\
class Shape:
    def area(self):
        """The area."""
        return 1

    @staticmethod
    def unit():
        return 1

    def points(self):
        yield 1
        yield 2

    async def fetch(self):
        return 2

def outer():
    def inner():
        return 3
    return inner()

async def stream():
    yield 1
'''


def test_every_kind_of_function_is_logged_when_called(tree: Any) -> None:
    sys.path.insert(0, str(tree({"calls_mod.py": CALLS})))
    log: list[str] = []
    importcraft.transform("calls_mod", CallLogger(log.append))
    import calls_mod

    shape = calls_mod.Shape()
    shape.area()
    calls_mod.Shape.unit()
    points = shape.points()
    assert log[-1] == "call calls_mod.Shape.points", "logged at the call, before iterating"
    assert list(points) == [1, 2]
    coroutine = shape.fetch()
    assert log[-1] == "call calls_mod.Shape.fetch", "logged at the call, before awaiting"
    assert asyncio.run(coroutine) == 2
    calls_mod.outer()
    calls_mod.stream()
    assert log == [
        "call calls_mod.Shape.area",
        "call calls_mod.Shape.unit",
        "call calls_mod.Shape.points",
        "call calls_mod.Shape.fetch",
        "call calls_mod.outer",
        "call calls_mod.outer.<locals>.inner",
        "call calls_mod.stream",
    ]
    assert calls_mod.Shape.area.__doc__ == "The area."
    assert calls_mod.Shape.fetch.__name__ == "fetch"
    assert asyncio.iscoroutinefunction(calls_mod.Shape.fetch)


# -- ImportRewriter -----------------------------------------------------------------------------


def test_imports_are_rewritten_and_bind_the_same_names(tree: Any) -> None:
    source = (
        "import oldjson\n"
        "import oldjson.decoder\n"
        "import oldjson as j\n"
        "import oldjson.decoder as dec\n"
        "from oldjson import dumps\n"
        "from oldjson.decoder import JSONDecodeError\n"
        "import colorsys\n"
    )
    sys.path.insert(0, str(tree({"rewritten.py": source})))
    importcraft.transform("rewritten", ImportRewriter({"oldjson": "json"}))
    import json
    import json.decoder

    import rewritten

    assert rewritten.oldjson is json
    assert rewritten.j is json
    assert rewritten.dec is json.decoder
    assert rewritten.dumps is json.dumps
    assert rewritten.JSONDecodeError is json.decoder.JSONDecodeError
    assert rewritten.colorsys.__name__ == "colorsys"


def test_an_import_that_cannot_keep_its_binding_is_refused(tree: Any) -> None:
    sys.path.insert(0, str(tree({"cannot.py": "import old.sub\n"})))
    importcraft.transform("cannot", ImportRewriter({"old.sub": "new"}))
    with pytest.raises(ValueError, match=r"cannot\.py:1: ImportRewriter cannot rewrite"):
        import cannot  # noqa: F401


def test_transformers_in_a_fresh_interpreter(tree: Any) -> None:
    root = tree({"fresh_checks.py": CHECKS})
    result = run_python(
        """
        import sys, importcraft
        from importcraft.transformers import AssertionRewriter
        sys.path.insert(0, sys.argv[1])
        importcraft.transform("fresh_checks", AssertionRewriter())
        import fresh_checks
        fresh_checks.call_fail()
        """,
        str(root),
    )
    assert "AssertionError: assert 5 == 6\n  where 5 = add(2, 3)" in result.stderr


SHOWN = """\
class Shape:
    def area(self):
        \"\"\"Doc.\"\"\"
        assert self.size() > 0, "empty"
        return 1

    def size(self):
        return 2


async def fetch():
    return 1


def numbers():
    yield 1
"""


@pytest.mark.parametrize("transformer", ["CallLogger", "AssertionRewriter"])
def test_what_show_prints_is_valid_python(tree: Any, transformer: str) -> None:
    root = tree({"shown/__init__.py": "", "shown/shapes.py": SHOWN})
    result = run_python(
        "from importcraft.cli._main import main; raise SystemExit(main())",
        "show",
        "shown.shapes",
        "--path",
        str(root),
        "--transform",
        f"shown=importcraft.transformers:{transformer}",
    )
    assert result.returncode == 0, result.stderr
    assert "__importcraft_" in result.stdout
    compile(result.stdout, "shown", "exec")  # raises SyntaxError if it is not Python


SHARED_LINES = """\
import pickle

def two(a, b):
    assert a == 1; assert b == 2, "b"

def in_finally(x):
    try:
        pass
    finally:
        assert x == 1

def in_loop(values):
    for value in values:
        assert value < 2 or value > 5
"""


def test_each_assert_on_a_shared_line_explains_itself(tree: Any) -> None:
    sys.path.insert(0, str(tree({"shared.py": SHARED_LINES})))
    importcraft.transform("shared", AssertionRewriter())
    module = importlib.import_module("shared")
    assert failure(lambda: module.two(0, 2)) == "assert 0 == 1"
    assert failure(lambda: module.two(1, 3)) == "b\nassert 3 == 2"
    # The compiler copies a finally block (one copy per way out): both copies explain it.
    assert failure(lambda: module.in_finally(2)) == "assert 2 == 1"
    # A part skipped this time is not shown with the value an earlier round stored.
    assert failure(lambda: module.in_loop([6, 3])) == "assert (3 < 2 or 3 > 5)"


def test_the_error_is_an_assertion_error_as_shown_and_pickled(checks: Any) -> None:
    with pytest.raises(AssertionError) as info:
        checks.call_fail()
    error = info.value
    assert type(error).__name__ == "AssertionError"
    assert repr(error) == "AssertionError('assert 5 == 6\\n  where 5 = add(2, 3)')"
    assert "".join(traceback.format_exception_only(error)).startswith("AssertionError: assert 5")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is AssertionError
    assert again.args == error.args


def test_a_transformer_that_moves_the_asserts_afterwards_is_named(tree: Any) -> None:
    def move(module: ast.Module, info: Any) -> ast.Module:
        return ast.increment_lineno(module, 100)

    sys.path.insert(0, str(tree({"moved.py": "def f(x):\n    assert x == 1\n"})))
    importcraft.transform("moved", AssertionRewriter(), move, cache=False)
    module = importlib.import_module("moved")
    with pytest.raises(RuntimeError, match="put AssertionRewriter last"):
        module.f(2)


def test_module_and_class_level_failures_are_explained(tree: Any) -> None:
    source = "X = [1]\nclass K:\n    Y = 2\n    assert Y == X[0] + 2, 'in K'\n"
    sys.path.insert(0, str(tree({"failing_top.py": source})))
    importcraft.transform("failing_top", AssertionRewriter())
    with pytest.raises(AssertionError) as info:
        importlib.import_module("failing_top")
    assert str(info.value) == "in K\nassert 2 == (1 + 2)"
