"""Benchmark of entry-point discovery (issue 13): importcraft's index against importlib.metadata
and stevedore, in a venv holding 500 small distributions.

Every figure is taken in a fresh interpreter of the benchmark's venv, from before the first
import to the list of entry points of one group (interpreter start-up excluded), interleaved
A, B, C, ... and summarised by medians:

(a) importlib.metadata.entry_points(group=...) (cold: imports importlib.metadata, reads every
    distribution's metadata), importcraft's warm index, stevedore's cached discovery
    (``stevedore._cache.get_group_all``: its cache file, keyed by a hash of the path and of the
    mtimes of every entry_points.txt) and stevedore's ``ExtensionManager(group,
    invoke_on_load=False)`` (the same cache, plus importing every plugin: what an application
    pays to get the classes);
(b) the index's first build (an empty cache directory each round), against cold
    importlib.metadata;
(c) the index after one distribution's entry_points.txt changed (rewritten in place before each
    round), against cold importlib.metadata.

The venv (and the 500 wheels) is kept under the benchmark cache directory,
``$IMPORTCRAFT_BENCH_DIR`` or ``~/.cache/importcraft-bench``, and reused by later runs; importcraft
comes from this work tree (a ``.pth`` file naming its ``src``), stevedore from the registry.

Run: .venv/bin/python benchmarks/plugins.py [--rounds N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from _common import interleave, median, paired_ratio, start, venv_python, venv_site_packages

DISTRIBUTIONS = 500
EVERY = 10  # one distribution in EVERY has an entry point in the measured group
GROUP = "importcraft.bench.plugins"
ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(
    os.environ.get("IMPORTCRAFT_BENCH_DIR") or Path.home() / ".cache" / "importcraft-bench"
)
VENV = BENCH / f"plugins-venv-{sys.version_info[0]}.{sys.version_info[1]}"  # one per Python
RACY_S = 3.2  # the index's racy window (3 s), and a little


def make_wheel(folder: Path, index: int) -> Path:
    name = f"bench_dist_{index:03d}"
    info = f"{name}-1.0.dist-info"
    files = {
        f"{name}.py": "class Plugin:\n    pass\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: bench-dist-{index:03d}\n"
        "Version: 1.0\nSummary: a benchmark distribution\n\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    groups = [f"[bench.other]\nthing{index} = {name}:Plugin\n"]
    if index % EVERY == 0:
        groups.append(f"[{GROUP}]\nplugin{index} = {name}:Plugin\n")
    if index % 3 == 0:
        files[f"{info}/entry_points.txt"] = "\n".join(groups)
    elif index % EVERY == 0:
        files[f"{info}/entry_points.txt"] = groups[1]
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    path = folder / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


def python() -> str:
    return venv_python(VENV)


def site_packages() -> Path:
    return Path(venv_site_packages(VENV))


def build_venv() -> None:
    stamp = VENV / ".complete"
    if stamp.exists() and stamp.read_text() == f"{DISTRIBUTIONS}\n":
        print(f"venv: {VENV} (reused)")
        # importcraft from this work tree, whichever tree ran the script last
        (site_packages() / "importcraft-worktree.pth").write_text(str(ROOT / "src") + "\n")
        return
    print(f"venv: building {VENV} with {DISTRIBUTIONS} distributions (once)")
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    wheels = BENCH / "plugin-wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    paths = [str(make_wheel(wheels, i)) for i in range(DISTRIBUTIONS)]
    pip = [python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-index", "--no-deps", *paths], check=True)
    subprocess.run([*pip, "stevedore"], check=True)
    (site_packages() / "importcraft-worktree.pth").write_text(str(ROOT / "src") + "\n")
    stamp.write_text(f"{DISTRIBUTIONS}\n")


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTCRAFT"))}
    env["IMPORTCRAFT_CACHE_DIR"] = str(BENCH / "plugins-cache")
    env["XDG_CACHE_HOME"] = str(BENCH / "plugins-xdg")  # stevedore's cache
    return env


TIMED = """
import time
_t0 = time.perf_counter()
{body}
_t1 = time.perf_counter()
print(_t1 - _t0, len(found))
"""

BODIES = {
    "importlib.metadata": "import importlib.metadata\n"
    f"found = list(importlib.metadata.entry_points(group={GROUP!r}))",
    "importcraft index": "from importcraft.entrypoints._index import entry_points\n"
    f"found = entry_points({GROUP!r})",
    "stevedore get_group_all": "from stevedore import _cache\n"
    f"found = _cache.get_group_all({GROUP!r})",
    "stevedore ExtensionManager": "from stevedore import ExtensionManager\n"
    f"found = list(ExtensionManager({GROUP!r}, invoke_on_load=False))",
}


def timed(name: str, env: dict[str, str] | None = None) -> float:
    done = subprocess.run(
        [python(), "-c", TIMED.format(body=BODIES[name])],
        capture_output=True,
        text=True,
        env=env or child_env(),
        cwd=BENCH / "plugins-cwd",
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr}")
    seconds, count = done.stdout.split()
    expected = DISTRIBUTIONS // EVERY
    if int(count) != expected:
        raise RuntimeError(f"{name} found {count} entry points, not {expected}")
    return float(seconds)


def ms(values: list[float]) -> str:
    return f"{median(values) * 1000:7.2f} ms"


def main() -> None:
    rounds = start(__doc__ or "", 15)
    build_venv()
    (BENCH / "plugins-cwd").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(BENCH / "plugins-cache", ignore_errors=True)
    # Warm both caches, then let every stat age past the index's racy window, then once more:
    # the index is rewritten marked clean, and later runs read no metadata.
    for name in BODIES:
        timed(name)
    time.sleep(RACY_S)
    for name in BODIES:
        timed(name)

    print(f"(a) one group of {DISTRIBUTIONS} distributions, fresh interpreter, median of {rounds}")
    runs = {name: (lambda name=name: timed(name)) for name in BODIES}
    results = interleave(runs, rounds)
    cold = results["importlib.metadata"]
    for name, values in results.items():
        print(
            f"    {name:28} {ms(values)}   "
            f"ratio to importlib.metadata {paired_ratio(values, cold):.3f}"
        )
    index = results["importcraft index"]
    for other in ("stevedore get_group_all", "stevedore ExtensionManager"):
        print(f"    importcraft index / {other}: {paired_ratio(index, results[other]):.3f}")

    print("(b) the index's first build (empty cache directory) against importlib.metadata")
    scratch = BENCH / "plugins-scratch"

    def first_build() -> float:
        shutil.rmtree(scratch, ignore_errors=True)
        return timed("importcraft index", {**child_env(), "IMPORTCRAFT_CACHE_DIR": str(scratch)})

    results = interleave(
        {"first build": first_build, "importlib": lambda: timed("importlib.metadata")}, rounds
    )
    print(
        f"    first build {ms(results['first build'])}, "
        f"importlib.metadata {ms(results['importlib'])}, "
        f"ratio {paired_ratio(results['first build'], results['importlib']):.3f}"
    )

    print("(c) after one distribution's entry_points.txt was rewritten in place")
    target = next(site_packages().glob("bench_dist_000-*.dist-info")) / "entry_points.txt"
    original = target.read_text()

    def after_change() -> float:
        with open(target, "r+") as stream:  # rewritten in place: same inode, new mtime
            stream.write(original)
        return timed("importcraft index")

    results = interleave(
        {"changed": after_change, "importlib": lambda: timed("importlib.metadata")}, rounds
    )
    print(
        f"    index after a change {ms(results['changed'])}, "
        f"importlib.metadata {ms(results['importlib'])}, "
        f"ratio {paired_ratio(results['changed'], results['importlib']):.3f}"
    )
    target.write_text(original)


if __name__ == "__main__":
    main()
