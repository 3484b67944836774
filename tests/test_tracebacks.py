"""Tracebacks through importcraft show the user's frames, trimmed as CPython trims importlib's."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import importcraft

from .conftest import run_python

OURS = os.path.dirname(importcraft.__file__)


def frames(stderr: str) -> list[str]:
    """The ``File "...", line N, in name`` lines of a printed traceback."""
    return [line.strip() for line in stderr.splitlines() if line.strip().startswith("File ")]


def assert_only_user_frames(stderr: str, expected: list[str]) -> None:
    shown = frames(stderr)
    assert not [f for f in shown if OURS in f or "<frozen importlib" in f], stderr
    assert [f.split(", in ")[-1] for f in shown] == expected, stderr


VIRTUAL = """
import importcraft
importcraft.virtual({
    "app": "import app.inner\\n",
    "app.inner": "def fail():\\n    raise ValueError('boom')\\n\\nfail()\\n",
})
import app
"""


def test_an_error_in_a_virtual_modules_body() -> None:
    result = run_python(VIRTUAL)
    assert result.stderr.rstrip().endswith("ValueError: boom"), result.stderr
    # the script's import, app's import of app.inner, app.inner's body, fail()
    assert_only_user_frames(result.stderr, ["<module>", "<module>", "<module>", "fail"])


def test_a_syntax_error_in_a_virtual_module() -> None:
    result = run_python(VIRTUAL.replace("fail()\\n", "fail(\\n"))
    assert "SyntaxError: '(' was never closed" in result.stderr, result.stderr
    # the two imports, then where the syntax error is (SyntaxError's own "File" line)
    where = 'File "<virtual>/app/inner.py", line 4'
    assert_only_user_frames(result.stderr, ["<module>", "<module>", where])


TRANSFORMED = """
import sys, importcraft
from importcraft.transformers import AssertionRewriter, CallLogger
sys.path.insert(0, sys.argv[1])
importcraft.transform("shapes", AssertionRewriter(), CallLogger(log=lambda line: None))
importcraft.when_imported("shapes", lambda module: None)  # a second wrapper around the loader
import shapes
"""


def test_an_error_in_a_transformed_modules_body(tree: Any) -> None:
    root = tree({"shapes.py": "def area(size):\n    assert size > 0\n\n\narea(-1)\n"})
    result = run_python(TRANSFORMED, str(root))
    assert "AssertionError: assert -1 > 0" in result.stderr, result.stderr
    assert_only_user_frames(result.stderr, ["<module>", "<module>", "area"])
    assert f'File "{root / "shapes.py"}", line 2, in area' in result.stderr


STRICT = """
import importcraft

def check(module):
    raise RuntimeError("bad module")

importcraft.virtual({"plugin": "X = 1\\n"})
importcraft.when_imported("plugin", check, strict=True)
import plugin
"""


def test_an_error_in_a_strict_post_import_callback() -> None:
    result = run_python(STRICT)
    assert "RuntimeError: bad module" in result.stderr, result.stderr
    assert_only_user_frames(result.stderr, ["<module>", "check"])


def test_importlib_import_module_shows_importlibs_frames_as_for_a_plain_import() -> None:
    # CPython trims only the import statement's traceback; ours follow the same rule, and the
    # one loader frame left reads as importlib's own.
    result = run_python(
        VIRTUAL.replace("import app\n", "import importlib\nimportlib.import_module('app')\n")
    )
    shown = frames(result.stderr)
    assert not [f for f in shown if OURS in f], result.stderr
    assert shown[-2:] == [
        'File "<virtual>/app/inner.py", line 4, in <module>',
        'File "<virtual>/app/inner.py", line 2, in fail',
    ], result.stderr


BLOCKED = """
import importcraft
importcraft.block("requests")
import requests
"""


def test_an_import_blocked_error() -> None:
    result = run_python(BLOCKED)
    assert "ImportBlockedError: import of 'requests' is blocked" in result.stderr, result.stderr
    assert_only_user_frames(result.stderr, ["<module>"])


def test_an_error_in_importcraft_itself_keeps_its_frames(tree: Any, tmp_path: Path) -> None:
    # A transformer returning the wrong thing: importcraft raises, there is no user frame below.
    root = tree({"victim.py": "X = 1\n"})
    result = run_python(
        """
        import sys, importcraft
        sys.path.insert(0, sys.argv[1])
        class Bad:
            cache_key = "1"
            def __call__(self, tree, info):
                return None
        importcraft.transform("victim", Bad())
        import victim
        """,
        str(root),
    )
    assert "TypeError: transformer __main__.Bad returned NoneType for 'victim'" in result.stderr
    assert any("_engine.py" in f for f in frames(result.stderr)), result.stderr
