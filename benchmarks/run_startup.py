"""Benchmark of what `importcraft run` adds to a program's start-up (issue 10).

Fresh interpreters, interleaved: `python app.py` against `importcraft run --block sqlite3
app.py` (the console script), app.py empty, in a folder without a pyproject.toml. With
``--before SRC`` (a checkout's src/ folder of an earlier version, e.g. from `git archive`), that
version's `importcraft run` is timed in the same rounds (through PYTHONPATH).

Run: .venv/bin/python benchmarks/run_startup.py [--rounds N] [--before SRC]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import child_env, interleave, machine, median

RUNS_PER_ROUND = 5


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Milliseconds one run of ``command`` takes (the median of a few)."""
    walls = []
    for _ in range(RUNS_PER_ROUND):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        walls.append((time.perf_counter() - start) * 1e3)
    return median(walls)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--before", metavar="SRC", help="an earlier version's src/ folder")
    options = parser.parse_args()
    print(machine())
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "app.py").write_text("")
        env = {k: v for k, v in child_env().items() if k not in ("IMPORTCRAFT_RUN", "PYTHONPATH")}
        console = str(Path(sys.executable).parent / "importcraft")
        run = [console, "run", "--block", "sqlite3", "app.py"]
        runs = {
            "python app.py": lambda: timed([sys.executable, "app.py"], folder, env),
            "importcraft run": lambda: timed(run, folder, env),
        }
        if options.before:
            before_env = {**env, "PYTHONPATH": os.path.abspath(options.before)}
            runs["importcraft run (before)"] = lambda: timed(run, folder, before_env)
        results = interleave(runs, options.rounds)
    finally:
        shutil.rmtree(folder)
    plain = results["python app.py"]
    print(f"    {'':<26} {'median ms':>10} {'over python':>12} {'ratio':>7}")
    for name, values in results.items():
        over = median([v - p for v, p in zip(values, plain, strict=True)])
        ratio = median([v / p for v, p in zip(values, plain, strict=True)])
        print(f"    {name:<26} {median(values):10.1f} {over:+11.1f} {ratio:7.2f}")


if __name__ == "__main__":
    main()
