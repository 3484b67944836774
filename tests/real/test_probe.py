"""The tier's instruments: the probe can fail; the venv has importcraft run's start-up hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def run_in_venv(
    venv: Path, folder: Path, code: str, *command: str
) -> subprocess.CompletedProcess[str]:
    (folder / "prog.py").write_text(textwrap.dedent(code))
    shutil.copy(HERE / "_probe.py", folder / "_probe.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTCRAFT"))}
    return subprocess.run(
        [*(command or [str(venv / "bin" / "python")]), str(folder / "prog.py")],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
        check=False,
    )


PRELUDE = """
import sys, _probe
_probe.start()
sys.path.insert(0, "mods")
"""


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("pass", "module bodies run: 2"),
        (
            "del sys.modules['twice']\nimport twice",
            "the body of {mods}/twice.py ran 2 times, as ['twice', 'twice']",
        ),
        (
            "import types\nsys.modules['twice'] = types.ModuleType('twice')",
            "sys.modules['twice'] is <module 'twice'>, not the module whose body ran",
        ),
    ],
    ids=["once", "twice", "replaced"],
)
def test_the_probe_sees_a_second_execution_and_a_replaced_module(
    real_venv: Path, tmp_path: Path, action: str, expected: str
) -> None:
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "twice.py").write_text("VALUE = 1\n")
    (mods / "other.py").write_text("import twice\n")
    proc = run_in_venv(
        real_venv,
        tmp_path,
        PRELUDE
        + "import other\n"
        + action
        + "\nprint('module bodies run:', _probe.check_once(), file=sys.stderr)\n",
    )
    assert expected.format(mods=mods) in proc.stderr, proc.stderr
    assert proc.returncode == (0 if action == "pass" else 1), proc.stderr


def test_the_venv_has_the_start_up_hook_of_importcraft_run(real_venv: Path, tmp_path: Path) -> None:
    # A child process of `importcraft run` gets its configuration through importcraft_bootstrap.pth;
    # the editable install must have put it in the venv's site-packages.
    code = """
        import subprocess, sys
        child = "import importcraft, requests; print('child lazy:', importcraft.is_lazy(requests))"
        subprocess.run([sys.executable, "-c", child], check=True)
    """
    proc = run_in_venv(
        real_venv,
        tmp_path,
        code,
        str(real_venv / "bin" / "importcraft"),
        "run",
        "--lazy",
        "requests",
    )
    assert proc.stdout == "child lazy: True\n", proc.stderr
