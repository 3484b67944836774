"""Real packages under importcraft: each of eight packages, each way of importing it.

One subprocess per (package, way), in the cached venv of tests/real/conftest.py. The program
imports the package the way under test, then checks what a user would notice: (a) the package's
own smoke behaviour, (b) class identity (one class reached by two paths is one object), (c) each
module body ran once and sys.modules holds the object it ran in (tests/real/_probe.py). The "plain"
way (no importcraft) runs the same checks: it shows that a failure of another way is importcraft's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from .packages import PACKAGES, Package

HERE = Path(__file__).resolve().parent
WAYS = ["plain", "lazy_import", "run_lazy", "lazy_mode", "transform", "alias", "isolated"]


def indent(code: str, level: int) -> str:
    return textwrap.indent(textwrap.dedent(code).strip("\n"), "    " * level) + "\n"


def step(name: str, level: int = 0) -> str:
    return indent(f'print("== step: {name}", file=sys.stderr, flush=True)', level)


def checks(pkg: Package, level: int = 0) -> str:
    """Smoke, identity and the once-check, for the names bound by the imports."""
    top = pkg.top
    code = step("smoke", level) + indent(pkg.smoke, level)
    code += step("identity", level)
    for left, right in pkg.identity:
        message = f"{left} is not {right}: " + "{!r} vs {!r}"
        code += indent(f"assert ({left}) is ({right}), {message!r}.format({left}, {right})", level)
    for name in pkg.modules:
        message = f"sys.modules[{name!r}] is not the module the program uses"
        code += indent(f"assert sys.modules[{name!r}] is {name}, {message!r}", level)
    code += step("once", level)
    code += indent(
        f"""
        assert {top!r} in _probe.executed({top!r}), "the body of {top} never ran"
        print("module bodies run:", _probe.check_once(), file=sys.stderr)
        """,
        level,
    )
    return code


def program(pkg: Package, way: str) -> str:
    """The program that imports ``pkg`` the way ``way`` and checks it."""
    top, subs = pkg.top, pkg.modules[1:]
    plain_imports = "".join(f"import {name}\n" for name in pkg.modules)
    assert_lazy = indent(
        f"""
        assert importcraft.is_lazy({top}), "{top} is not lazy"
        ran = _probe.executed({top!r})
        assert not ran, f"bodies ran before first use: {{ran}}"
        """,
        0,
    )
    code = "import sys\nimport _probe\n\n_probe.start()\n"
    if way != "plain":
        code += "import importcraft\n"
    code += step("import")
    if way == "plain":
        code += plain_imports + checks(pkg)
    elif way == "lazy_import":
        code += f"{top} = importcraft.lazy_import({top!r})\n" + assert_lazy
        code += "".join(f"import {name}\n" for name in subs) + checks(pkg)
    elif way == "run_lazy":
        # Run by `importcraft run --lazy TOP`: plain imports, made lazy by the command.
        code += f"import {top}\n" + assert_lazy
        code += "".join(f"import {name}\n" for name in subs) + checks(pkg)
    elif way == "lazy_mode":
        code += f"with importcraft.lazy_mode(include=[{top!r}]):\n"
        code += indent(f"import {top}\n" + assert_lazy, 1)
        code += "".join(indent(f"import {name}", 1) for name in subs)
        code += checks(pkg)
    elif way == "transform":
        code += indent(
            f"""
            def keep(tree, info):
                return tree

            importcraft.transform({top!r}, keep)
            """,
            0,
        )
        code += plain_imports + checks(pkg)
        for name in pkg.modules:
            code += indent(
                f"""
                status = importcraft.transform_status({name!r})
                assert status.startswith("transformed"), f"{name}: {{status}}"
                """,
                0,
            )
    elif way == "alias":
        alias = f"{top}_alias"
        code += f"importcraft.alias({alias!r}, {top!r})\n"
        code += "".join(f"import {alias}{name[len(top) :]}\n" for name in pkg.modules)
        code += f"from {top} import {pkg.from_import} as from_real\n"
        code += f"import {top}\n"
        code += indent(
            f"""
            assert {top} is {alias}, f"{top} is not {alias}: {{{top}!r}} vs {{{alias}!r}}"
            assert from_real is {alias}.{pkg.from_import}, "from {top} import {pkg.from_import}"
            """,
            0,
        )
        for name in subs:
            code += indent(
                f"""
                assert sys.modules["{alias}{name[len(top) :]}"] is sys.modules[{name!r}], (
                    "{alias}{name[len(top) :]} is not {name}")
                """,
                0,
            )
        code += plain_imports + checks(pkg)
    elif way == "isolated":
        code += "with importcraft.isolated():\n"
        code += indent(plain_imports, 1) + checks(pkg, 1) + indent(f"inside = {top}", 1)
        code += step("after isolated()")
        code += indent(
            f"""
            left = [n for n in sys.modules if n == {top!r} or n.startswith({top + "."!r})]
            assert not left, f"isolated() left {{left}} in sys.modules"
            _probe.reset()
            """,
            0,
        )
        code += plain_imports
        code += f'assert {top} is not inside, "the import after isolated() gave the old module"\n'
        code += checks(pkg)
    else:
        raise AssertionError(way)
    return code + 'print("REAL-OK")\n'


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("pkg", PACKAGES, ids=[p.top for p in PACKAGES])
def test_real_package(real_venv: Path, tmp_path: Path, pkg: Package, way: str) -> None:
    app = tmp_path / "app.py"
    app.write_text(program(pkg, way))
    shutil.copy(HERE / "_probe.py", tmp_path / "_probe.py")
    if way == "run_lazy":
        command = [str(real_venv / "bin" / "importcraft"), "run", "--lazy", pkg.top, str(app)]
    else:
        command = [str(real_venv / "bin" / "python"), str(app)]
    # The environment of a plain user; nothing of the test run's own (PYTHONPATH, importcraft's).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "IMPORTCRAFT", "COV_", "PYTEST", "MPL"))
    }
    env.update(MPLBACKEND="Agg", MPLCONFIGDIR=str(real_venv / "mplconfig"))
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{pkg.top} / {way}: no result in {exc.timeout} s: {' '.join(command)}")
    if proc.returncode != 0 or "REAL-OK" not in proc.stdout:
        steps = [line for line in proc.stderr.splitlines() if line.startswith("== step: ")]
        pytest.fail(
            f"{pkg.top} / {way} failed at {steps[-1][9:] if steps else 'start-up'} "
            f"(exit {proc.returncode}); program {app}:\n"
            f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-6000:]}",
            pytrace=False,
        )
