"""Helpers shared by the benchmark scripts: machine facts, interleaved runs, medians.

The machines are shared and noisy, so every comparison is a ratio of runs interleaved in one
script (A, B, A, B, ...), summarised by medians. Child interpreters run with bytecode writing
on, whatever the environment says, as users' interpreters do.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Sequence


def machine() -> str:
    cpus = os.cpu_count()
    return (
        f"{platform.node()} ({platform.machine()}, {cpus} CPUs), "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{time.strftime('%Y-%m-%d')}"
    )


def start(doc: str, default_rounds: int) -> int:
    """Parse ``--rounds``, print the machine line, and return the number of rounds."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=default_rounds)
    rounds: int = parser.parse_args().rounds
    print(machine())
    return rounds


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; return (wall seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env or child_env(),
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr}")
    return wall, done.stdout


def interleave(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Call each of ``runs`` once per round, rotating the order; collect the figures."""
    names = list(runs)
    results: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(runs[name]())
    return results


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """Median of the per-round ratios a[i] / b[i]."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def ratio_range(a: Sequence[float], b: Sequence[float]) -> str:
    """The lowest and highest per-round ratio a[i] / b[i], as "low-high"."""
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    return f"{min(ratios):.3f}-{max(ratios):.3f}"


def per_call_ns(stmt: str, namespace: dict[str, object], calls: int = 200_000) -> float:
    """Nanoseconds one execution of ``stmt`` takes: the best of five timeit batches."""
    return alternating_ns({"": (stmt, namespace)}, calls, batches=5)[""]


def alternating_ns(
    runs: dict[str, tuple[str, dict[str, object]]], calls: int = 20_000, batches: int = 25
) -> dict[str, float]:
    """Nanoseconds per execution of each ``(stmt, namespace)``, best of ``batches``.

    The batches of the different statements alternate (A, B, A, B, ...), so a slow moment of a
    shared machine falls on all of them alike; for differences of a few nanoseconds.
    """
    timers = {name: timeit.Timer(stmt, globals=ns) for name, (stmt, ns) in runs.items()}
    best = dict.fromkeys(timers, float("inf"))
    for _ in range(batches):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(calls))
    return {name: value / calls * 1e9 for name, value in best.items()}


def venv_python(venv: os.PathLike[str] | str) -> str:
    """The interpreter of a benchmark's own venv."""
    return os.path.join(venv, "bin", "python")


def venv_site_packages(venv: os.PathLike[str] | str) -> str:
    """Where that venv installs packages (its purelib), as its interpreter says."""
    out = subprocess.run(
        [venv_python(venv), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()
