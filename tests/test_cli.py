"""importcraft run: behaving as `python` would, options, configuration files, children."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SHOW = """\
import sys
print("argv", sys.argv)
print("name", __name__)
print("path0", sys.path[0])
print("file", globals().get("__file__"))
"""


def bare_env() -> dict[str, str]:
    """The environment without the suite's coverage measurement of child processes.

    For tests about which modules a program finds loaded: coverage.py itself loads json,
    sqlite3, signal and more into every child it measures.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def importcraft_run(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    console: bool = False,
    measured: bool = True,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m importcraft run ARGS` (or the console script) in ``cwd``."""
    command = (
        [str(Path(sys.executable).parent / "importcraft"), "run"]
        if console
        else [sys.executable, "-m", "importcraft", "run"]
    )
    base = os.environ if measured else bare_env()
    full_env = {k: v for k, v in base.items() if k != "IMPORTCRAFT_RUN"}
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**full_env, **(env or {})},
        input=stdin,
        timeout=120,
        check=False,
    )


def fields(stdout: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in stdout.splitlines() if " " in line)


# -- behaving as python does --------------------------------------------------------------------


@pytest.mark.parametrize("console", [False, True])
def test_a_script_sees_what_python_would_give_it(tree: Any, console: bool) -> None:
    root = tree({"app/main.py": SHOW})
    result = importcraft_run("app/main.py", "one", "--two", cwd=root, console=console)
    assert result.returncode == 0, result.stderr
    got = fields(result.stdout)
    assert got["argv"] == "['app/main.py', 'one', '--two']"
    assert got["name"] == "__main__"
    assert got["path0"] == str((root / "app").resolve())
    assert got["file"] == str(root / "app" / "main.py")


def test_dash_m_runs_a_module_with_runpys_semantics(tree: Any) -> None:
    root = tree({"pkg/__init__.py": "", "pkg/tool.py": SHOW + "print('spec', __spec__.name)\n"})
    result = importcraft_run("-m", "pkg.tool", "x", cwd=root)
    assert result.returncode == 0, result.stderr
    got = fields(result.stdout)
    assert got["argv"] == f"[{str(root / 'pkg' / 'tool.py')!r}, 'x']"
    assert got["name"] == "__main__"
    assert got["spec"] == "pkg.tool"
    assert got["path0"] == str(root)


def test_dash_c_runs_code(tmp_path: Path) -> None:
    result = importcraft_run("-c", SHOW, "a", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    got = fields(result.stdout)
    assert (got["argv"], got["name"], got["path0"]) == ("['-c', 'a']", "__main__", "")


@pytest.mark.parametrize("mode", ["-c", "-"])
def test_code_is_compiled_as_python_compiles_it(tmp_path: Path, mode: str) -> None:
    # importcraft's own `from __future__ import annotations` must not reach the program.
    code = "def f(x: int): pass\nprint(f.__annotations__['x'] is int)\n"
    if mode == "-c":
        result = importcraft_run("-c", code, cwd=tmp_path)
    else:
        result = importcraft_run("-", cwd=tmp_path, stdin=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_exit_status_is_the_programs(tree: Any) -> None:
    root = tree({"quit.py": "import sys\nsys.exit(7)\n", "fine.py": ""})
    assert importcraft_run("quit.py", cwd=root).returncode == 7
    assert importcraft_run("fine.py", cwd=root).returncode == 0
    assert importcraft_run("-c", "raise SystemExit('bye')", cwd=root).stderr.strip() == "bye"


def test_an_uncaught_exception_prints_the_traceback_python_would(tree: Any) -> None:
    root = tree({"bad.py": "def f():\n    raise ValueError('bad')\n\nf()\n"})
    ours = importcraft_run("bad.py", cwd=root)
    plain = subprocess.run(
        [sys.executable, "bad.py"], capture_output=True, text=True, cwd=root, check=False
    )
    assert ours.returncode == plain.returncode == 1
    assert ours.stderr == plain.stderr
    assert "importcraft" not in ours.stderr


def test_multiprocessing_can_find_the_main_module(tree: Any) -> None:
    root = tree(
        {
            "mp.py": """\
            import multiprocessing as mp

            def square(x):
                return x * x

            if __name__ == "__main__":
                with mp.get_context("spawn").Pool(1) as pool:
                    print(pool.map(square, [3]))
            """
        }
    )
    result = importcraft_run("mp.py", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[9]"


# -- options ------------------------------------------------------------------------------------


def test_options_install_hooks_before_the_program_runs(tree: Any) -> None:
    root = tree(
        {
            "plugins/hello.py": "WHO = 'plugin'\n",
            "extra/helper.py": "X = 'extra'\n",
            "callbacks.py": "def loaded(module):\n    print('loaded', module.__name__)\n",
            "main.py": """\
            import oldjson, plugins.hello, helper
            print("alias", oldjson.__name__)
            print("mount", plugins.hello.WHO)
            print("path", helper.X)
            import colorsys
            try:
                import csv
            except ImportError as exc:
                print("block", type(exc).__name__)
            """,
        }
    )
    result = importcraft_run(
        "--alias", "oldjson=json",
        "--block", "csv",
        "--mount", "plugins=plugins",
        "--path", "extra",
        "--when-imported", "colorsys=callbacks:loaded",
        "main.py",
        cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "alias json",
        "mount plugin",
        "path extra",
        "loaded colorsys",
        "block ImportBlockedError",
    ]


def test_a_deprecated_alias_warns_in_the_program(tree: Any) -> None:
    root = tree({"main.py": "import oldjson\n"})
    result = importcraft_run("--deprecated-alias", "oldjson=json", "main.py", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (
        f"{root / 'main.py'}:1: DeprecationWarning: the module 'oldjson' is deprecated; "
        "import 'json' instead" in result.stderr
    )


def test_allow_only(tree: Any) -> None:
    root = tree({"mine.py": "", "theirs.py": "", "main.py": "import mine, json\nimport theirs\n"})
    result = importcraft_run("--allow-only", "mine", "main.py", cwd=root)
    assert result.returncode == 1
    assert "ImportBlockedError: import of 'theirs' is blocked" in result.stderr
    assert 'File "' + str(root / "main.py") + '", line 2' in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--alias", "nope"], "--alias 'nope': expected OLD=NEW"),
        (["--mount", "p=missing_dir"], "--mount 'p': 'missing_dir' is not a directory"),
        (["--block", "bad name"], "--block: module name 'bad name' is not a valid"),
        (["--when-imported", "json=nomod:f"], "when-imported 'json': cannot use 'nomod:f'"),
        (["--when-imported", "json=callbacks"], "must look like 'package.module:function'"),
        (["--alias", "a=b", "--alias", "b=a"], "makes a cycle"),
    ],
)
def test_bad_options_are_reported_before_the_program_starts(
    tree: Any, args: list[str], message: str
) -> None:
    root = tree({"main.py": "print('program ran')\n", "callbacks.py": ""})
    result = importcraft_run(*args, "main.py", cwd=root)
    assert result.returncode == 2
    assert "program ran" not in result.stdout
    assert result.stderr.startswith("importcraft run: error: ")
    assert message in result.stderr


def test_an_abbreviated_option_is_a_usage_error_not_a_program(tree: Any) -> None:
    # --blo would be argparse's --block, but the arguments are split on whole option names:
    # "json" would have been run as the program.
    root = tree({"main.py": "import json\nprint('program ran')\n", "json": ""})
    result = importcraft_run("--blo", "json", "main.py", cwd=root)
    assert result.returncode == 2
    assert "program ran" not in result.stdout
    assert "unrecognized arguments: --blo" in result.stderr


def test_usage_errors(tmp_path: Path) -> None:
    result = importcraft_run(cwd=tmp_path)
    assert result.returncode == 2
    assert "nothing to run: give SCRIPT, -m MODULE, -c CODE or -" in result.stderr
    result = importcraft_run("--nonsense", "x.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "unrecognized arguments: --nonsense" in result.stderr
    helped = importcraft_run("--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert "--deprecated-alias OLD=NEW" in helped.stdout


# -- configuration files ---------------------------------------------------------------------


PYPROJECT = """\
[project]
name = "demo"

[tool.importcraft]
alias = { oldjson = "json" }
block = ["csv"]
mount = { plugins = "plugins" }
path = ["extra"]
when-imported = { colorsys = ["callbacks:loaded"] }
"""

CONFIG_MAIN = """\
import oldjson, plugins.hello, helper, colorsys
print(oldjson.__name__, plugins.hello.WHO, helper.X)
try:
    import csv
except ImportError:
    print("blocked")
"""


def test_pyproject_settings_are_found_from_a_subfolder(tree: Any) -> None:
    root = tree(
        {
            "pyproject.toml": PYPROJECT,
            "plugins/hello.py": "WHO = 'plugin'\n",
            "extra/helper.py": "X = 'extra'\n",
            "callbacks.py": "def loaded(module):\n    print('loaded', module.__name__)\n",
            "src/main.py": CONFIG_MAIN,
        }
    )
    # Relative paths in the file are the file's; callbacks import from the project root.
    result = importcraft_run("--path", "..", "main.py", cwd=root / "src")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["loaded colorsys", "json plugin extra", "blocked"]


def test_a_standalone_config_file(tree: Any) -> None:
    root = tree(
        {
            "conf/hooks.toml": 'alias = { oldjson = "json" }\nblock = ["csv"]\n',
            "main.py": "import oldjson\nprint(oldjson.__name__)\nimport csv\n",
        }
    )
    result = importcraft_run("--config", "conf/hooks.toml", "main.py", cwd=root)
    assert result.stdout.strip() == "json"
    assert "import of 'csv' is blocked" in result.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.importcraft]\naliases = {}\n", "[tool.importcraft]: unknown key 'aliases'"),
        ("[tool.importcraft]\nalias = ['a']\n", "[tool.importcraft] alias: expected a table"),
        ("[tool.importcraft]\nblock = 'x'\n", "[tool.importcraft] block: expected a list"),
        ("[tool.importcraft]\nalias = { a = 1 }\n", "the value of 'a' must be a string"),
        ("[tool.importcraft]\nmount = { p = 'nowhere' }\n", "mount 'p': 'nowhere' is not a dir"),
        ("[tool.importcraft\n", "not valid TOML"),
    ],
)
def test_invalid_configuration_names_the_file_and_the_key(
    tree: Any, toml: str, message: str
) -> None:
    root = tree({"pyproject.toml": toml, "main.py": "print('program ran')\n"})
    result = importcraft_run("main.py", cwd=root)
    assert result.returncode == 2
    assert "program ran" not in result.stdout
    assert str(root / "pyproject.toml") in result.stderr
    assert message in result.stderr


def test_a_pyproject_without_the_table_is_fine(tree: Any) -> None:
    root = tree({"pyproject.toml": "[project]\nname = 'x'\n", "main.py": "print('ok')\n"})
    assert importcraft_run("main.py", cwd=root).stdout.strip() == "ok"


def test_a_missing_config_file_is_reported(tmp_path: Path) -> None:
    result = importcraft_run("--config", "nope.toml", "-c", "pass", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.toml: cannot read it" in result.stderr


# -- child processes -------------------------------------------------------------------------

CHILDREN = """\
import multiprocessing as mp
import subprocess
import sys

def probe(_=None):
    import oldjson
    try:
        import csv
        blocked = False
    except ImportError:
        blocked = True
    return f"{oldjson.__name__} blocked={blocked}"

if __name__ == "__main__":
    print("parent", probe())
    code = "import sys; sys.path.insert(0, '.'); import main; print(main.probe())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    print("subprocess", child.stdout.strip() or child.stderr)
    for method in ("spawn", "forkserver"):
        with mp.get_context(method).Pool(1) as pool:
            print(method, pool.map(probe, [0])[0])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="forkserver is POSIX-only")
def test_children_run_with_the_same_hooks(tree: Any) -> None:
    root = tree({"main.py": CHILDREN})
    result = importcraft_run("--alias", "oldjson=json", "--block", "csv", "main.py", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{who} json blocked=True" for who in ("parent", "subprocess", "spawn", "forkserver")
    ]


def test_without_the_variable_an_interpreter_does_not_import_importcraft(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "IMPORTCRAFT_RUN"}
    result = subprocess.run(
        [sys.executable, "-c", "import sys; print('importcraft' in sys.modules)"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.stdout.strip() == "False"


def test_the_bootstrap_file_is_installed_next_to_the_package() -> None:
    import site

    found = [
        Path(folder) / "importcraft_bootstrap.pth"
        for folder in site.getsitepackages()
        if (Path(folder) / "importcraft_bootstrap.pth").is_file()
    ]
    assert found, "importcraft_bootstrap.pth is missing from site-packages"
    # site executes only lines that start with "import"; an old copy would miss -E/-I.
    source = Path(__file__).parents[1] / "src" / "importcraft_bootstrap.pth"
    assert found[0].read_text() == source.read_text()
    assert found[0].read_text().startswith("import os, sys;")


def test_an_inherited_configuration_is_applied_once(tree: Any) -> None:
    # site may execute a .pth file twice (a venv on 3.11 does): the hooks must not double.
    root = tree({"callbacks.py": "def loaded(module):\n    print('loaded', module.__name__)\n"})
    config = '{"when_imported": [["colorsys", "callbacks:loaded"]], "alias": [["oj", "json"]]}'
    result = subprocess.run(
        [sys.executable, "-c", "import colorsys, oj; print(oj.__name__)"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "IMPORTCRAFT_RUN": config, "PYTHONPATH": str(root)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["loaded colorsys", "json"]


def test_lazy_settings_in_the_configuration_file(tree: Any) -> None:
    root = tree(
        {
            "pyproject.toml": (
                "[tool.importcraft]\nlazy = ['lzdep']\nlazy-exclude = ['lzdep.side']\n"
            ),
            "lzdep/__init__.py": "",
            "lzdep/side.py": "import sys\nprint('side effect', file=sys.stderr)\n",
            "lzdep/quiet.py": "import sys\nprint('quiet ran', file=sys.stderr)\n",
            "main.py": """\
            import importcraft, lzdep.side, lzdep.quiet
            print(importcraft.is_lazy(lzdep.side), importcraft.is_lazy(lzdep.quiet))
            """,
        }
    )
    result = importcraft_run("main.py", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
    assert result.stderr.strip() == "side effect"


TRANSFORMER = """\
import ast

class Shout(ast.NodeTransformer):
    def visit_Constant(self, node):
        if isinstance(node.value, str):
            node.value = node.value.upper()
        return node
"""


def test_run_transform_reaches_the_program_and_its_children(tree: Any) -> None:
    root = tree(
        {
            "tools/shout.py": TRANSFORMER,
            "greetings.py": "WORD = 'hello'\n",
            "main.py": """\
            import subprocess, sys
            import greetings
            print(greetings.WORD)
            code = "import greetings; print(greetings.WORD)"
            print(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                 text=True, cwd=sys.path[0]).stdout.strip())
            """,
        }
    )
    result = importcraft_run(
        "--path", "tools", "--transform", "greetings=shout:Shout", "main.py", cwd=root
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["HELLO", "HELLO"]


def test_children_find_references_beside_the_script_without_changing_sys_path(
    tree: Any,
) -> None:
    # The transformer and the callback sit beside main.py: the program finds them on its
    # sys.path[0]. A child running a script from another folder has neither on its sys.path;
    # it used to drop the whole configuration ("cannot use 'shout:Shout'").
    root = tree(
        {
            "shout.py": TRANSFORMER,
            "callbacks.py": "def seen(module):\n    print('callback', module.__name__)\n",
            "elsewhere/greetings.py": "WORD = 'hello'\n",
            "elsewhere/child.py": """\
            import sys
            import colorsys
            import greetings
            print(greetings.WORD, "shout" in sys.modules, any("shout" in p for p in sys.path))
            """,
            "main.py": """\
            import subprocess, sys
            child = subprocess.run([sys.executable, "child.py"], capture_output=True, text=True,
                                   cwd="elsewhere")
            print(child.stdout.strip())
            print(child.stderr.strip(), file=sys.stderr)
            """,
        }
    )
    result = importcraft_run(
        "--transform",
        "greetings=shout:Shout",
        "--when-imported",
        "colorsys=callbacks:seen",
        "main.py",
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert "ignored" not in result.stderr
    assert result.stdout.splitlines() == ["callback colorsys", "HELLO True False"]


def test_a_transform_that_cannot_be_made_is_reported(tree: Any) -> None:
    root = tree({"main.py": "print('program ran')\n"})
    result = importcraft_run("--transform", "x=nomod:T", "main.py", cwd=root)
    assert result.returncode == 2
    assert "transform 'x': cannot use 'nomod:T'" in result.stderr


def test_show_prints_the_transformed_code(tree: Any) -> None:
    root = tree({"shout.py": TRANSFORMER, "pkg/__init__.py": "", "pkg/mod.py": "X = 'quiet'\n"})
    command = [sys.executable, "-m", "importcraft", "show", "pkg.mod"]
    done = subprocess.run(
        [*command, "--path", ".", "--transform", "pkg=shout:Shout"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "X = 'QUIET'"
    missing = subprocess.run(
        [*command[:-1], "no_such_mod"], capture_output=True, text=True, cwd=root, check=False
    )
    assert missing.returncode == 2
    assert "no Python source for 'no_such_mod'" in missing.stderr


# -- behaving as python does, continued (issue 10) -------------------------------------------


@pytest.mark.parametrize("console", [False, True])
def test_a_missing_script_is_a_one_line_usage_error(tmp_path: Path, console: bool) -> None:
    result = importcraft_run("missing.py", cwd=tmp_path, console=console)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"importcraft run: error: can't open file {str(tmp_path / 'missing.py')!r}: "
        "[Errno 2] No such file or directory"
    ]


def test_dash_reads_the_program_from_stdin(tmp_path: Path) -> None:
    command = [str(Path(sys.executable).parent / "importcraft"), "run", "--alias", "oj=json"]
    result = subprocess.run(
        [*command, "-", "one"],
        input=SHOW + "import oj\nprint('alias', oj.__name__)\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    got = fields(result.stdout)
    assert (got["argv"], got["name"], got["path0"]) == ("['-', 'one']", "__main__", "")
    assert got["alias"] == "json"


INTERPRETER = """\
import sys, warnings
print("dev", sys.flags.dev_mode, "utf8", sys.flags.utf8_mode)
print("warnoptions", sys.warnoptions)
print("argv", sys.argv)
try:
    import oj
except DeprecationWarning as exc:
    print("raised", exc)
"""


@pytest.mark.parametrize("spelling", [["-X", "dev", "-X", "utf8"], ["-Xdev", "-Xutf8"]])
def test_x_and_w_options_start_the_programs_interpreter_with_them(
    tree: Any, spelling: list[str]
) -> None:
    root = tree({"app.py": INTERPRETER})
    result = importcraft_run(
        *spelling, "-W", "error::DeprecationWarning", "--deprecated-alias", "oj=json",
        "app.py", "-X", "arg",
        cwd=root, console=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    got = fields(result.stdout)
    assert got["dev"] == "True utf8 1"
    assert got["warnoptions"].endswith("'error::DeprecationWarning']")
    assert got["argv"] == "['app.py', '-X', 'arg']"
    # The hooks are installed in that interpreter, and the warnings filter applies to them.
    assert got["raised"].startswith("the module 'oj' is deprecated")


# -- what the program finds loaded ----------------------------------------------------------

LOADED = """\
import sys
print(sorted(m for m in sys.modules if m.partition(".")[0] in sys.argv[1:]))
"""
COMMAND_MODULES = ["argparse", "zipfile", "gettext", "json", "signal", "shutil", "importcraft"]


@pytest.mark.parametrize("mode", ["script", "-c", "-m"])
def test_run_does_not_load_the_command_into_the_program(tree: Any, mode: str) -> None:
    root = tree({"loaded.py": LOADED})
    what = {"script": ["loaded.py"], "-c": ["-c", LOADED], "-m": ["-m", "loaded"]}[mode]
    result = importcraft_run(*what, *COMMAND_MODULES, cwd=root, console=True, measured=False)
    assert result.returncode == 0, result.stderr
    loaded = eval(result.stdout)
    assert loaded, "the probe found nothing: importcraft itself should be loaded"
    assert not [
        m for m in loaded if m == "importcraft.cli._main" or not m.startswith("importcraft")
    ]


OWN_OPTIONS = ["--alias", "oj=json", "--deprecated-alias", "oc=colorsys", "--block", "sqlite3"]
OWN_OPTIONS += ["--when-imported", "colorsys=os:getcwd", "--mount", "plugins=plugins"]


def own_imports(root: Path, console: bool) -> list[str]:
    """The modules that are loaded in a program under `importcraft run` and not under python."""
    listing = "import sys; print(' '.join(sys.modules))"
    plain = subprocess.run(
        [sys.executable, "-c", listing], capture_output=True, text=True, check=True, env=bare_env()
    ).stdout.split()
    ours = importcraft_run(*OWN_OPTIONS, "-c", listing, cwd=root, console=console, measured=False)
    assert ours.returncode == 0, ours.stderr
    return [m for m in ours.stdout.split() if m not in plain and not m.startswith("importcraft")]


PROBE = """\
import sys
try:
    __import__(sys.argv[2])
    print(sys.argv[1], "imported")
except ImportError as exc:
    print(sys.argv[1], type(exc).__name__)
sys.stdout.flush()
if sys.argv[1] == "program":
    # A child interpreter, started without importing anything here (subprocess would).
    import os
    os.spawnv(os.P_WAIT, sys.executable, [sys.executable, __file__, "child", sys.argv[2]])
"""


@pytest.mark.parametrize("console", [True, False])
def test_a_policy_refuses_the_modules_importcraft_loaded_for_itself(
    tree: Any, console: bool
) -> None:
    # `importcraft run --block json` used to let the program import json: importcraft had
    # loaded it (to hand children the configuration) before the policy applied.
    root = tree({"probe.py": PROBE, "plugins/__init__.py": ""})
    own = own_imports(root, console)
    assert "json" not in own  # the configuration reaches children without json
    assert own, "the probe found nothing: importcraft's imports should show"
    failed = {}
    for name in ["json", *own]:
        result = importcraft_run(
            *OWN_OPTIONS, "--block", name, "probe.py", "program", name,
            cwd=root, console=console, measured=False,
        )  # fmt: skip
        expected = ["program ImportBlockedError", "child ImportBlockedError"]
        if result.stdout.splitlines() != expected:
            failed[name] = result.stdout + result.stderr
    assert not failed


# -- show -------------------------------------------------------------------------------------


def importcraft_show(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "importcraft"), "show", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)


def test_show_finds_modules_from_the_current_folder_as_python_m_does(tree: Any) -> None:
    # The console script's sys.path[0] is its own bin/ folder, where nothing of ours is.
    root = tree({"shout.py": TRANSFORMER, "pkg/__init__.py": "", "pkg/mod.py": "X = 'quiet'\n"})
    done = importcraft_show("pkg.mod", "--transform", "pkg=shout:Shout", cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "X = 'QUIET'"


def test_show_json(tree: Any) -> None:
    root = tree({"shout.py": TRANSFORMER, "pkg/__init__.py": "", "pkg/mod.py": "X = 'quiet'\n"})
    done = importcraft_show("pkg.mod", "--transform", "pkg=shout:Shout", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "module": "pkg.mod",
        "origin": str(root / "pkg" / "mod.py"),
        "transforms": ["pkg=shout:Shout"],
        "source": "X = 'QUIET'",
    }


def test_show_ends_quietly_when_its_reader_stops_early(tree: Any) -> None:
    # As `importcraft show big | head -1`: far more than a pipe holds, and the reader gone.
    root = tree({"big.py": "".join(f"X{i} = {i}\n" for i in range(20000))})
    shell = f"{sys.executable} -m importcraft show big | head -n 1"
    done = subprocess.run(
        ["sh", "-c", shell], capture_output=True, text=True, cwd=root, check=False
    )
    assert done.stdout == "X0 = 0\n"
    assert done.stderr == "importcraft show: note: no transform applies to 'big'\n"
