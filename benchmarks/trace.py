"""Benchmark of importcraft.trace() (issue 12).

(a) a program importing 150+ standard-library modules and a generated package of 300 modules
    (side effects in one module of ten: files opened, environment set, atexit callbacks,
    warnings filters), traced against the same program untraced: the import block's time,
    measured inside fresh interpreters, interleaved (target: at most 1.25x); and, for
    comparison, the same program untraced under `python -X importtime`;
(b) an open()-heavy loop in a program with importcraft imported that never traced (no audit
    hook: it is installed by the first trace), after one trace (the idle hook), and with the
    cheapest audit hook there is (operator.is_: CPython's own price for any hook) (target: the
    idle hook at most 1.01x);
(c) importcraft.explain() of a name on a sys.path of 50 entries (target: under 20 ms): the
    script benchmarks/explain.py, run from here too.

Run: .venv/bin/python benchmarks/trace.py [--rounds N]
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from _common import child_env, interleave, median, paired_ratio, ratio_range, run_child, start

PACKAGE_MODULES = 300
SKIP = {
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3",
    "ensurepip", "venv", "pydoc_data", "msilib", "winreg", "winsound", "nt", "_winapi",
    "msvcrt", "__main__", "__future__", "xxlimited", "xxsubtype", "sre_compile", "sre_parse",
    "sre_constants", "asynchat", "asyncore", "smtpd", "imp", "distutils", "crypt", "nis",
    "spwd", "ossaudiodev", "audioop", "cgi", "cgitb", "chunk", "mailcap", "nntplib", "pipes",
    "sndhdr", "sunau", "telnetlib", "uu", "xdrlib", "aifc", "imghdr", "tomllib",
}  # fmt: skip


def stdlib_names() -> list[str]:
    """The public standard-library modules this interpreter imports without complaint."""
    candidates = sorted(
        name for name in sys.stdlib_module_names if not name.startswith("_") and name not in SKIP
    )
    probe = textwrap.dedent(
        """
        import importlib, json, sys, warnings
        warnings.simplefilter("ignore")
        ok = []
        for name in json.loads(sys.argv[1]):
            try:
                importlib.import_module(name)
            except Exception:
                continue
            ok.append(name)
        print(json.dumps(ok))
        """
    )
    _, out = run_child(probe, json.dumps(candidates))
    names: list[str] = json.loads(out)
    return names


def make_package(root: Path) -> None:
    """``genpkg``: 10 subpackages of 30 modules; each module imports the next of its package."""
    package = root / "genpkg"
    package.mkdir()
    subs = PACKAGE_MODULES // 30
    (package / "__init__.py").write_text("".join(f"from . import sub{i}\n" for i in range(subs)))
    for i in range(subs):
        sub = package / f"sub{i}"
        sub.mkdir()
        (sub / "__init__.py").write_text("from . import m0\n")
        for j in range(29):
            lines = [f"from . import m{j + 1}\n" if j < 28 else "import os, json\n"]
            if j % 10 == 3:
                lines.append("import os\nopen(__file__).close()\n")
            if j % 10 == 5:
                lines.append(f"import os\nos.environ['GENPKG_{i}_{j}'] = '1'\n")
            if j % 10 == 7:
                lines.append("import atexit\natexit.register(lambda: None)\n")
            if j % 10 == 9:
                lines.append(f"import warnings\nwarnings.filterwarnings('ignore', 'g{i}{j}')\n")
            lines += [f"def f{k}(x):\n    return x + {k}\n" for k in range(20)]
            lines.append(f"class C{j}:\n    a = 1\n    def m(self):\n        return self.a\n")
            (sub / f"m{j}.py").write_text("".join(lines))


PROGRAM = """
import sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
import importcraft
names = {names!r}
def body():
    for name in names:
        __import__(name)
    import genpkg
{setup}
start, cpu = time.perf_counter(), time.process_time()
{run}
print(time.perf_counter() - start, time.process_time() - cpu)
"""

PLAIN = PROGRAM.replace("{setup}", "").replace("{run}", "body()")
TRACED = PROGRAM.replace("{setup}", "from importcraft.inspect import _profile").replace(
    "{run}", "with importcraft.trace() as t:\n    body()"
)


def profile_overhead(root: Path, names: list[str], rounds: int) -> None:
    print(
        f"(a) importing {len(names)} standard-library modules and a package of "
        f"{PACKAGE_MODULES} modules: the import block, ms (median of {rounds} rounds)"
    )
    plain = PLAIN.format(root=str(root), names=names)
    traced = TRACED.format(root=str(root), names=names)
    env = child_env()
    # Warm-up: bytecode caches written, files in the page cache.
    for code in (plain, traced):
        run_child(code, env=env)

    cpu: dict[str, list[float]] = {"untraced": [], "traced": [], "importtime": []}

    def timed(name: str, code: str, *flags: str) -> float:
        import subprocess

        done = subprocess.run(
            [sys.executable, *flags, "-c", code], capture_output=True, text=True, env=env,
            check=True,
        )  # fmt: skip
        wall, used = map(float, done.stdout.split())
        cpu[name].append(used)
        return wall

    wall = interleave(
        {
            "untraced": lambda: timed("untraced", plain),
            "traced": lambda: timed("traced", traced),
            "importtime": lambda: timed("importtime", plain, "-X", "importtime"),
        },
        rounds,
    )
    for label, results in (("wall", wall), ("CPU", cpu)):
        base = results["untraced"]
        print(f"  {label}: untraced          {median(base) * 1e3:8.1f}")
        for name in ("traced", "importtime"):
            values = results[name]
            print(
                f"  {label}: {name:<16}  {median(values) * 1e3:8.1f}   ratio "
                f"{paired_ratio(values, base):.3f} (rounds {ratio_range(values, base)})"
            )


OPEN_LOOP = """
import time, importcraft
path = {path!r}
{setup}
def loop():
    for _ in range(2000):
        open(path, "rb").close()
loop()
best = float("inf")
for _ in range(30):
    start = time.perf_counter()
    loop()
    best = min(best, time.perf_counter() - start)
print(best)
"""

IDLE_SETUPS = {
    # importcraft imported, never traced: no audit hook at all (it comes with the first trace)
    "never traced": "",
    # one trace ran: the hook stays, idle (a C call, functools.partial(operator.is_))
    "idle hook": "with importcraft.trace():\n    pass",
    # the cheapest audit hook there is, for CPython's own price of having one
    "C no-op hook": "import sys, operator\nsys.addaudithook(operator.is_)",
}


def idle_hook(folder: Path, rounds: int) -> None:
    print(
        f"(b) 2000 open()+close(), µs, best of 30 in each of {rounds} interleaved interpreters "
        "(median); ratio against the program that never traced"
    )
    path = folder / "file.txt"
    path.write_text("x" * 100)
    codes = {
        name: OPEN_LOOP.format(path=str(path), setup=setup) for name, setup in IDLE_SETUPS.items()
    }

    def timed(code: str) -> float:
        _, out = run_child(code)
        return float(out.strip())

    results = interleave(
        {name: (lambda code=code: timed(code)) for name, code in codes.items()}, rounds
    )
    base = results["never traced"]
    for name, values in results.items():
        print(
            f"  {name:<14} {median(values) * 1e6:9.1f}   ratio {paired_ratio(values, base):.3f}"
            f" (rounds {ratio_range(values, base)})"
        )
    hook, floor = results["idle hook"], results["C no-op hook"]
    print(f"  idle hook against the C no-op hook: ratio {paired_ratio(hook, floor):.3f}")


def main() -> None:
    rounds = start(__doc__ or "", 9)
    folder = Path(tempfile.mkdtemp(prefix="importcraft-trace-bench-"))
    try:
        names = stdlib_names()
        make_package(folder)
        profile_overhead(folder, names, rounds)
        idle_hook(folder, rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("(c) explain()")
    import explain

    explain.main()


if __name__ == "__main__":
    main()
