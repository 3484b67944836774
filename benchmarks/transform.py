"""Benchmark of transforms (issue 5).

(a) A generated package of 300 modules of about 100 lines is imported seven ways: plain (warm
.pyc); transformed with importcraft.transformers.AssertionRewriter from a cold cache, and from a
warm cache; with a transformer that leaves the tree as it is ("noop", warm cache: the engine and
cache alone); warm, but with every source saved a moment ago ("hashed": each cache entry is then
checked by hashing its source, as after a fresh checkout); warm, with the check that hashes every
source at every import ("checked", IMPORTCRAFT_CACHE_CHECK=hash); and through a naive hook (a
finder that parses, transforms and compiles on every import, with no cache). Each way has its
own copy of the package, its files an hour old. In each round a fresh interpreter imports module
0 of the plain, warm, noop, hashed and checked copies, then module 1 of each, and so on (the
order rotates), timing each import, so the five are compared moment by moment; a second fresh
interpreter does the same for the cold and naive copies. Targets: warm cache at most 1.10x the
plain import; warm cache at least 10x faster than the naive hook.

(b) A passing assert under AssertionRewriter against the original (target: at most 1.2x), in a
fresh interpreter per round.

(c) An assert-dense module (100 functions of four asserts each, issue 11). Rewrite cost: parsing,
rewriting and compiling it with AssertionRewriter against the same with pytest's own rewriter
(``_pytest.assertion.rewrite.rewrite_asserts``; target: at most 1.0x). Warm import: 60 copies of
it imported from importcraft's warm cache against plain imports from ``.pyc``, interleaved module
by module in a fresh interpreter per round (target: at most 1.10x); and the whole cost of a
fresh interpreter that sets up the rewriter and imports one copy warm, against one that imports
it plainly. Also the size of the cached code against the plain ``.pyc``.

Run: .venv/bin/python benchmarks/transform.py [--rounds N]
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from _common import (
    child_env,
    interleave,
    median,
    paired_ratio,
    ratio_range,
    run_child,
    start,
)

from importcraft.rewrite._engine import pipeline_key
from importcraft.transformers import AssertionRewriter

MODULES = 300
# Imported side by side in one interpreter. The slow ways run in interpreters of their own:
# parsing and compiling between two imports slows the next import in ways that depend on the
# loader (a plain import more than a cached transformed one), which would flatter the cache.
FAST = ("plain", "warm", "noop", "hashed", "checked")
SLOW = ("cold", "naive")
MODES = FAST + SLOW

FUNCTION = """\
def step_{i}(values, factor={i}):
    total = 0
    for index, value in enumerate(values):
        if index % 2:
            total += value * factor
        else:
            total -= value
    assert isinstance(total, int), "totals are integers"
    return total

"""


def make_package(root: Path, name: str) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    body = '"""A generated module."""\nimport math\n\n' + "".join(
        FUNCTION.format(i=i) for i in range(10)
    )
    for n in range(MODULES):
        (package / f"m{n}.py").write_text(body)
    # As in a project whose files were not all saved in the last few seconds: see "hashed".
    an_hour_ago = time.time() - 3600
    for path in package.iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))


CHILD = """
import sys, time
root = sys.argv[1]
sys.path.insert(0, root)

import ast, importlib, importlib.machinery
import importcraft
from importcraft.transformers import AssertionRewriter
from importcraft.rewrite import _cache
from importcraft.rewrite._engine import TransformInfo


class Noop:
    cache_key = "noop-1"

    def __call__(self, tree, info):
        return tree


rewriter = AssertionRewriter()
importcraft.transform(["cold_pkg", "warm_pkg", "hashed_pkg", "checked_pkg"], rewriter)
importcraft.transform("noop_pkg", Noop())


class NaiveLoader:
    def __init__(self, path):
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        with open(self.path, "rb") as file:
            source = file.read().decode()
        tree = rewriter(ast.parse(source, self.path), TransformInfo(module.__name__, self.path))
        ast.fix_missing_locations(tree)
        module.__dict__.update(rewriter.module_globals())
        exec(compile(tree, self.path, "exec"), module.__dict__)


class NaiveFinder:
    def find_spec(self, name, path=None, target=None):
        if not name.startswith("naive_pkg."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        spec.loader = NaiveLoader(spec.origin)
        return spec


sys.meta_path.insert(0, NaiveFinder())
modes = sys.argv[2].split(",")
for mode in modes:
    importlib.import_module(mode + "_pkg")
totals = dict.fromkeys(modes, 0.0)
clock = time.perf_counter
for n in range(MODULES):
    shift = n % len(modes)
    for mode in modes[shift:] + modes[:shift]:
        name = f"{mode}_pkg.m{n}"
        _cache._always_hash = mode == "checked"  # IMPORTCRAFT_CACHE_CHECK=hash for this way only
        begin = clock()
        importlib.import_module(name)
        totals[mode] += clock() - begin
print(" ".join(f"{totals[mode]}" for mode in modes))
""".replace("MODULES", str(MODULES))


def imports(rounds: int) -> None:
    print(
        f"(a) importing {MODULES} modules of ~100 lines, each way its own copy of the package, "
        f"interleaved module by module in a fresh interpreter per round, {rounds} rounds"
    )
    root = Path(tempfile.mkdtemp())
    try:
        for mode in MODES:
            make_package(root, f"{mode}_pkg")
        env = child_env()
        key = pipeline_key([AssertionRewriter()])
        cold_cache = root / "cold_pkg" / "__pycache__"
        for group in (FAST, SLOW):  # writes the .pyc files and the warm caches
            run_child(CHILD, str(root), ",".join(group), env=env)

        def timed(group: tuple[str, ...]) -> list[float]:
            if "cold" in group:  # the cold copy loses only its transformed code, not its .pyc
                for path in cold_cache.glob(f"*.importcraft-{key}*.pyc"):
                    path.unlink()
            if "hashed" in group:  # saved just now: the cache is checked by hashing the source
                for path in (root / "hashed_pkg").glob("m*.py"):
                    os.utime(path)
            out = run_child(CHILD, str(root), ",".join(group), env=env)[1]
            return [float(x) * 1e3 for x in out.split()]

        by_group = interleave({"fast": lambda: timed(FAST), "slow": lambda: timed(SLOW)}, rounds)
    finally:
        shutil.rmtree(root)
    results = {mode: [r[i] for r in by_group["fast"]] for i, mode in enumerate(FAST)}
    results.update({mode: [r[i] for r in by_group["slow"]] for i, mode in enumerate(SLOW)})
    for mode, values in results.items():
        print(f"    {mode:<6} {median(values):8.1f} ms")
    warm = paired_ratio(results["warm"], results["plain"])
    naive = paired_ratio(results["naive"], results["warm"])
    cold = paired_ratio(results["cold"], results["plain"])
    noop = paired_ratio(results["noop"], results["plain"])
    hashed = paired_ratio(results["hashed"], results["plain"])
    checked = paired_ratio(results["checked"], results["plain"])
    spread = ratio_range(results["warm"], results["plain"])
    print(
        f"    warm / plain: {warm:.3f} (target <= 1.10; rounds ranged {spread}); "
        f"naive / warm: {naive:.1f}x (target >= 10)"
    )
    print(f"    cold / plain: {cold:.1f}x")
    print(
        f"    noop / plain: {noop:.3f} (the engine and cache alone: a transformer that "
        "leaves the code as it is; AssertionRewriter makes the code about 37% larger)"
    )
    print(
        f"    hashed / plain: {hashed:.3f} (warm cache, sources saved less than "
        "3 s before: each is read and hashed to check its entry)"
    )
    print(
        f"    checked / plain: {checked:.3f} (warm cache, IMPORTCRAFT_CACHE_CHECK=hash: every "
        "source read and hashed at every import)"
    )


ASSERTS = """\
def add(a, b):
    return a + b

def check(x, y):
    assert add(x, y) == x + y
    assert x < 10 and y < 10, "small numbers"
"""


ASSERTS_CHILD = """
import importlib, sys
root, benchmarks = sys.argv[1], sys.argv[2]
sys.path[:0] = [root, benchmarks]
import importcraft
from importcraft.transformers import AssertionRewriter
from _common import alternating_ns

importcraft.transform("rewritten_asserts", AssertionRewriter(), cache=False)
plain = importlib.import_module("plain_asserts")
rewritten = importlib.import_module("rewritten_asserts")
ns = alternating_ns(
    {
        "original": ("check(3, 4)", {"check": plain.check}),
        "AssertionRewriter": ("check(3, 4)", {"check": rewritten.check}),
    }
)
print(ns["original"], ns["AssertionRewriter"])
"""


def passing_asserts(rounds: int) -> None:
    print(
        "(b) one call of a function with two passing asserts, ns (a fresh interpreter per "
        "round: best of 25 batches of 20,000 calls, the two alternating)"
    )
    # One interpreter per round: where the code and data of a function land in memory can make
    # it steadily faster or slower for a whole process (one run gave 1.4 in every batch).
    root = Path(tempfile.mkdtemp())
    try:
        (root / "plain_asserts.py").write_text(ASSERTS)
        (root / "rewritten_asserts.py").write_text(ASSERTS)
        here = str(Path(__file__).resolve().parent)
        by_round = [
            [float(x) for x in run_child(ASSERTS_CHILD, str(root), here)[1].split()]
            for _ in range(rounds)
        ]
    finally:
        shutil.rmtree(root)
    results = {name: [r[i] for r in by_round] for i, name in enumerate(("original", "rewritten"))}
    for name, values in results.items():
        print(f"    {name:<18} {median(values):6.1f} ns")
    ratio = paired_ratio(results["rewritten"], results["original"])
    spread = ratio_range(results["rewritten"], results["original"])
    print(f"    rewritten / original: {ratio:.3f} (target <= 1.2; rounds ranged {spread})")


DENSE_FUNCTION = """\
def check_{i}(items, box, name="x{i}"):
    assert len(items) == {i} % 7 + 3, "length of " + name
    assert box.count() >= 0 and items[0] != -1
    assert items == sorted(items), items
    assert name not in str(box) or box.size > {i}

"""
DENSE = '"""An assert-dense module."""\n\n' + "".join(
    DENSE_FUNCTION.format(i=i) for i in range(100)
)
DENSE_COPIES = 60


REWRITE_CHILD = """
import ast, sys, time
from _pytest.assertion.rewrite import rewrite_asserts
from importcraft.transformers import AssertionRewriter
from importcraft.rewrite._engine import TransformInfo
source = open(sys.argv[1], "rb").read()
text = source.decode()
rewriter = AssertionRewriter()
info = TransformInfo("dense", sys.argv[1])

def ours():
    tree = rewriter(ast.parse(text, sys.argv[1]), info)
    return compile(ast.fix_missing_locations(tree), sys.argv[1], "exec")

def pytests():
    tree = ast.parse(source, sys.argv[1])
    rewrite_asserts(tree, source, sys.argv[1], None)
    return compile(tree, sys.argv[1], "exec")

best = {"ours": float("inf"), "pytest": float("inf")}
for _ in range(7):
    for name, run in (("ours", ours), ("pytest", pytests)):
        begin = time.perf_counter()
        run()
        best[name] = min(best[name], time.perf_counter() - begin)
import marshal
sizes = [len(marshal.dumps(make())) for make in (ours, pytests)]
print(best["ours"] * 1e3, best["pytest"] * 1e3, *sizes)
"""

DENSE_CHILD = """
import importlib, sys, time
sys.path.insert(0, sys.argv[1])
import importcraft
from importcraft.transformers import AssertionRewriter
importcraft.transform("warmd_pkg", AssertionRewriter())
importlib.import_module("plaind_pkg")
importlib.import_module("warmd_pkg")
totals = {"plain": 0.0, "warm": 0.0}
clock = time.perf_counter
for n in range(COPIES):
    for mode in (("plain", "warm") if n % 2 else ("warm", "plain")):
        begin = clock()
        importlib.import_module(f"{mode}d_pkg.m{n}")
        totals[mode] += clock() - begin
loaded = [m for m in ("ast", "re", "enum", "difflib", "contextlib") if m in sys.modules]
print(totals["plain"] * 1e3, totals["warm"] * 1e3, ",".join(loaded) or "-")
""".replace("COPIES", str(DENSE_COPIES))

PROCESS_CHILD = {
    "plain": "import sys, time; b = time.perf_counter(); sys.path.insert(0, sys.argv[1]); "
    "import plaind_pkg.m0; print((time.perf_counter() - b) * 1e3)",
    "warm": "import sys, time; b = time.perf_counter(); sys.path.insert(0, sys.argv[1]); "
    "import importcraft; from importcraft.transformers import AssertionRewriter; "
    "importcraft.transform('warmd_pkg', AssertionRewriter()); "
    "import warmd_pkg.m0; print((time.perf_counter() - b) * 1e3)",
}


def dense(rounds: int) -> None:
    print(
        f"(c) an assert-dense module (100 functions, 400 asserts, {len(DENSE.splitlines())} "
        f"lines), {rounds} rounds"
    )
    root = Path(tempfile.mkdtemp())
    try:
        for mode in ("plaind", "warmd"):
            package = root / f"{mode}_pkg"
            package.mkdir()
            (package / "__init__.py").write_text("")
            for n in range(DENSE_COPIES):
                (package / f"m{n}.py").write_text(DENSE)
            an_hour_ago = time.time() - 3600
            for path in package.iterdir():
                os.utime(path, (an_hour_ago, an_hour_ago))
        env = child_env()
        run_child(DENSE_CHILD, str(root), env=env)  # writes the .pyc files and the cache
        source = root / "plaind_pkg" / "m0.py"
        rewrite = [
            [float(x) for x in run_child(REWRITE_CHILD, str(source), env=env)[1].split()]
            for _ in range(rounds)
        ]
        imports = [run_child(DENSE_CHILD, str(root), env=env)[1].split() for _ in range(rounds)]

        def process(mode: str) -> float:
            return float(run_child(PROCESS_CHILD[mode], str(root), env=env)[1])

        processes = interleave({m: lambda m=m: process(m) for m in PROCESS_CHILD}, rounds)
        pyc = next((root / "plaind_pkg" / "__pycache__").glob("m0.*.pyc")).stat().st_size
        cached = next((root / "warmd_pkg" / "__pycache__").glob("m0.*.importcraft-*.pyc"))
        cached_size = cached.stat().st_size
    finally:
        shutil.rmtree(root)
    ours = [r[0] for r in rewrite]
    theirs = [r[1] for r in rewrite]
    our_size, pytest_size = int(rewrite[0][2]), int(rewrite[0][3])
    print(
        f"    rewrite + compile: AssertionRewriter {median(ours):.1f} ms, pytest "
        f"{median(theirs):.1f} ms; ours / pytest: {paired_ratio(ours, theirs):.2f} "
        "(target <= 1.0)"
    )
    plain = [float(r[0]) for r in imports]
    warm = [float(r[1]) for r in imports]
    print(
        f"    warm import of {DENSE_COPIES} copies: plain {median(plain):.1f} ms, warm cache "
        f"{median(warm):.1f} ms; warm / plain: {paired_ratio(warm, plain):.3f} (target <= 1.10; "
        f"rounds ranged {ratio_range(warm, plain)}); modules of note loaded: {imports[0][2]}"
    )
    print(
        f"    a fresh interpreter importing one copy: plain {median(processes['plain']):.1f} ms, "
        f"importcraft + rewriter + warm import {median(processes['warm']):.1f} ms"
    )
    size = cached_size / pyc
    print(
        f"    code size: cached {cached_size} bytes / plain .pyc {pyc} bytes = {size:.2f} "
        f"(pytest's rewritten code: {pytest_size / our_size * size:.1f}x the plain .pyc)"
    )


def main() -> None:
    rounds = start(__doc__ or "", 10)
    dense(rounds)
    passing_asserts(rounds)
    imports(rounds)


if __name__ == "__main__":
    main()
