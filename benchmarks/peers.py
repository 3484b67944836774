"""Benchmark of importcraft against its peers (issue 11): every figure a ratio importcraft / peer.

The peers (lazy_loader, wrapt, pytest) come with the dev extras, in the venv this runs in.

(a) `import pkg` in a fresh interpreter, pkg's __init__ calling importcraft.lazy_attach against
    lazy_loader.attach (10 submodules, 100 attributes): the first such package (the library's
    own import included) and each further one (target <= 1.0);
(b) lazy_import(name), a first declaration, against the importlib.util.LazyLoader recipe of
    the Python docs (target <= 1.5);
(c) `importcraft run --lazy tarfile app.py` against the same program written with LazyLoader
    by hand, whole process (target: at most 3 ms more);
(d) post-import hooks against wrapt: registering one, in a warm process (target <= 2x), and the
    first one of a fresh interpreter, the library's import included; the delay from the end of
    a module's body to its callback (target <= 1x); the cost of the finder for an import with
    no hook, one hook registered elsewhere (target about 0.5x or less);
(e) the router: a miss with a rule covering every name (register_version's catalogue) against
    a miss without (target: flat, 1.0); a fresh interpreter importing 189 stdlib modules with
    importcraft and 1,000 rules, registration included, against one without importcraft
    (target <= 1.03);
(f) assertion rewriting of an assert-dense module: importcraft's AssertionRewriter against
    pytest's (parse + rewrite + compile; target <= 1.0); a warm import of it against the plain
    .pyc (target <= 1.10).

Run: .venv/bin/python benchmarks/peers.py [--rounds N] [--only LETTERS]

``--only de`` runs sections (d) and (e) alone.
"""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import wrapt
from _common import (
    alternating_ns,
    child_env,
    interleave,
    median,
    paired_ratio,
    ratio_range,
    run_child,
    start,
)
from _pytest.assertion.rewrite import rewrite_asserts
from lazy import loader_recipe
from router import CHILD as STORM_CHILD
from router import STDLIB
from run_startup import timed as timed_command

import importcraft
from importcraft.core._router import ROUTER
from importcraft.rewrite._engine import TransformInfo
from importcraft.transformers import AssertionRewriter

FIGURES: list[tuple[str, float, str, bool]] = []


def figure(name: str, value: float, target: str, met: bool, unit: str = "x") -> None:
    """Print one figure and keep it for the summary table."""
    shown = f"{value:+.2f} ms" if unit == "ms" else f"{value:.3f}"
    FIGURES.append((name, value, target, met))
    print(f"    => {name}: {shown} (target {target}: {'met' if met else 'NOT met'})")


# (a) ------------------------------------------------------------------------------------------

PACKAGES = 20
SUBMODULES = [f"sub{j}" for j in range(10)]
ATTRS = {f"core{j}": [f"name{j}_{k}" for k in range(10)] for j in range(10)}
ATTACH_INIT = {
    "ic": "import importcraft\n__getattr__, __dir__, __all__ = importcraft.lazy_attach("
    f"__name__, {SUBMODULES!r}, {ATTRS!r})\n",
    "ll": "import lazy_loader\n__getattr__, __dir__, __all__ = lazy_loader.attach("
    f"__name__, {SUBMODULES!r}, {ATTRS!r})\n",
}
ATTACH_CHILD = f"""
import sys, time
sys.path.insert(0, sys.argv[1])
prefix = sys.argv[2]
clock = time.perf_counter
begin = clock()
__import__(sys.argv[3])
library = clock()
__import__(prefix + "_0")
first = clock()
for i in range(1, {PACKAGES}):
    __import__(f"{{prefix}}_{{i}}")
print(first - begin, library - begin, (clock() - first) / {PACKAGES - 1})
"""


def attach(folder: Path, rounds: int) -> None:
    print(
        f"(a) import pkg, its __init__ attaching {len(SUBMODULES)} submodules and "
        f"{sum(map(len, ATTRS.values()))} attributes, fresh interpreter per round, {rounds} rounds"
    )
    for lib, init in ATTACH_INIT.items():
        for i in range(PACKAGES):
            package = folder / f"{lib}_attach_{i}"
            package.mkdir()
            (package / "__init__.py").write_text(init)
            for j in range(10):
                (package / f"sub{j}.py").write_text("")
                (package / f"core{j}.py").write_text(
                    "".join(f"name{j}_{k} = {k}\n" for k in range(10))
                )
    env = child_env()

    library = {"ic": "importcraft", "ll": "lazy_loader"}

    def one(lib: str) -> tuple[float, ...]:
        out = run_child(ATTACH_CHILD, str(folder), f"{lib}_attach", library[lib], env=env)[1]
        return tuple(float(value) * 1e3 for value in out.split())

    for lib in ATTACH_INIT:
        one(lib)  # writes the .pyc files
    pairs = interleave({lib: lambda lib=lib: one(lib) for lib in ATTACH_INIT}, rounds)
    first = {lib: [p[0] for p in values] for lib, values in pairs.items()}
    alone = {lib: [p[1] for p in values] for lib, values in pairs.items()}
    each = {lib: [p[2] for p in values] for lib, values in pairs.items()}
    for label, results in (
        ("first package, library import included", first),
        ("  of which importing the library", alone),
        ("each further package", each),
    ):
        print(
            f"    {label:<40} importcraft {median(results['ic']):7.3f} ms, "
            f"lazy_loader {median(results['ll']):7.3f} ms"
        )
    ratio = paired_ratio(first["ic"], first["ll"])
    figure(
        "import pkg (lazy_attach / lazy_loader.attach), first, library import included",
        ratio,
        "<= 1.0",
        ratio <= 1.0,
    )
    ratio = paired_ratio(each["ic"], each["ll"])
    figure(
        "import pkg (lazy_attach / lazy_loader.attach), each further package",
        ratio,
        "<= 1.0",
        ratio <= 1.0,
    )


# (b) ------------------------------------------------------------------------------------------

DECLARED = 200


def declaration(folder: Path, rounds: int) -> None:
    print(f"(b) declaring one lazy import, µs (median of rounds of {DECLARED} fresh modules)")
    names = [f"declared_{i}" for i in range(DECLARED)]
    for name in names:
        (folder / f"{name}.py").write_text("VALUE = 1\n")
    importlib.invalidate_caches()

    def timed(declare: Callable[[str], object]) -> float:
        for name in names:
            sys.modules.pop(name, None)
        begin = time.perf_counter()
        for name in names:
            declare(name)
        elapsed = time.perf_counter() - begin
        for name in names:
            sys.modules.pop(name, None)
        return elapsed / DECLARED * 1e6

    with importcraft.isolated():
        results = interleave(
            {
                "lazy_import": lambda: timed(importcraft.lazy_import),
                "LazyLoader recipe": lambda: timed(loader_recipe),
            },
            rounds,
        )
    for name, values in results.items():
        print(f"    {name:<20} {median(values):6.1f} µs")
    ratio = paired_ratio(results["lazy_import"], results["LazyLoader recipe"])
    figure("lazy_import / LazyLoader recipe, first declaration", ratio, "<= 1.5", ratio <= 1.5)


# (c) ------------------------------------------------------------------------------------------

APP = "import tarfile\n\nprint(tarfile.TarInfo)\n"
BY_HAND = """\
import importlib.util
import sys


def lazy(name):
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


tarfile = lazy("tarfile")

print(tarfile.TarInfo)
"""


def run_lazy(folder: Path, rounds: int) -> None:
    print(
        "(c) a program deferring tarfile and using it: `importcraft run --lazy tarfile app.py` "
        f"against LazyLoader by hand, ms (median of 5 runs per round, {rounds} rounds)"
    )
    work = folder / "run_lazy"  # no pyproject.toml here: `importcraft run` reads none
    work.mkdir()
    (work / "app.py").write_text(APP)
    (work / "by_hand.py").write_text(BY_HAND)
    env = {k: v for k, v in child_env().items() if k not in ("IMPORTCRAFT_RUN", "PYTHONPATH")}
    console = str(Path(sys.executable).parent / "importcraft")
    commands = {
        "importcraft run --lazy": [console, "run", "--lazy", "tarfile", "app.py"],
        "LazyLoader by hand": [sys.executable, "by_hand.py"],
        "python app.py (eager)": [sys.executable, "app.py"],
    }
    for command in commands.values():
        subprocess.run(command, cwd=work, env=env, check=True, capture_output=True)
    results = interleave(
        {name: lambda c=command: timed_command(c, work, env) for name, command in commands.items()},
        rounds,
    )
    for name, values in results.items():
        print(f"    {name:<24} {median(values):7.1f} ms")
    more = median(
        [
            a - b
            for a, b in zip(
                results["importcraft run --lazy"], results["LazyLoader by hand"], strict=True
            )
        ]
    )
    figure(
        "importcraft run --lazy M app.py - LazyLoader by hand, whole process",
        more,
        "<= +3 ms",
        more <= 3.0,
        unit="ms",
    )


# (d) ------------------------------------------------------------------------------------------

HOOKS = 200
DELAY_MODULES = 100
DELAY_CHILD = f"""
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
delays = []

def callback(module):
    delays.append(time.perf_counter() - module.END)

if sys.argv[2] == "importcraft":
    import importcraft
    for i in range({DELAY_MODULES}):
        importcraft.when_imported(f"delay_{{i}}", callback)
else:
    import wrapt
    for i in range({DELAY_MODULES}):
        wrapt.register_post_import_hook(callback, f"delay_{{i}}")
for i in range({DELAY_MODULES}):
    __import__(f"delay_{{i}}")
assert len(delays) == {DELAY_MODULES}, delays
print(statistics.median(delays))
"""


FIRST_HOOK_CHILD = """
import sys, time
begin = time.perf_counter()
if sys.argv[1] == "importcraft":
    import importcraft
    importcraft.when_imported("never_imported", print)
else:
    import wrapt
    wrapt.register_post_import_hook(print, "never_imported")
print(time.perf_counter() - begin)
"""


def post_import(folder: Path, rounds: int) -> None:
    print(f"(d) post-import hooks against wrapt, {rounds} rounds")
    env = child_env()

    def first(library: str) -> float:
        return float(run_child(FIRST_HOOK_CHILD, library, env=env)[1]) * 1e3

    for library in ("importcraft", "wrapt"):
        first(library)  # writes the .pyc files
    libraries = ("importcraft", "wrapt")
    firsts = interleave({lib: lambda lib=lib: first(lib) for lib in libraries}, rounds)
    print(
        "    the first hook of a fresh interpreter, importing the library included: importcraft "
        f"{median(firsts['importcraft']):.2f} ms, wrapt {median(firsts['wrapt']):.2f} ms"
    )
    ratio = paired_ratio(firsts["importcraft"], firsts["wrapt"])
    figure(
        "when_imported / wrapt register_post_import_hook, first hook, library import included",
        ratio,
        "<= 2",
        ratio <= 2.0,
    )
    names = [f"never_imported_{i}" for i in range(HOOKS)]

    def callback(module: object) -> None:
        pass

    def with_importcraft() -> float:
        begin = time.perf_counter()
        hooks = [importcraft.when_imported(name, callback) for name in names]
        elapsed = time.perf_counter() - begin
        for hook in hooks:
            hook.remove()
        return elapsed / HOOKS * 1e6

    registry = wrapt.importer._post_import_hooks  # type: ignore[attr-defined]

    def with_wrapt() -> float:
        begin = time.perf_counter()
        for name in names:
            wrapt.register_post_import_hook(callback, name)
        elapsed = time.perf_counter() - begin
        for name in names:  # wrapt has no removal: empty its registry
            del registry[name]
        return elapsed / HOOKS * 1e6

    with importcraft.isolated():
        wrapt.register_post_import_hook(callback, "never_imported_warm_up")  # installs its finder
        del registry["never_imported_warm_up"]
        results = interleave({"importcraft": with_importcraft, "wrapt": with_wrapt}, rounds)
    print(
        "    registering one hook: importcraft.when_imported "
        f"{median(results['importcraft']):.2f} µs, "
        f"wrapt.register_post_import_hook {median(results['wrapt']):.2f} µs"
    )
    ratio = paired_ratio(results["importcraft"], results["wrapt"])
    figure(
        "when_imported / wrapt register_post_import_hook, registering", ratio, "<= 2", ratio <= 2.0
    )

    for i in range(DELAY_MODULES):
        (folder / f"delay_{i}.py").write_text("import time\n\nEND = time.perf_counter()\n")

    def delay(mode: str) -> float:
        return float(run_child(DELAY_CHILD, str(folder), mode, env=env)[1]) * 1e6

    for mode in ("importcraft", "wrapt"):
        delay(mode)  # writes the .pyc files
    results = interleave(
        {mode: lambda m=mode: delay(m) for mode in ("importcraft", "wrapt")}, rounds
    )
    print(
        f"    end of body to callback (median of {DELAY_MODULES} modules per interpreter): "
        f"importcraft {median(results['importcraft']):.2f} µs, "
        f"wrapt {median(results['wrapt']):.2f} µs"
    )
    ratio = paired_ratio(results["importcraft"], results["wrapt"])
    figure("when_imported / wrapt, end of module body to callback", ratio, "<= 1", ratio <= 1.0)

    class Bare:
        def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
            return None

    finder = wrapt.importer.ImportHookFinder()  # type: ignore[attr-defined]
    with importcraft.isolated():
        importcraft.when_imported("hooked_elsewhere", callback)
        wrapt.register_post_import_hook(callback, "hooked_elsewhere")
        try:
            costs = interleave(
                {
                    "importcraft": lambda: alternating_ns(
                        {"": ("find('colorsys')", {"find": ROUTER.find_spec})}, batches=5
                    )[""],
                    "wrapt": lambda: alternating_ns(
                        {"": ("find('colorsys')", {"find": finder.find_spec})}, batches=5
                    )[""],
                    "floor": lambda: alternating_ns(
                        {"": ("find('colorsys')", {"find": Bare().find_spec})}, batches=5
                    )[""],
                },
                rounds,
            )
        finally:
            del registry["hooked_elsewhere"]
    print(
        "    finder cost of an import with no hook (one registered elsewhere): "
        f"importcraft's router {median(costs['importcraft']):.0f} ns, wrapt's finder "
        f"{median(costs['wrapt']):.0f} ns, a finder returning None {median(costs['floor']):.0f} ns"
    )
    ratio = paired_ratio(costs["importcraft"], costs["wrapt"])
    figure(
        "no-hook cost per import, importcraft router / wrapt finder",
        ratio,
        "<= 0.5-ish",
        ratio <= 0.55,
    )


# (e) ------------------------------------------------------------------------------------------


def router(rounds: int) -> None:
    print(f"(e) the router, {rounds} rounds")

    def miss(catalogue: bool) -> float:
        hook = (
            importcraft.register_version("peers_versioned", 1, "VALUE = 1\n") if catalogue else None
        )
        try:
            return alternating_ns(
                {"": ("find('colorsys')", {"find": ROUTER.find_spec})}, batches=5
            )[""]
        finally:
            if hook is not None:
                hook.remove()

    with importcraft.isolated():
        importcraft.when_imported("peers_installs_the_router", print)  # the router in sys.meta_path
        results = interleave({"catalogue": lambda: miss(True), "none": lambda: miss(False)}, rounds)
    print(
        f"    one miss (find_spec('colorsys')): with register_version's catalogue "
        f"{median(results['catalogue']):.0f} ns, without {median(results['none']):.0f} ns"
    )
    ratio = paired_ratio(results["catalogue"], results["none"])
    figure("router miss, rule covering every name / none", ratio, "flat (1.0)", ratio <= 1.1)

    env = child_env()
    for mode in ("without", "with"):
        run_child(STORM_CHILD, mode, *STDLIB, env=env)  # warm the bytecode caches
    walls = interleave(
        {
            mode: lambda m=mode: run_child(STORM_CHILD, m, *STDLIB, env=env)[0]
            for mode in ("with", "without")
        },
        rounds,
    )
    print(
        f"    fresh interpreter importing {len(STDLIB)} stdlib modules: with importcraft and "
        f"1,000 rules {median(walls['with']) * 1e3:.1f} ms, "
        f"without {median(walls['without']) * 1e3:.1f} ms"
    )
    ratio = paired_ratio(walls["with"], walls["without"])
    figure(
        "stdlib import storm, 1,000 rules (registration included) / no importcraft",
        ratio,
        "<= 1.03",
        ratio <= 1.03,
    )


# (f) ------------------------------------------------------------------------------------------

ASSERT_FUNCTION = """\
def check_{i}(items, limit={i}, name="n{i}"):
    assert items, "no items"
    assert len(items) < limit + 100, f"too many: {{len(items)}}"
    assert items[0] == items[-1] or items[0] != items[-1]
    assert isinstance(name, str) and name.startswith("n")
    assert not (limit < 0), limit
    assert all(x >= 0 for x in items), [x for x in items if x < 0]
    assert {{"a": 1}}.get("a") == 1
    assert name.upper().lower() == name
    return len(items)

"""
ASSERT_MODULE = '"""An assert-dense module: 8 asserts in each of 50 functions."""\n\n' + "".join(
    ASSERT_FUNCTION.format(i=i) for i in range(50)
)
COPIES = 100
WARM_CHILD = f"""
import importlib, sys, time
sys.path.insert(0, sys.argv[1])
import importcraft
from importcraft.transformers import AssertionRewriter
importcraft.transform("warm_asserts", AssertionRewriter())
import plain_asserts, warm_asserts
totals = {{"plain": 0.0, "warm": 0.0}}
clock = time.perf_counter
for n in range({COPIES}):
    for mode in (("plain", "warm") if n % 2 else ("warm", "plain")):
        begin = clock()
        importlib.import_module(f"{{mode}}_asserts.m{{n}}")
        totals[mode] += clock() - begin
print(totals["plain"], totals["warm"])
"""


def assertions(folder: Path, rounds: int) -> None:
    lines = ASSERT_MODULE.count("\n")
    print(
        f"(f) assertion rewriting of an assert-dense module ({lines} lines, 400 asserts), "
        f"{rounds} rounds"
    )
    path = str(folder / "asserts.py")
    source = ASSERT_MODULE.encode()
    rewriter = AssertionRewriter()
    info = TransformInfo("asserts", path)

    def with_importcraft() -> None:
        tree = rewriter(ast.parse(source, path), info)
        compile(ast.fix_missing_locations(tree), path, "exec", dont_inherit=True)

    def with_pytest() -> None:
        tree = ast.parse(source, path)
        rewrite_asserts(tree, source, path, None)
        compile(tree, path, "exec", dont_inherit=True)

    def plain() -> None:
        compile(ast.parse(source, path), path, "exec", dont_inherit=True)

    def best_ms(work: Callable[[], None]) -> float:
        times = []
        for _ in range(3):
            begin = time.perf_counter()
            work()
            times.append(time.perf_counter() - begin)
        return min(times) * 1e3

    results = interleave(
        {
            "importcraft": lambda: best_ms(with_importcraft),
            "pytest": lambda: best_ms(with_pytest),
            "parse + compile only": lambda: best_ms(plain),
        },
        rounds,
    )
    for name, values in results.items():
        print(f"    {name:<22} {median(values):7.2f} ms")
    ratio = paired_ratio(results["importcraft"], results["pytest"])
    figure(
        "AssertionRewriter / pytest's rewrite (parse + rewrite + compile)",
        ratio,
        "<= 1.0",
        ratio <= 1.0,
    )

    for package in ("plain_asserts", "warm_asserts"):
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text("")
        for n in range(COPIES):
            (folder / package / f"m{n}.py").write_text(ASSERT_MODULE)
    an_hour_ago = time.time() - 3600  # sources not saved a moment ago (see benchmarks/transform.py)
    for file in folder.glob("*_asserts/*.py"):
        os.utime(file, (an_hour_ago, an_hour_ago))
    env = child_env()
    run_child(WARM_CHILD, str(folder), env=env)  # the .pyc files and the transform cache

    def one() -> tuple[float, float]:
        plain_s, warm_s = run_child(WARM_CHILD, str(folder), env=env)[1].split()
        return float(plain_s) * 1e3, float(warm_s) * 1e3

    pairs = interleave({"both": one}, rounds)["both"]
    plain_ms = [p[0] for p in pairs]
    warm_ms = [p[1] for p in pairs]
    print(
        f"    importing {COPIES} copies, interleaved in one interpreter: plain .pyc "
        f"{median(plain_ms):.1f} ms, AssertionRewriter warm cache {median(warm_ms):.1f} ms "
        f"(rounds ranged {ratio_range(warm_ms, plain_ms)})"
    )
    ratio = paired_ratio(warm_ms, plain_ms)
    figure("assert-dense module, warm import / plain .pyc", ratio, "<= 1.10", ratio <= 1.10)


def main() -> None:
    only = "abcdef"
    if "--only" in sys.argv:
        at = sys.argv.index("--only")
        only = sys.argv[at + 1]
        del sys.argv[at : at + 2]
    rounds = start(__doc__ or "", 15)
    folder = Path(tempfile.mkdtemp())
    sys.path.insert(0, str(folder))
    sections: dict[str, Callable[[], None]] = {
        "a": lambda: attach(folder, rounds),
        "b": lambda: declaration(folder, rounds),
        "c": lambda: run_lazy(folder, rounds),
        "d": lambda: post_import(folder, rounds),
        "e": lambda: router(rounds),
        "f": lambda: assertions(folder, rounds),
    }
    unknown = sorted(set(only) - set(sections))
    if unknown:
        raise SystemExit(f"--only {only}: no section {', '.join(unknown)} (sections are a to f)")
    try:
        for letter, run in sections.items():
            if letter in only:
                run()
    finally:
        sys.path.remove(str(folder))
        shutil.rmtree(folder)
    print()
    print(
        f"| figure (Python {sys.version_info[0]}.{sys.version_info[1]}) | value | target | met? |"
    )
    print("|---|---|---|---|")
    for name, value, target, met in FIGURES:
        shown = f"{value:+.2f} ms" if target.endswith("ms") else f"{value:.3f}"
        print(f"| {name} | {shown} | {target} | {'yes' if met else 'no'} |")


if __name__ == "__main__":
    main()
