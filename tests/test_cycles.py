"""explain_cycle(): broken circular imports of real packages, explained in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_cli import importcraft_run

# Imports the program in a fresh interpreter, then prints the explanation of its failure as
# JSON (or "null"), followed by its text.
DRIVER = """\
import json, sys
sys.path.insert(0, sys.argv[1])
import importcraft
try:
    import main
except BaseException as exc:
    explanation = importcraft.explain_cycle(exc)
    print(json.dumps(None if explanation is None else explanation.to_dict()))
    print(explanation)
else:
    print("imported")
"""


def diagnose(root: Path) -> tuple[dict[str, Any] | None, str]:
    (root / "_driver.py").write_text(DRIVER)
    done = subprocess.run(
        [sys.executable, str(root / "_driver.py"), str(root)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
        check=True,
    )
    first, _, text = done.stdout.partition("\n")
    return json.loads(first), text


def chain(data: dict[str, Any]) -> list[tuple[str, str, int, bool]]:
    """The imports in progress below the driver's own frame."""
    return [
        (step["module"], Path(step["file"]).name, step["line"], step["in_cycle"])
        for step in data["chain"]
        if Path(step["file"]).name != "_driver.py"
    ]


def test_a_name_used_only_inside_functions_moves_the_import_into_the_function(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import helper\n\nx = 1\n\nhelper()\n",
            "b.py": "from a import x\n\n\ndef helper():\n    return x + 1\n",
        }
    )
    data, text = diagnose(root)
    assert data is not None
    assert data["schema"] == "importcraft.cycle/1"
    assert data["error"]["type"] == "ImportError"
    assert (data["module"], data["name"]) == ("a", "x")
    assert chain(data) == [
        ("main", "main.py", 1, False),
        ("a", "a.py", 1, True),
        ("b", "b.py", 1, True),
    ]
    assert data["chain"][-2]["statement"] == "from b import helper"
    assert data["failing"]["statement"] == "from a import x"
    definition = data["definition"]
    assert (Path(definition["file"]).name, definition["line"], definition["kind"]) == (
        "a.py",
        3,
        "assignment",
    )
    fix = data["fix"]
    assert (fix["number"], Path(fix["file"]).name, fix["line"]) == (1, "b.py", 1)
    assert "helper() at b.py:4" in fix["text"]
    # The alternative: import the module and look the name up at call time.
    assert data["alternatives"][0]["number"] == 2
    assert "`import a`" in data["alternatives"][0]["text"]
    assert "`a.x`" in data["alternatives"][0]["text"]
    assert text.startswith("Circular import: 'b' needs 'x' from 'a' while 'a' is still being")
    rows = [line.split() for line in text.splitlines()]
    assert ["*", "a", "a.py:1", "from", "b", "import", "helper"] in rows
    assert ["*", "b", "b.py:1", "from", "a", "import", "x"] in rows
    assert "'x' is defined at a.py:3 (x = 1)." in text
    assert "stopped at a.py:1 (from b import helper) to import 'b'" in text


def test_a_name_used_at_module_level_on_both_sides_needs_a_third_module(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import Y\n\nX = 1\nZ = Y + 1\n",
            "b.py": "from a import X\n\nY = X * 2\n",
        }
    )
    data, text = diagnose(root)
    assert data is not None
    assert data["fix"]["number"] == 3
    assert data["alternatives"] == []
    assert "'b' uses `X` at import time (b.py:3)" in data["fix"]["text"]
    assert "Move `X` (a.py:3)" in data["fix"]["text"]
    assert "Fix (3, move the shared definitions into a third module):" in text


def test_the_attribute_error_form_defers_the_other_sides_import(tree: Any) -> None:
    # b needs a.x while being imported; a uses b only inside a function: a's import moves.
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "import b\n\n\ndef x():\n    return 1\n\n\ndef use():\n    return b.VALUE\n",
            "b.py": "import a\n\nVALUE = a.x()\n",
        }
    )
    data, _ = diagnose(root)
    assert data is not None
    assert data["error"]["type"] == "AttributeError"
    assert (data["module"], data["name"]) == ("a", "x")
    assert chain(data)[1:] == [("a", "a.py", 1, True), ("b", "b.py", 3, True)]
    assert data["failing"]["statement"] == "VALUE = a.x()"
    assert (data["definition"]["line"], data["definition"]["kind"]) == (4, "def")
    fix = data["fix"]
    assert (fix["number"], Path(fix["file"]).name, fix["line"]) == (1, "a.py", 1)
    assert "`import b` is used only inside use() at a.py:8" in fix["text"]
    assert [alternative["number"] for alternative in data["alternatives"]] == [3]


def test_the_attribute_error_form_used_in_a_function_imports_the_module_at_call_time(
    tree: Any,
) -> None:
    # A function of b called while b is imported reads a.x: the use counts as import time.
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "import b\n\nLIMIT = b.SIZE\nx = 1\n",
            "b.py": "import a\n\nSIZE = 3\n\n\ndef setup():\n    return a.x\n\n\nsetup()\n",
        }
    )
    data, text = diagnose(root)
    assert data is not None
    assert data["failing"]["function"] == "setup"
    assert data["failing"]["line"] == 7
    assert "failed in setup() at b.py:7: return a.x" in text
    assert data["fix"]["number"] == 3


def test_a_three_module_cycle(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import fb\n\nx = 1\nfb()\n",
            "b.py": "from c import fc\n\n\ndef fb():\n    return fc()\n",
            "c.py": "from a import x\n\nLIMIT = x * 3\n\n\ndef fc():\n    return LIMIT\n",
        }
    )
    data, text = diagnose(root)
    assert data is not None
    assert chain(data) == [
        ("main", "main.py", 1, False),
        ("a", "a.py", 1, True),
        ("b", "b.py", 1, True),
        ("c", "c.py", 1, True),
    ]
    assert (data["module"], data["name"]) == ("a", "x")
    # c needs x at import time, but b uses what it takes from c only inside fb().
    fix = data["fix"]
    assert (fix["number"], Path(fix["file"]).name, fix["line"]) == (1, "b.py", 1)
    assert "fb() at b.py:4" in fix["text"]
    assert data["alternatives"][-1]["number"] == 3
    assert "(a -> b -> c)" in data["alternatives"][-1]["text"]
    assert "Circular import: 'c' needs 'x' from 'a'" in text


def test_a_cycle_inside_a_package_with_relative_imports(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import app\n",
            "app/__init__.py": "from .core import engine\n\nVERSION = '1.0'\n",
            "app/core.py": "from . import VERSION\n\n\ndef engine():\n    return VERSION\n",
        }
    )
    data, _ = diagnose(root)
    assert data is not None
    assert (data["module"], data["name"]) == ("app", "VERSION")
    assert chain(data)[1:] == [("app", "__init__.py", 1, True), ("app.core", "core.py", 1, True)]
    assert data["definition"]["line"] == 3
    assert data["fix"]["number"] == 1
    assert "engine() at app/core.py:4" in data["fix"]["text"]
    instead = data["alternatives"][0]
    assert instead["number"] == 2
    assert "with `import app`, and write `app.VERSION`" in instead["text"]
    assert "'app.shared' (app/shared.py)" in data["alternatives"][-1]["text"]


def test_a_relative_from_import_of_a_sibling_suggests_importing_the_sibling(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import app.models\n",
            "app/__init__.py": "",
            "app/models.py": "from .views import render\n\n\nclass User:\n    pass\n",
            "app/views.py": (
                "from .models import User\n\n\ndef render():\n    return User()\n\n\n"
                "def show():\n    return User\n"
            ),
        }
    )
    data, _ = diagnose(root)
    assert data is not None
    assert (data["module"], data["name"]) == ("app.models", "User")
    assert data["definition"]["kind"] == "class"
    # Used in two functions: one module import beats two local imports.
    assert data["fix"]["number"] == 2
    assert "with `from . import models`, and write `models.User`" in data["fix"]["text"]
    assert data["alternatives"][0]["number"] == 1


def test_an_import_error_that_is_no_cycle_gives_none(tree: Any) -> None:
    root = tree({"main.py": "from a import missing\n", "a.py": "present = 1\n"})
    data, text = diagnose(root)
    assert data is None
    assert text.strip() == "None"
    root = tree({"main.py": "import not_there_at_all_xyz\n"}, root / "second")
    assert diagnose(root)[0] is None
    root = tree({"main.py": "import a\na.missing\n", "a.py": ""}, root / "third")
    assert diagnose(root)[0] is None


def test_importcraft_run_prints_the_traceback_then_the_explanation(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import helper\n\nx = 1\n",
            "b.py": "from a import x\n\n\ndef helper():\n    return x\n",
        }
    )
    ours = importcraft_run("main.py", cwd=root)
    plain = subprocess.run(
        [sys.executable, "main.py"], capture_output=True, text=True, cwd=root, check=False
    )
    assert ours.returncode == plain.returncode == 1
    assert ours.stdout == ""
    # The traceback as Python prints it, then the explanation.
    assert ours.stderr.startswith(plain.stderr)
    rest = ours.stderr[len(plain.stderr) :]
    assert rest.startswith("\nCircular import: 'b' needs 'x' from 'a'")
    assert "Fix (1, move the import into the function that uses it):" in rest
    assert "b.py:1 `from a import x` is used only inside helper() at b.py:4." in rest


def test_importcraft_run_adds_nothing_to_other_errors(tree: Any) -> None:
    root = tree({"main.py": "from a import missing\n", "a.py": "present = 1\n"})
    ours = importcraft_run("main.py", cwd=root)
    plain = subprocess.run(
        [sys.executable, "main.py"], capture_output=True, text=True, cwd=root, check=False
    )
    assert ours.returncode == plain.returncode == 1
    assert ours.stderr == plain.stderr


def test_explain_cycle_is_not_loaded_by_importcraft_or_a_clean_run(tree: Any) -> None:
    root = tree({"main.py": "import sys\nprint('importcraft.inspect._cycles' in sys.modules)\n"})
    ours = importcraft_run("main.py", cwd=root)
    assert ours.stdout == "False\n"


def test_a_name_the_module_never_defines_is_said_so(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import f\n\nvalue = 1\n",
            "b.py": "from a import valeu\n\n\ndef f():\n    return valeu\n",
        }
    )
    data, text = diagnose(root)
    assert data is not None
    assert data["definition"] is None
    assert "a.py binds no 'valeu' at module level: check the spelling" in text


def test_importcraft_run_says_when_a_policy_refuses_what_the_explanation_needs(
    tree: Any,
) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import helper\n\nx = 1\n",
            "b.py": "from a import x\n\n\ndef helper():\n    return x\n",
        }
    )
    ours = importcraft_run("--block", "ast", "main.py", cwd=root)
    assert ours.returncode == 1
    assert "ImportError: cannot import name 'x' from partially initialized module 'a'" in (
        ours.stderr
    )
    assert ours.stderr.endswith(
        "importcraft run: cannot explain this circular import: ImportBlockedError: import of "
        "'ast' is blocked by importcraft.block('ast') (remove that hook to allow it)\n"
    )


def test_only_the_missing_name_leaves_a_from_import_of_several(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "y = 0\nfrom b import helper\nx = 1\n",
            "b.py": "from a import y, x as ex\n\nZ = y + 1\n\n\ndef helper():\n    return ex\n",
        }
    )
    data, _ = diagnose(root)
    assert data is not None
    assert data["name"] == "x"
    assert data["fix"]["text"] == (
        "`x` of b.py:1 `from a import y, x as ex` is used only inside helper() at b.py:6.\n"
        "Take `x` out of that statement and write `from a import x as ex` as the first line of "
        "that function: 'a' is then imported when 'b' calls it, after the cycle has finished."
    )
    assert data["alternatives"][0]["text"].startswith(
        "Replace `from a import y, x as ex` at b.py:1 with `import a` (and keep "
        "`from a import y` for the other names), and write `a.x` where 'b' uses `ex` (b.py:7)."
    )
