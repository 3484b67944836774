"""Benchmark of transforms (issue 5).

On a generated package of 300 modules of about 100 lines, each run in a fresh interpreter:
plain import (warm .pyc), transformed import with a cold cache, with a warm cache, and a naive
hook (a finder that parses, transforms and compiles on every import, with no cache). The
transformer is importcraft.transformers.AssertionRewriter; "warm-noop" uses one that returns
the tree unchanged, to show the engine and cache alone. Targets: warm cache at most 1.10x the
plain import; warm cache at least 10x faster than the naive hook. Also: a passing assert under
AssertionRewriter against the original (target: at most 1.2x).

Run: .venv/bin/python benchmarks/transform.py [--rounds N]
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from pathlib import Path

from _common import (
    child_env,
    interleave,
    median,
    paired_ratio,
    per_call_ns,
    run_child,
    start,
)

import importcraft
from importcraft._transform._engine import pipeline_key
from importcraft.transformers import AssertionRewriter

MODULES = 300

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


def make_package(root: Path) -> None:
    package = root / "benchpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    body = '"""A generated module."""\nimport math\n\n' + "".join(
        FUNCTION.format(i=i) for i in range(10)
    )
    for n in range(MODULES):
        (package / f"m{n}.py").write_text(body)


CHILD = """
import sys, time
mode, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
if mode in ("cold", "warm"):
    import importcraft
    from importcraft.transformers import AssertionRewriter
    importcraft.transform("benchpkg", AssertionRewriter())
elif mode == "warm-noop":
    import importcraft

    class Noop:
        cache_key = "noop-1"

        def __call__(self, tree, info):
            return tree

    importcraft.transform("benchpkg", Noop())
elif mode == "naive":
    import ast, importlib.machinery
    from importcraft.transformers import AssertionRewriter
    from importcraft._transform._engine import TransformInfo
    rewriter = AssertionRewriter()

    class NaiveLoader(importlib.machinery.SourceFileLoader):
        def exec_module(self, module):
            source = self.get_data(self.path).decode()
            tree = rewriter(ast.parse(source, self.path), TransformInfo(module.__name__, self.path))
            ast.fix_missing_locations(tree)
            module.__dict__.update(rewriter.module_globals())
            exec(compile(tree, self.path, "exec"), module.__dict__)

    class NaiveFinder:
        def find_spec(self, name, path=None, target=None):
            if not name.startswith("benchpkg."):
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            spec.loader = NaiveLoader(name, spec.origin)
            return spec

    sys.meta_path.insert(0, NaiveFinder())
import importlib
importlib.import_module("benchpkg")
start = time.perf_counter()
for n in range(MODULES):
    importlib.import_module(f"benchpkg.m{n}")
print(time.perf_counter() - start)
""".replace("MODULES", str(MODULES))


def imports(rounds: int) -> None:
    print(f"(a) importing {MODULES} modules of ~100 lines, fresh interpreters, {rounds} rounds")
    root = Path(tempfile.mkdtemp())
    cache = root / "benchpkg" / "__pycache__"
    try:
        make_package(root)
        env = child_env()
        key = pipeline_key([AssertionRewriter()])
        for mode in ("plain", "warm", "warm-noop"):
            run_child(CHILD, mode, str(root), env=env)  # warm the caches

        def timed(mode: str) -> float:
            if mode == "cold":  # only this pipeline's cache: the no-op one stays warm
                for path in cache.glob(f"*.importcraft-{key}*.pyc"):
                    path.unlink()
            return float(run_child(CHILD, mode, str(root), env=env)[1]) * 1e3

        modes = ("plain", "cold", "warm", "warm-noop", "naive")
        results = interleave({m: (lambda m=m: timed(m)) for m in modes}, rounds)
    finally:
        shutil.rmtree(root)
    for mode, values in results.items():
        print(f"    {mode:<9} {median(values):8.1f} ms")
    warm = paired_ratio(results["warm"], results["plain"])
    naive = paired_ratio(results["naive"], results["warm"])
    cold = paired_ratio(results["cold"], results["plain"])
    print(
        f"    warm / plain: {warm:.3f} (target <= 1.10); naive / warm: {naive:.1f}x (target >= 10)"
    )
    noop = paired_ratio(results["warm-noop"], results["plain"])
    print(f"    cold / plain: {cold:.1f}x")
    print(
        f"    warm-noop / plain: {noop:.3f} (the engine and cache alone: a transformer that "
        "leaves the code as it is; AssertionRewriter makes the code about 37% larger)"
    )


ASSERTS = """\
def add(a, b):
    return a + b

def check(x, y):
    assert add(x, y) == x + y
    assert x < 10 and y < 10, "small numbers"
"""


def passing_asserts(rounds: int) -> None:
    print("(b) one call of a function with two passing asserts, ns (best of 5 batches)")
    root = Path(tempfile.mkdtemp())
    try:
        (root / "plain_asserts.py").write_text(ASSERTS)
        (root / "rewritten_asserts.py").write_text(ASSERTS)
        sys.path.insert(0, str(root))
        importcraft.transform("rewritten_asserts", AssertionRewriter(), cache=False)
        plain = importlib.import_module("plain_asserts")
        rewritten = importlib.import_module("rewritten_asserts")
        results = interleave(
            {
                "original": lambda: per_call_ns("check(3, 4)", {"check": plain.check}),
                "AssertionRewriter": lambda: per_call_ns("check(3, 4)", {"check": rewritten.check}),
            },
            rounds,
        )
    finally:
        shutil.rmtree(root)
    for name, values in results.items():
        print(f"    {name:<18} {median(values):6.1f} ns")
    ratio = paired_ratio(results["AssertionRewriter"], results["original"])
    print(f"    rewritten / original: {ratio:.3f} (target <= 1.2)")


def main() -> None:
    rounds = start(__doc__ or "", 10)
    passing_asserts(rounds)
    imports(rounds)


if __name__ == "__main__":
    main()
