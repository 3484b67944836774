"""Benchmark of "change what an import means" (issue 3).

(a) an aliased import against a plain one: `import alias` (alias -> a small module file) against
    `import target`, both loading the module afresh, and `import alias` when the target is
    already imported;
(b) the start-up cost of importcraft_bootstrap.pth when IMPORTCRAFT_RUN is unset (target: under
    0.2 ms): site processing that file, against site processing an empty .pth file, in-process;
    and fresh interpreters running site.addsitedir on a folder holding only that file, against
    an empty folder;
(c) registration cost (issue 10, target: O(1) amortised per name): registering 100, 1,000 and
    10,000 aliases (one alias() call each) and blocked names (one block() call holding them
    all), microseconds per name and the peak memory tracemalloc sees, per name. Flat columns
    from 100 to 10,000 mean constant cost per name.
(d) deprecate_attribute() on the reads it does not deprecate (target: the floor any ModuleType
    subclass costs, as CPython specialises attribute reads of exact modules only): reading a
    non-deprecated attribute of a module with one deprecated attribute, against the same read
    on an identical module without any.

Run: .venv/bin/python benchmarks/meaning.py [--rounds N] [--only d]
"""

from __future__ import annotations

import importlib
import os
import shutil
import site
import sys
import tempfile
import time
from pathlib import Path

from _common import child_env, interleave, median, paired_ratio, run_child, start

import importcraft

TARGET = "def f(x):\n    return x + 1\n\nVALUE = 42\n"


def timed_imports(names: tuple[str, ...], count: int) -> float:
    """Microseconds one `import_module(names[0])` takes with ``names`` removed first."""
    modules = sys.modules
    import_module = importlib.import_module
    first = names[0]
    start = time.perf_counter()
    for _ in range(count):
        for name in names:
            modules.pop(name, None)
        import_module(first)
    return (time.perf_counter() - start) / count * 1e6


def aliased_imports(rounds: int) -> None:
    print("(a) one import, microseconds (median of interleaved rounds of 2,000 imports)")
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "bench_target.py").write_text(TARGET)
        sys.path.insert(0, str(folder))
        importcraft.alias("bench_alias", "bench_target")
        importlib.import_module("bench_alias")
        runs = {
            "plain: import bench_target": lambda: timed_imports(("bench_target",), 2000),
            "aliased: import bench_alias": lambda: timed_imports(
                ("bench_alias", "bench_target"), 2000
            ),
            "aliased, target already imported": lambda: timed_imports(("bench_alias",), 2000),
        }
        results = interleave(runs, rounds)
    finally:
        shutil.rmtree(folder)
    for name, values in results.items():
        print(f"    {name:<36} {median(values):8.1f} µs")
    plain, aliased = results["plain: import bench_target"], results["aliased: import bench_alias"]
    print(
        f"    aliased / plain: {paired_ratio(aliased, plain):.2f} "
        f"(alias adds {median(aliased) - median(plain):.1f} µs)"
    )


def bootstrap_cost(rounds: int) -> None:
    print("(b) importcraft_bootstrap.pth when IMPORTCRAFT_RUN is unset")
    os.environ.pop("IMPORTCRAFT_RUN", None)
    ours = next(
        (Path(d) / "importcraft_bootstrap.pth")
        for d in site.getsitepackages()
        if (Path(d) / "importcraft_bootstrap.pth").is_file()
    )
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "ours").mkdir()
        (folder / "empty").mkdir()
        shutil.copy(ours, folder / "ours" / ours.name)
        (folder / "empty" / ours.name).write_text("")

        def processing(which: str) -> float:
            start = time.perf_counter()
            for _ in range(1000):
                site.addpackage(str(folder / which), ours.name, set())
            return (time.perf_counter() - start) / 1000 * 1e6

        results = interleave(
            {"ours": lambda: processing("ours"), "empty": lambda: processing("empty")}, rounds
        )
        print(
            f"    site processing the file: {median(results['ours']):.1f} µs; an empty .pth file: "
            f"{median(results['empty']):.1f} µs; the line itself: "
            f"{median(results['ours']) - median(results['empty']):.1f} µs"
        )
        env = child_env()
        code = "import site, sys; site.addsitedir(sys.argv[1])"
        walls = interleave(
            {
                which: (lambda w=which: run_child(code, str(folder / w), env=env)[0] * 1e3)
                for which in ("ours", "empty")
            },
            rounds,
        )
        print(
            f"    fresh interpreter + addsitedir: with the file {median(walls['ours']):.2f} ms, "
            f"empty folder {median(walls['empty']):.2f} ms, difference "
            f"{median(walls['ours']) - median(walls['empty']):+.2f} ms "
            f"(ratio {paired_ratio(walls['ours'], walls['empty']):.3f}; start-up noise dominates)"
        )
    finally:
        shutil.rmtree(folder)


def registration_cost() -> None:
    import gc
    import tracemalloc

    print("(c) registration, per name: microseconds (best of 3) and peak traced bytes")

    def aliases(count: int) -> None:
        hooks = [importcraft.alias(f"bench_old_{i}", f"bench_new_{i}.mod") for i in range(count)]
        for hook in hooks:
            hook.remove()

    def blocked(count: int) -> None:
        importcraft.block(*[f"bench_blocked_{i}" for i in range(count)]).remove()

    for label, register in (("alias()", aliases), ("block()", blocked)):
        for count in (100, 1_000, 10_000):
            best = float("inf")
            for _ in range(3):
                gc.collect()
                start = time.perf_counter()
                register(count)
                best = min(best, time.perf_counter() - start)
            gc.collect()
            tracemalloc.start()
            register(count)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"    {label:<8} {count:>6,} names: {best / count * 1e6:7.1f} µs/name "
                f"(with removal), peak {peak / count:7.0f} B/name, total {best:.3f} s"
            )


def attribute_reads(rounds: int) -> None:
    print("(d) one module attribute read, nanoseconds (median of interleaved rounds of 200,000)")
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

    plain, deprecated = ModuleType("bench_plain"), ModuleType("bench_deprecated")
    subclassed = ModuleType("bench_subclassed")
    subclassed.__class__ = type("Subclass", (ModuleType,), {})
    for module in (plain, deprecated, subclassed):
        module.OLD = module.VALUE = 1  # type: ignore[attr-defined]
    importcraft.deprecate_attribute(deprecated, "OLD")

    # One function per module: a shared one would share its inline caches, and each read would
    # undo what the other module's read specialised.
    source = (
        "def reads(module):\n"
        "    begin = perf_counter()\n"
        "    for _ in range(20_000):\n" + "        module.VALUE\n" * 10 + ""
        "    return (perf_counter() - begin) / 200_000 * 1e9\n"
    )

    def reader(module: ModuleType) -> Callable[[], float]:
        namespace: dict[str, Any] = {"perf_counter": time.perf_counter}
        exec(source, namespace)
        return lambda: float(namespace["reads"](module))

    runs = {
        "without": reader(plain),
        "with a deprecation": reader(deprecated),
        "any module subclass": reader(subclassed),
    }
    results = interleave(runs, rounds)
    for name, values in results.items():
        print(f"    {name:<20} {median(values):6.1f} ns")
    ratio = paired_ratio(results["with a deprecation"], results["without"])
    floor = paired_ratio(results["any module subclass"], results["without"])
    print(f"    with / without: {ratio:.2f} (an empty ModuleType subclass: {floor:.2f})")


def main() -> None:
    only = None
    if "--only" in sys.argv:
        at = sys.argv.index("--only")
        only = sys.argv[at + 1]
        del sys.argv[at : at + 2]
    rounds = start(__doc__ or "", 30)
    if only in (None, "a"):
        aliased_imports(rounds)
    if only in (None, "b"):
        bootstrap_cost(rounds)
    if only in (None, "c"):
        registration_cost()
    if only in (None, "d"):
        attribute_reads(rounds)


if __name__ == "__main__":
    main()
