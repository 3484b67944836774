"""The configuration of importcraft run: errors that say where, IMPORTCRAFT_RUN, -E and -I."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from importcraft.cli import _config

from .test_cli import importcraft_run


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "IMPORTCRAFT_RUN"}
    return {**env, **extra}


# -- IMPORTCRAFT_RUN: what json.dumps writes and json.loads reads -------------------------------

AWKWARD = ['quo"te', "back\\slash", "new\nline\ttab", "café", "snake 🐍", "lone \udce9", "/"]


def test_the_variable_is_json_without_importing_json() -> None:
    config = _config.empty()
    config["path"] = AWKWARD
    config["alias"] = [[a, b] for a, b in zip(AWKWARD, reversed(AWKWARD), strict=True)]
    text = _config.to_env(config)
    assert text.isascii()
    assert json.loads(text) == {"path": AWKWARD, "alias": config["alias"]}
    assert _config.from_env(text) == {**config, "where": []}
    assert _config.from_env(json.dumps(json.loads(text), indent=1)) == _config.from_env(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"block": ["json"', "expected ',' or ']' at character 17"),
        ('{"block": "json"}', "'block' must be a list of strings"),
        ('{"alias": [["a"]]}', "'alias' must be a list of [name, value] pairs"),
        ('["block"]', "expected a JSON object"),
        ('{"block": ["a\\x"]}', "bad escape at character 13"),
        ('{"block": []} x', "unexpected text at character 14"),
    ],
)
def test_a_malformed_variable_is_a_config_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(_config.ConfigError) as raised:
        _config.from_env(text)
    assert str(raised.value).startswith("IMPORTCRAFT_RUN is not a configuration importcraft ")
    assert message in str(raised.value)


CHILDREN = """\
import os, sys
print("program ran")
sys.stdout.flush()
os.spawnv(os.P_WAIT, sys.executable, [sys.executable, "-c", "print('child ran')"])
"""


@pytest.mark.parametrize("text", ['{"block": ["json"', '{"mount": [["p", "/no/such/dir"]]}'])
def test_a_bad_inherited_configuration_is_reported_once_in_one_line(tree: Any, text: str) -> None:
    root = tree({"main.py": CHILDREN})
    done = subprocess.run(
        [sys.executable, "main.py"],
        capture_output=True,
        text=True,
        cwd=root,
        env=clean_env(IMPORTCRAFT_RUN=text),
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["program ran", "child ran"]
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("importcraft: IMPORTCRAFT_RUN")
    assert lines[0].endswith("(ignored; the program runs without it)")


# -- -E and -I ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-E", "-I"])
def test_the_variable_is_ignored_under_e_and_i(tmp_path: Path, flag: str) -> None:
    env = clean_env(IMPORTCRAFT_RUN='{"block": ["colorsys"]}')
    probe = "import colorsys, sys; print('importcraft' in sys.modules)"
    ignored = subprocess.run(
        [sys.executable, flag, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert (ignored.returncode, ignored.stdout.strip()) == (0, "False"), ignored.stderr
    applied = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert "import of 'colorsys' is blocked" in applied.stderr


@pytest.mark.parametrize("flag", ["-E", "-I"])
def test_run_reads_no_pyproject_under_e_and_i(tree: Any, flag: str) -> None:
    root = tree(
        {
            "pyproject.toml": "[tool.importcraft]\nblock = ['colorsys']\n",
            "other.toml": "block = ['csv']\n",
            "main.py": """\
            import colorsys
            try:
                import csv
            except ImportError as exc:
                print(type(exc).__name__)
            """,
        }
    )
    command = [sys.executable, flag, "-m", "importcraft", "run"]
    done = subprocess.run(
        [*command, "--alias", "oj=json", "main.py"],
        capture_output=True,
        text=True,
        cwd=root,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    # A file named on the command line is still read.
    named = subprocess.run(
        [*command, "--config", "other.toml", "main.py"],
        capture_output=True,
        text=True,
        cwd=root,
        env=clean_env(),
        check=False,
    )
    assert named.stdout.strip() == "ImportBlockedError", named.stderr
    # Without the flag, the pyproject.toml is read.
    assert "'colorsys' is blocked" in importcraft_run("main.py", cwd=root).stderr


# -- errors name the file and the key ------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("when-imported = { json = 'nomod:f' }", "when-imported 'json': cannot use 'nomod:f'"),
        ("transform = { json = 'nomod:T' }", "transform 'json': cannot use 'nomod:T'"),
        ("alias = { a = 'b', b = 'a' }", "alias 'b': cannot be applied: "),
    ],
)
def test_errors_found_when_applying_name_the_file_and_the_key(
    tree: Any, table: str, where: str
) -> None:
    root = tree({"pyproject.toml": f"[tool.importcraft]\n{table}\n", "main.py": "print('ran')"})
    done = importcraft_run("main.py", cwd=root)
    assert done.returncode == 2
    assert done.stdout == ""
    pyproject = root / "pyproject.toml"
    assert done.stderr.startswith(
        f"importcraft run: error: {pyproject}: [tool.importcraft] {where}"
    ), done.stderr


def test_a_pyproject_that_is_not_utf8_is_a_config_error(tree: Any) -> None:
    root = tree({"main.py": "print('ran')\n"})
    (root / "pyproject.toml").write_bytes(b"[tool.importcraft]\nblock = ['caf\xe9']\n")
    done = importcraft_run("main.py", cwd=root)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"importcraft run: error: {root / 'pyproject.toml'}: not UTF-8 text (TOML files must be): "
        "byte 32 is b'\\xe9'; save the file as UTF-8"
    ]


# -- the transform cache's directory ---------------------------------------------------------

SHOUT = """\
import ast

class Shout(ast.NodeTransformer):
    cache_key = "1"
    def visit_Constant(self, node):
        if isinstance(node.value, str):
            node.value = node.value.upper()
        return node
"""
APP = """\
import quiet
print(quiet.WORD)
"""


@pytest.mark.parametrize("given", ["option", "pyproject"])
def test_the_cache_directory_is_used_under_dont_write_bytecode(tree: Any, given: str) -> None:
    # Many CI machines and containers set PYTHONDONTWRITEBYTECODE: a cache directory named in
    # the configuration is written all the same.
    files = {"shout.py": SHOUT, "quiet.py": "WORD = 'hush'\n", "app.py": APP}
    options = ["--transform", "quiet=shout:Shout"]
    if given == "pyproject":
        files["pyproject.toml"] = '[tool.importcraft]\ncache-dir = "build/cache"\n'
    else:
        options += ["--cache-dir", "build/cache"]
    root = tree(files)
    env = {"PYTHONDONTWRITEBYTECODE": "1", "IMPORTCRAFT_CACHE_DIR": ""}
    done = importcraft_run(*options, "app.py", cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "HUSH\n"
    entries = list((root / "build" / "cache").rglob("*.importcraft-*.pyc"))
    assert len(entries) == 1, entries
    assert not list(root.rglob("__pycache__"))


def test_the_cache_directory_must_be_one_string(tree: Any) -> None:
    root = tree({"pyproject.toml": '[tool.importcraft]\ncache-dir = ["a", "b"]\n', "app.py": ""})
    done = importcraft_run("app.py", cwd=root)
    assert done.returncode == 2
    assert "cache-dir: expected a string (a directory), got a list" in done.stderr


# -- one table of options --------------------------------------------------------------------


def test_every_setting_is_an_option_a_toml_key_and_a_key_of_the_variable(tmp_path: Path) -> None:
    from importcraft.cli import _main

    helped = _main._run_parser().format_help()
    with pytest.raises(_config.ConfigError) as raised:
        _config.parse_table({"aliases": {}}, "conf.toml", str(tmp_path))
    known = str(raised.value).partition("(known keys: ")[2].rstrip(")").split(", ")
    assert known == [option.toml for option in _config.SETTINGS]
    for option in _config.OPTIONS:
        assert f"{option.flag} {option.metavar}" in helped
    everything = _config.empty()
    for option in _config.SETTINGS:
        everything[str(option.key)] = [["a", "b"]] if option.kind == _config.PAIRS else ["a"]
    assert _config.from_env(_config.to_env(everything)) == everything
    with pytest.raises(AttributeError):
        _config.BY_FLAG["--alias"].help = "changed"  # type: ignore[misc]


# -- sys.path entries are a hook ----------------------------------------------------------------


def path_hooks() -> list[Any]:
    import importcraft

    return [hook for hook in importcraft.hooks() if hook.description.startswith("sys.path")]


def test_configured_paths_are_a_hook_that_takes_out_exactly_its_entries(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    path = sys.path
    before = list(sys.path)
    _config.apply(_config.parse_options({"path": [a, b]}))
    assert sys.path[1:3] == [a, b]
    [hook] = path_hooks()
    assert hook.description == f"sys.path entries {a!r}, {b!r} (from --path, after sys.path[0])"
    # The program puts an entry equal to one of ours in front, and one of its own at the end.
    its_own = os.path.join(str(tmp_path), "a")
    sys.path.insert(0, its_own)
    sys.path.append("program")
    hook.remove()
    assert sys.path is path
    assert sys.path == [a, *before, "program"]
    assert sys.path[0] is its_own
    assert not hook.active
    hook.remove()  # a second time: nothing
    assert sys.path == [its_own, *before, "program"]


def test_a_path_already_there_is_not_added_and_no_hook_is_made(tmp_path: Path) -> None:
    sys.path.append(str(tmp_path))
    before = list(sys.path)
    assert _config.apply(_config.parse_options({"path": [str(tmp_path)]})) == []
    assert sys.path == before
    assert path_hooks() == []


def test_a_configuration_that_fails_takes_its_paths_out_again(tree: Any) -> None:
    root = tree({"pyproject.toml": "[tool.importcraft]\npath = ['vendor']\n", "vendor/x.py": ""})
    config = _config.load_file(str(root / "pyproject.toml"))
    hooks = _config.apply(config)
    [hook] = path_hooks()
    assert hooks == [hook]
    vendor = str(root / "vendor")
    where = f"{root / 'pyproject.toml'}: [tool.importcraft] path"
    assert hook.description == f"sys.path entries {vendor!r} (from {where}, after sys.path[0])"
    hook.remove()
    before = list(sys.path)
    failing = _config.merge(config, _config.parse_options({"when_imported": ["x=nomod:f"]}))
    with pytest.raises(_config.ConfigError, match="cannot use 'nomod:f'"):
        _config.apply(failing, check_callbacks=True)
    assert sys.path == before
    assert path_hooks() == []
