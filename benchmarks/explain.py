"""Benchmark of importcraft.explain() (issue 12, Benchmark (c)): target under 20 ms.

sys.path holds 50 entries: the interpreter's own (standard library, lib-dynload, site-packages,
...) and generated folders of 20 modules each up to 50. Measured in a fresh interpreter per
round, each figure the time of one explain() call:

- found:      a module in the last folder, the path-entry finders already in
              sys.path_importer_cache (as in a program that has imported from those folders);
- cold:       the same name with no finder cached for the generated folders (explain() makes
              them through sys.path_hooks and, as it must not, never caches them: every call
              of this kind lists the folders afresh);
- shadowing:  ``random`` with a random.py in a generated folder (two places found);
- not found:  a misspelt name, with its help (close names among every folder's modules, the
              installed distributions read from *.dist-info);
- first call: the first explain() in the interpreter, loading importcraft.inspect._explain.

Run: .venv/bin/python benchmarks/explain.py [--rounds N]
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from _common import child_env, median, run_child, start

ENTRIES = 50
MODULES = 20

CHILD = """
import json, sys, time
folders = json.loads(sys.argv[1])
sys.path[:] = [p for p in sys.path if p]  # the interpreter's own entries
sys.path.extend(folders[len(sys.path) - 50 :])  # the last generated folders, up to 50
assert len(sys.path) == 50, len(sys.path)
last = sys.path[-1]
import importcraft
t0 = time.perf_counter()
importcraft.explain("json")  # first call: loads the module
first = time.perf_counter() - t0

def timed(name, repeat=20):
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        e = importcraft.explain(name)
        best.append(time.perf_counter() - t)
    return min(best), sorted(best)[len(best) // 2], e

cold = timed("target_module")
# Make the path-entry finders of every folder, as a program importing from them would.
import importlib.machinery
importlib.machinery.PathFinder.find_spec("no_such_name_at_all")
found = timed("target_module")
shadow = timed("random")
missing = timed("target_modul")
assert found[2].found and found[2].origin.startswith(last), found[2].origin
assert shadow[2].shadowed, str(shadow[2])
assert not missing[2].found and any("target_module" in s for s in missing[2].suggestions)
print(json.dumps({
    "first call": first,
    "found": found[1], "cold": cold[1], "shadowing": shadow[1], "not found": missing[1],
}))
"""


def main() -> None:
    rounds = start(__doc__ or "", 5)
    root = Path(tempfile.mkdtemp(prefix="explain-bench-"))
    try:
        folders = []
        for index in range(ENTRIES):
            folder = root / f"entry{index:02d}"
            folder.mkdir()
            for number in range(MODULES):
                (folder / f"mod_{index}_{number}.py").write_text("x = 1\n")
            folders.append(str(folder))
        (Path(folders[-1]) / "target_module.py").write_text("x = 1\n")
        # A folder in the middle (after the standard library) holds random.py.
        (root / f"entry{ENTRIES // 2}" / "random.py").write_text("raise SystemExit('ran')\n")
        figures: dict[str, list[float]] = {}
        for _ in range(rounds):
            _, out = run_child(CHILD, json.dumps(folders), env=child_env())
            for key, value in json.loads(out).items():
                figures.setdefault(key, []).append(value)
    finally:
        shutil.rmtree(root)
    print(f"sys.path of {ENTRIES} entries, {MODULES} modules per generated folder")
    print(
        f"{'case':<12} {'median ms':>10}  "
        f"(median of {rounds} interpreters, each the median of 20 calls)"
    )
    for key, values in figures.items():
        marker = "" if key == "first call" or median(values) * 1e3 < 20 else "  over 20 ms"
        print(f"{key:<12} {median(values) * 1e3:>10.2f}{marker}")


if __name__ == "__main__":
    sys.exit(main())
