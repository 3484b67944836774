"""Benchmark of lazy imports (issue 4).

(a) declaring one lazy import: importcraft.lazy_import against the importlib.util.LazyLoader recipe
    and lazy_loader.load (each declares 200 small modules not imported yet, per round);
(b) an attribute access on a resolved lazy module and on a resolved lazy_attach attribute,
    against the same on eagerly imported ones (target: ratio at most 1.05);
(c) the start-up of a program that lazily imports twelve heavy standard-library modules and uses
    one, against the same program importing them eagerly.

Run: .venv/bin/python benchmarks/lazy.py [--rounds N]
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

import lazy_loader
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

COUNT = 200


def loader_recipe(name: str) -> object:
    """The LazyLoader recipe from the importlib documentation."""
    spec = importlib.util.find_spec(name)
    assert spec is not None
    assert spec.loader is not None
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def declarations(folder: Path, rounds: int) -> None:
    print(f"(a) declaring one lazy import, µs (median of rounds of {COUNT} fresh modules)")
    names = [f"lazy_bench_{i}" for i in range(COUNT)]
    for name in names:
        (folder / f"{name}.py").write_text("VALUE = 1\n")
    importlib.invalidate_caches()

    def timed(declare: object) -> float:
        for name in names:
            sys.modules.pop(name, None)
        start = time.perf_counter()
        for name in names:
            declare(name)  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        for name in names:
            sys.modules.pop(name, None)
        return elapsed / COUNT * 1e6

    runs = {
        "importcraft.lazy_import": lambda: timed(importcraft.lazy_import),
        "importcraft.lazy_import(check=False)": lambda: timed(
            lambda n: importcraft.lazy_import(n, check=False)
        ),
        "importlib.util.LazyLoader recipe": lambda: timed(loader_recipe),
        "lazy_loader.load": lambda: timed(lazy_loader.load),
    }
    results = interleave(runs, rounds)
    base = results["importlib.util.LazyLoader recipe"]
    for name, values in results.items():
        print(
            f"    {name:<38} {median(values):6.1f} µs  ({paired_ratio(values, base):.2f} x recipe)"
        )


ATTACH_INIT = (
    "import importcraft\n"
    "__getattr__, __dir__, __all__ = importcraft.lazy_attach(__name__, "
    "submod_attrs={'core': ['thing']})\n"
)


def attribute_access(folder: Path, rounds: int) -> None:
    print("(b) one attribute access after resolution, ns (best of 5 batches, interleaved rounds)")
    (folder / "eager_mod.py").write_text("VALUE = 1\n")
    (folder / "lazy_mod.py").write_text("VALUE = 1\n")
    packages = {
        "eager_pkg": "from .core import thing\n",
        "lazy_pkg": ATTACH_INIT,
        "partial_pkg": ATTACH_INIT.replace("['thing']", "['thing', 'other']"),
        "bound_pkg": "import importcraft\n__getattr__, __dir__, __all__ = importcraft.lazy_attach("
        "__name__, submodules=['core'])\n",
        "theirs_pkg": "import lazy_loader\n__getattr__, __dir__, __all__ = lazy_loader.attach("
        "__name__, submod_attrs={'core': ['thing']})\n",
    }
    for package, init in packages.items():
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text(init)
        (folder / package / "core.py").write_text("thing = 1\nother = 2\n")
    import eager_mod  # type: ignore[import-not-found]
    import eager_pkg  # type: ignore[import-not-found]

    lazy_mod = importcraft.lazy_import("lazy_mod")
    lazy_mod.VALUE  # resolves it
    lazy_pkg, partial_pkg, theirs_pkg = (
        importlib.import_module(name) for name in ("lazy_pkg", "partial_pkg", "theirs_pkg")
    )
    for package in (lazy_pkg, partial_pkg, theirs_pkg):
        package.thing  # resolves the attribute (partial_pkg still has 'other' pending)
    import bound_pkg.core  # type: ignore[import-not-found]  # bound by importlib, not __getattr__

    def access(module: object, attr: str) -> float:
        return per_call_ns(f"m.{attr}", {"m": module}, calls=1_000_000)

    runs = {
        "eager module attribute": lambda: access(eager_mod, "VALUE"),
        "lazy_import module, resolved": lambda: access(lazy_mod, "VALUE"),
        "eager package attribute": lambda: access(eager_pkg, "thing"),
        "lazy_attach attribute, resolved": lambda: access(lazy_pkg, "thing"),
        "  the same, another name pending": lambda: access(partial_pkg, "thing"),
        "  lazy_loader.attach, resolved": lambda: access(theirs_pkg, "thing"),
        "lazy_attach submodule, `import`ed": lambda: access(bound_pkg, "core"),
    }
    results = interleave(runs, rounds)
    for name, values in results.items():
        print(f"    {name:<38} {median(values):6.1f} ns")
    module_ratio = paired_ratio(
        results["lazy_import module, resolved"], results["eager module attribute"]
    )
    attach_ratio = paired_ratio(
        results["lazy_attach attribute, resolved"], results["eager package attribute"]
    )
    partial_ratio = paired_ratio(
        results["  the same, another name pending"], results["eager package attribute"]
    )
    bound_ratio = paired_ratio(
        results["lazy_attach submodule, `import`ed"], results["eager package attribute"]
    )
    print(
        f"    ratio lazy / eager: module {module_ratio:.3f}, lazy_attach {attach_ratio:.3f}, "
        f"submodule bound by `import pkg.sub` {bound_ratio:.3f} "
        f"(with a name still pending: {partial_ratio:.3f}; CPython does not specialise "
        "attribute reads on a module with a __getattr__)"
    )
    print(f"    resolved lazy module's type: {type(lazy_mod).__name__} (the plain module type)")


HEAVY = [
    "asyncio",
    "http.server",
    "urllib.request",
    "email.mime.multipart",
    "xml.dom.minidom",
    "unittest",
    "logging.handlers",
    "tarfile",
    "decimal",
    "statistics",
    "inspect",
    "difflib",
]

EAGER = "\n".join(f"import {name}" for name in HEAVY) + "\nprint(difflib.SequenceMatcher)\n"
LAZY = (
    "import importcraft\n"
    + "\n".join(f"{name.replace('.', '_')} = importcraft.lazy_import({name!r})" for name in HEAVY)
    + "\nprint(difflib.SequenceMatcher)\n"
)


def startup(rounds: int) -> None:
    print(f"(c) a program importing {len(HEAVY)} heavy stdlib modules and using one (difflib)")
    env = child_env()
    for code in (EAGER, LAZY):
        run_child(code, env=env)  # warm the bytecode caches
    results = interleave(
        {
            "eager": lambda: run_child(EAGER, env=env)[0] * 1e3,
            "lazy": lambda: run_child(LAZY, env=env)[0] * 1e3,
            "bare interpreter": lambda: run_child("pass", env=env)[0] * 1e3,
        },
        rounds,
    )
    bare = median(results["bare interpreter"])
    for name, values in results.items():
        print(
            f"    {name:<18} {median(values):7.1f} ms  (imports: {median(values) - bare:6.1f} ms)"
        )
    print(
        f"    lazy / eager, whole process: {paired_ratio(results['lazy'], results['eager']):.3f}; "
        f"imports alone: {(median(results['lazy']) - bare) / (median(results['eager']) - bare):.3f}"
    )


def main() -> None:
    rounds = start(__doc__ or "", 20)
    folder = Path(tempfile.mkdtemp())
    sys.path.insert(0, str(folder))
    try:
        declarations(folder, rounds)
        attribute_access(folder, rounds)
    finally:
        shutil.rmtree(folder)
    startup(rounds)


if __name__ == "__main__":
    main()
