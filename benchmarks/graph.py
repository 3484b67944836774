"""Benchmark of the static import graph (issue 14): importcraft.import_graph() against grimp 3.20
(whose graph builder is Rust) on sympy, django and pandas installed in the benchmark's venv.

Every figure is taken in a fresh interpreter of that venv, from before the library is imported
to the graph built (interpreter start-up excluded), the runs interleaved round by round and
summarised by medians and by the median of the per-round ratios:

- cold: importcraft with an empty cache directory each round (``IMPORTCRAFT_CACHE_DIR``), every
  core reading; grimp with ``cache_dir=None`` (no cache);
- warm: importcraft from its per-file cache; grimp from its own cache (``cache_dir=``, filled once);
- changed: one file of the package rewritten (a comment appended, a new mtime) before each round,
  then importcraft from its cache (the file re-read, the others not); the difference to warm is
  what re-reading the one file costs;
- peak memory: ``ru_maxrss`` of the child (and, for importcraft's cold build, of its largest
  reading worker), against grimp's.

The venv is kept under the benchmark cache directory, ``$IMPORTCRAFT_BENCH_DIR`` or
``~/.cache/importcraft-bench``, and reused by later runs; importcraft comes from this work tree
(a ``.pth`` file naming its ``src``), sympy, django, pandas and grimp from the registry.

Run: .venv/bin/python benchmarks/graph.py [--rounds N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    interleave,
    median,
    paired_ratio,
    ratio_range,
    start,
    venv_python,
    venv_site_packages,
)

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(
    os.environ.get("IMPORTCRAFT_BENCH_DIR") or Path.home() / ".cache" / "importcraft-bench"
)
VENV = BENCH / f"graph-venv-{sys.version_info[0]}.{sys.version_info[1]}"
REQUIREMENTS = ("sympy", "django", "pandas", "grimp==3.20")
PACKAGES = {  # package -> the file changed for the "changed" figure
    "sympy": "core/basic.py",
    "django": "db/models/base.py",
    "pandas": "core/frame.py",
}
SCRATCH = BENCH / "graph-scratch"


def python() -> str:
    return venv_python(VENV)


def site_packages() -> Path:
    return Path(venv_site_packages(VENV))


def build_venv() -> None:
    stamp = VENV / ".complete"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if stamp.exists() and stamp.read_text() == wanted:
        print(f"venv: {VENV} (reused)")
    else:
        print(f"venv: building {VENV} with {', '.join(REQUIREMENTS)} (once)")
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *REQUIREMENTS], check=True)
        stamp.write_text(wanted)
    (site_packages() / "importcraft-worktree.pth").write_text(str(ROOT / "src") + "\n")


def child_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTCRAFT"))}
    env["IMPORTCRAFT_CACHE_DIR"] = str(cache)
    return env


CHILD = """
import resource, sys, time
_t0 = time.perf_counter()
{body}
_t1 = time.perf_counter()
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(_t1 - _t0, me, workers, edges, globals().get("_warm", 0.0))
"""

IMPORTCRAFT = """
import importcraft
graph = importcraft.import_graph({package!r})
edges = sum(1 for e in graph.edges if e.imported in graph.internal)
"""

# In one process: two builds from the cache (the second timed: _warm), one file changed, the
# build after it timed: the difference is what re-reading that one file costs.
CHANGED = """
import importcraft
importcraft.import_graph({package!r})
_w0 = time.perf_counter()
importcraft.import_graph({package!r})
_warm = time.perf_counter() - _w0
with open({target!r}, "ab") as stream:
    stream.write(b"# benchmark edit\\n")
_t0 = time.perf_counter()
graph = importcraft.import_graph({package!r})
edges = sum(1 for e in graph.edges if e.imported in graph.internal)
"""

GRIMP = """
import grimp
graph = grimp.build_graph({package!r}, cache_dir={cache!r})
edges = sum(len(graph.find_modules_directly_imported_by(m)) for m in graph.modules)
"""

memory: dict[str, list[tuple[int, int]]] = {}
warm_in_process: list[float] = []
edge_counts: dict[str, int] = {}


def run(name: str, body: str, cache: Path) -> float:
    done = subprocess.run(
        [python(), "-c", CHILD.format(body=body)],
        capture_output=True,
        text=True,
        env=child_env(cache),
        cwd=str(SCRATCH),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr}")
    seconds, me, workers, edges, warm = done.stdout.split()
    if name == "importcraft changed":
        warm_in_process.append(float(warm))
    memory.setdefault(name, []).append((int(me), int(workers)))
    edge_counts[name] = int(edges)
    return float(seconds)


def bench(package: str, changed: str, rounds: int, sp: Path) -> None:
    print(f"\n== {package}")
    warm_ic = SCRATCH / f"ic-warm-{package}"
    warm_grimp = SCRATCH / f"grimp-warm-{package}"
    for folder in (warm_ic, warm_grimp):
        shutil.rmtree(folder, ignore_errors=True)
    # Fill both caches once (grimp's, importcraft's).
    run("fill", GRIMP.format(package=package, cache=str(warm_grimp)), warm_ic)
    run("fill", IMPORTCRAFT.format(package=package), warm_ic)
    changed_ic = SCRATCH / f"ic-changed-{package}"
    shutil.rmtree(changed_ic, ignore_errors=True)
    shutil.copytree(warm_ic, changed_ic)
    target = sp / package / changed
    original = target.read_bytes()
    times = os.stat(target)

    def restore() -> None:  # the original bytes and mtime: the warm cache still vouches
        target.write_bytes(original)
        os.utime(target, ns=(times.st_atime_ns, times.st_mtime_ns))

    warm_in_process.clear()

    def ic_cold() -> float:
        with tempfile.TemporaryDirectory(dir=SCRATCH) as empty:
            return run("importcraft cold", IMPORTCRAFT.format(package=package), Path(empty))

    def grimp_cold() -> float:
        return run("grimp cold", GRIMP.format(package=package, cache=None), SCRATCH)

    def ic_warm() -> float:
        return run("importcraft warm", IMPORTCRAFT.format(package=package), warm_ic)

    def grimp_warm() -> float:
        body = GRIMP.format(package=package, cache=str(warm_grimp))
        return run("grimp warm", body, SCRATCH)

    def ic_changed() -> float:
        restore()
        body = CHANGED.format(package=package, target=str(target))
        return run("importcraft changed", body, changed_ic)

    try:
        results = interleave(
            {
                "importcraft cold": ic_cold,
                "grimp cold": grimp_cold,
                "importcraft warm": ic_warm,
                "grimp warm": grimp_warm,
                "importcraft changed": ic_changed,
            },
            rounds,
        )
    finally:
        restore()
    for name, values in results.items():
        me = median([m for m, _ in memory[name]]) / 1024
        workers = median([w for _, w in memory[name]]) / 1024
        extra = f", largest worker {workers:.0f} MB" if name == "importcraft cold" else ""
        print(f"{name:22} {median(values):7.3f} s   peak {me:6.0f} MB{extra}")
    for what in ("cold", "warm"):
        a, b = results[f"importcraft {what}"], results[f"grimp {what}"]
        print(
            f"{what}: importcraft / grimp = {paired_ratio(a, b):.2f} (rounds {ratio_range(a, b)})"
        )
    delta = [c - w for c, w in zip(results["importcraft changed"], warm_in_process, strict=True)]
    print(
        f"one file changed ({changed}), in one process: {median(warm_in_process):.3f} s "
        f"from the cache, {median(results['importcraft changed']):.3f} s after the change: "
        f"+{median(delta):.3f} s (median of the per-round differences)"
    )
    print(
        f"internal edges: importcraft {edge_counts['importcraft warm']}, "
        f"grimp {edge_counts['grimp warm']}"
    )


def main() -> None:
    rounds = start(__doc__ or "", 5)
    build_venv()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    sp = site_packages()
    for package, changed in PACKAGES.items():
        bench(package, changed, rounds, sp)


if __name__ == "__main__":
    main()
