"""The real-package tier: a cached venv with the packages of requirements.txt, built once a run.

Not a skip anywhere: a venv that cannot be built fails the tier.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def real_venv() -> Path:
    """The venv of tools/real-venv for this Python, built (or rebuilt) if needed.

    A venv that cannot be built fails every test of the tier with pip's output: never a skip.
    """
    command = [sys.executable, str(ROOT / "tools" / "real-venv")]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("tools/real-venv did not finish in 30 minutes", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"tools/real-venv could not build the venv of the real-package tier "
            f"(exit {proc.returncode}):\n{proc.stderr[-8000:]}",
            pytrace=False,
        )
    python = Path(proc.stdout.strip().splitlines()[-1])
    return python.parent.parent
