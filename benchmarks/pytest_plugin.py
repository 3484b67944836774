"""Benchmark of what importcraft's pytest plugin adds to pytest's start-up (issue 13).

Fresh interpreters, interleaved: `python -m pytest --co -q -p no:cacheprovider` on a small test
folder (20 test files of 10 tests, no markers of importcraft) with the plugin loaded (it is
installed in this venv as the pytest11 entry point `importcraft`) against the same command with
`-p no:importcraft`. Also reported: the importcraft modules loaded at start-up with the plugin
on (from a conftest that writes them down when collection ends), and what importing the plugin
module costs after pytest is imported (timed inside fresh interpreters).

Run: .venv/bin/python benchmarks/pytest_plugin.py [--rounds N]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import child_env, interleave, paired_ratio, ratio_range, run_child, start

FILES = 20
TESTS_PER_FILE = 10


def timed(command: list[str], cwd: Path) -> float:
    """Milliseconds one run of ``command`` takes."""
    began = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=child_env(), check=True, capture_output=True)
    return (time.perf_counter() - began) * 1e3


def main() -> None:
    rounds = start(__doc__ or "", 30)
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "pytest.ini").write_text("[pytest]\n")
        for index in range(FILES):
            tests = "".join(
                f"def test_{n}():\n    assert {n} == {n}\n\n" for n in range(TESTS_PER_FILE)
            )
            (folder / f"test_file{index}.py").write_text(tests)
        pytest = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"]
        runs = {
            "plugin on": lambda: timed(pytest, folder),
            "-p no:importcraft": lambda: timed([*pytest, "-p", "no:importcraft"], folder),
        }
        for run in runs.values():  # warm the bytecode caches
            run()
        results = interleave(runs, rounds)
        (folder / "conftest.py").write_text(
            "import sys\n"
            "def pytest_collection_finish(session):\n"
            "    with open('loaded.txt', 'w') as out:\n"
            "        names = [m for m in sys.modules if m.startswith('importcraft')]\n"
            "        out.write(repr(sorted(names)))\n"
        )
        subprocess.run(pytest, cwd=folder, env=child_env(), capture_output=True, check=True)
        loaded = (folder / "loaded.txt").read_text()
    finally:
        shutil.rmtree(folder)
    # The plugin module's own import, after pytest (which pytest has imported when it loads
    # plugins): fresh interpreters, timed inside them.
    code = (
        "import time, pytest\n"
        "t = time.perf_counter_ns()\n"
        "import importcraft.entrypoints._pytest\n"
        "print((time.perf_counter_ns() - t) / 1e3)\n"
    )
    plugin_us = sorted(float(run_child(code)[1]) for _ in range(15))[7]
    on, off = results["plugin on"], results["-p no:importcraft"]
    print(
        f"`pytest --co -q` on {FILES} files x {TESTS_PER_FILE} tests, {rounds} rounds, "
        "fresh interpreters, interleaved (median ms):"
    )
    for name, values in results.items():
        print(f"  {name:20} {sorted(values)[len(values) // 2]:8.1f} ms")
    print(
        f"  ratio on/off: median {paired_ratio(on, off):.3f} "
        f"(per-round range {ratio_range(on, off)})"
    )
    print(f"  importcraft modules loaded with the plugin on: {loaded}")
    print(
        "  importing importcraft.entrypoints._pytest after pytest (with importcraft and "
        f"importcraft.entrypoints), median of 15 fresh interpreters: {plugin_us:.0f} us"
    )


if __name__ == "__main__":
    main()
