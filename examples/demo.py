"""importcraft, end to end: what it does today. Run with `make demo`."""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import inspect
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import types
import warnings
from pathlib import Path

import importcraft as ic


def step(title: str) -> None:
    print(f"\n== {title}")


def show(label: str, value: object) -> None:
    print(f"   {label:<34} {value}")


def demo_virtual() -> None:
    step("Virtual modules: a package from a dict, with relative imports and resources")
    hook = ic.virtual(
        {
            "shop": "from .cart import Cart",
            "shop.cart": textwrap.dedent(
                """\
                from .prices import PRICES

                class Cart:
                    def __init__(self):
                        self.items = []

                    def add(self, item):
                        if item not in PRICES:
                            raise KeyError(f"no price for {item!r}")
                        self.items.append(item)

                    def total(self):
                        return sum(PRICES[i] for i in self.items)
                """
            ),
            "shop.prices": "PRICES = {'apple': 3, 'pear': 4}",
        },
        resources={"shop": {"banner.txt": b"Welcome to the virtual shop\n"}},
    )
    show("installed", hook)
    from shop import Cart

    cart = Cart()
    cart.add("apple")
    cart.add("pear")
    show("Cart().total()", cart.total())
    shop = sys.modules["shop"]
    show("shop.__file__", shop.__file__)
    show("shop.cart.__spec__.origin", sys.modules["shop.cart"].__spec__.origin)
    banner = importlib.resources.files("shop").joinpath("banner.txt").read_text().strip()
    show("importlib.resources banner", banner)
    show("inspect.getsource(Cart.total)", inspect.getsource(Cart.total).strip())
    try:
        cart.add("plum")
    except KeyError:
        frame = traceback.format_exc().strip().splitlines()[-3:-1]
        print("   traceback shows the virtual file and its real line:")
        for line in frame:
            print(f"      {line}")


def demo_mount(folder: Path) -> None:
    step("A mount: the package 'plugins' served from a directory that is not on sys.path")
    (folder / "json_handler.py").write_text("FORMAT = 'json'\ndef handle(x):\n    return x\n")
    (folder / "csv_handler.py").write_text("FORMAT = 'csv'\n")
    (folder / "templates").mkdir()
    (folder / "templates" / "page.html").write_text("<h1>{title}</h1>\n")
    hook = ic.mount("plugins", ic.DirectorySource(folder))
    show("installed", hook)
    import plugins.csv_handler
    import plugins.json_handler

    show("plugins.json_handler.FORMAT", plugins.json_handler.FORMAT)
    show("its __file__ (a real file)", plugins.json_handler.__file__)
    page = importlib.resources.files("plugins.templates").joinpath("page.html").read_text()
    show("plugins.templates/page.html", page.strip())
    show("directory on sys.path?", str(folder) in sys.path)
    sys.modules.pop("json", None)
    import json

    show("`import json` still the stdlib's", json.__file__ and "lib" in json.__file__)
    try:
        import plugins.yaml_handler
    except ModuleNotFoundError as exc:
        show("a missing plugin", f"ModuleNotFoundError: {exc}")


def demo_env() -> None:
    step("Environment-config modules: `import config.database` reads DATABASE_*")
    os.environ.update(DATABASE_HOST="db.internal", DATABASE_PORT="5432", DATABASE_POOL_SIZE="8")
    hook = ic.mount("config", ic.EnvSource())
    show("installed", hook)
    from config import database

    show("database.host", database.host)
    show("database.port", database.port)
    show("database.pool_size", database.pool_size)
    os.environ["DATABASE_HOST"] = "db.replica"
    importlib.reload(database)
    show("after reload with a new DATABASE_HOST", database.host)


def demo_legacy() -> None:
    step("A PEP 302 importer (find_module/load_module), the rename pattern, on any Python")

    class RenameImporter:
        """The classic legacy shim: `import oldname` gives the module now called `newname`."""

        def find_module(self, fullname: str, path: object = None) -> RenameImporter | None:
            return self if fullname == "oldname" else None

        def load_module(self, fullname: str) -> types.ModuleType:
            module = importlib.import_module("newname")
            sys.modules[fullname] = module
            return module

    ic.virtual({"newname": "WHO = 'the new module'"})
    hook = ic.install_legacy(RenameImporter())
    show("installed", hook)
    import newname
    import oldname

    show("oldname is newname", oldname is newname)
    show("oldname.__name__ (untouched)", oldname.__name__)
    show("Python running this", sys.version.split()[0])

    step("A PEP 302 path hook: sys.path.append('memory://demo') then import from it")

    class MemoryImporter:
        def __init__(self, entry: str) -> None:
            if not entry.startswith("memory://"):
                raise ImportError("not a memory:// entry")
            self.entry = entry

        def find_module(self, fullname: str) -> MemoryImporter | None:
            return self if fullname == "from_memory" else None

        def load_module(self, fullname: str) -> types.ModuleType:
            module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
            module.__file__ = f"{self.entry}/{fullname}.py"
            module.GREETING = "hello from a legacy path hook"  # type: ignore[attr-defined]
            return module

    hook = ic.install_legacy(path_hook=MemoryImporter)
    show("installed", hook)
    sys.path.append("memory://demo")
    import from_memory

    show("from_memory.GREETING", from_memory.GREETING)
    show("from_memory.__file__", from_memory.__file__)


def demo_meaning() -> None:
    step("An aliased rename: `import oldshop` gives the module `shop`, with a warning at the line")
    hook = ic.alias("oldshop", "shop", deprecated=True)
    show("installed", hook)
    ic.virtual({"legacy_client": "import oldshop.cart\nCART = oldshop.cart.Cart\n"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        import legacy_client
    show(
        "legacy_client.CART is shop.cart.Cart", legacy_client.CART is sys.modules["shop.cart"].Cart
    )
    show("sys.modules['oldshop'] is shop", sys.modules["oldshop"] is sys.modules["shop"])
    for warning in caught:
        show("warning", f"{warning.filename}:{warning.lineno}: {warning.message}")

    step("A deprecated attribute: reading shop.prices.PRICES warns and gives the new name")
    ic.virtual({"shop.catalogue": "PRICE_LIST = {'apple': 3}"})
    hook = ic.deprecate_attribute("shop.prices", "PRICES", replacement="shop.catalogue:PRICE_LIST")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        prices = sys.modules["shop.prices"].PRICES
    show("shop.prices.PRICES", prices)
    show("warning", caught[0].message)
    hook.remove()

    step("A blocked import: ImportBlockedError says which module, which hook, and why")
    with ic.block("sqlite3", reason="this service keeps no local database"):
        sys.modules.pop("sqlite3", None)
        try:
            import sqlite3  # noqa: F401
        except ImportError as exc:
            show(type(exc).__name__, exc)

    step("A post-import hook: runs after the module's body, every time it is loaded")

    @ic.when_imported("colorsys")
    def patch_colorsys(module: types.ModuleType) -> None:
        module.PATCHED = True  # type: ignore[attr-defined]
        print(f"   callback: {module.__name__} loaded, patched")

    sys.modules.pop("colorsys", None)
    import colorsys

    show("colorsys.PATCHED", colorsys.PATCHED)
    show("colorsys.__loader__ (the original)", type(colorsys.__loader__).__name__)


def demo_run(folder: Path) -> None:
    step("importcraft run: a whole program, configured in pyproject.toml, children included")
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "store-app"

            [tool.importcraft]
            alias = { "old_settings" = "json" }
            block = ["sqlite3"]
            """
        )
    )
    (folder / "app.py").write_text(
        textwrap.dedent(
            """\
            import multiprocessing, subprocess, sys

            def probe(who=None):
                import old_settings
                try:
                    import sqlite3
                    blocked = "no"
                except ImportError:
                    blocked = "yes"
                return f"old_settings is {old_settings.__name__}, sqlite3 blocked: {blocked}"

            if __name__ == "__main__":
                print("   program   ", probe())
                code = "import sys; sys.path.insert(0, '.'); import app; print(app.probe())"
                out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
                print("   subprocess", out.stdout.strip())
                with multiprocessing.get_context("spawn").Pool(1) as pool:
                    print("   spawn     ", pool.apply(probe))
                sys.exit(3)
            """
        )
    )
    command = [sys.executable, "-m", "importcraft", "run", "app.py"]
    print("   $ python -m importcraft run app.py   (in a folder with that pyproject.toml)")
    env = {k: v for k, v in os.environ.items() if k != "IMPORTCRAFT_RUN"}
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
    print(done.stdout.rstrip())
    show("exit status (the program's)", done.returncode)


def demo_trace() -> None:
    step("The decision trace: IMPORTCRAFT_VERBOSE=1 says which rule decided each import")
    code = textwrap.dedent(
        """\
        import importcraft as ic
        ic.virtual({"settings": "DEBUG = True"})
        ic.alias("old_json", "json")
        ic.block("sqlite3", reason="no database in this service")
        import settings, old_json
        try:
            import sqlite3
        except ImportError:
            pass
        """
    )
    print("   $ IMPORTCRAFT_VERBOSE=1 python -c '...virtual, alias, block; import them...'")
    env = {**os.environ, "IMPORTCRAFT_VERBOSE": "1"}
    env.pop("IMPORTCRAFT_RUN", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    for line in done.stderr.splitlines():
        print("  ", line)


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


def demo_lazy(folder: Path) -> None:
    step("Lazy imports: the module object is registered now, its body runs on first use")
    ic.virtual({"report": "print('   (report body running)')\nTITLE = 'Quarterly report'\n"})
    report = ic.lazy_import("report")
    show("report", report)
    show("is_lazy(report)", ic.is_lazy(report))
    show("report.TITLE", report.TITLE)
    show("is_lazy(report) now", ic.is_lazy(report))
    show("same object as sys.modules['report']", report is sys.modules["report"])
    try:
        ic.lazy_import("no_such_module_here")
    except ModuleNotFoundError as exc:
        show("a missing module, at once", exc)

    step("A lazy package (SPEC 1) from its .pyi stub: submodules load on first access")
    pkg = folder / "geometry"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import importcraft\n"
        "__getattr__, __dir__, __all__ = importcraft.lazy_attach_stub(__name__, __file__)\n"
    )
    (pkg / "__init__.pyi").write_text("from .shapes import Circle, Square\nfrom . import units\n")
    (pkg / "shapes.py").write_text(
        "print('   (geometry.shapes body running)')\nclass Circle: ...\nclass Square: ...\n"
    )
    (pkg / "units.py").write_text("METRE = 1.0\n")
    sys.path.insert(0, str(folder))
    import geometry

    show("geometry.__all__", geometry.__all__)
    show("geometry.shapes loaded yet", "geometry.shapes" in sys.modules)
    show("geometry.Circle", geometry.Circle)

    step("Optional dependencies: the error says what to install, by its distribution name")
    with ic.block("yaml"):
        sys.modules.pop("yaml", None)
        try:
            ic.require("yaml", purpose="reading the YAML settings")
        except ModuleNotFoundError as exc:
            show("require('yaml')", exc)

    step(f"A program that imports {len(HEAVY)} heavy stdlib modules and uses one: lazy vs eager")
    eager = "\n".join(f"import {name}" for name in HEAVY) + "\ndifflib.SequenceMatcher\n"
    lazy = (
        "import importcraft\n"
        + "".join(f"importcraft.lazy_import({name!r})\n" for name in HEAVY)
        + "import difflib\ndifflib.SequenceMatcher\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    timings: dict[str, list[float]] = {"eager": [], "lazy": []}
    for _ in range(5):
        for label, code in (("eager", eager), ("lazy", lazy)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            timings[label].append((time.perf_counter() - start) * 1e3)
    eager_ms, lazy_ms = (sorted(timings[k])[2] for k in ("eager", "lazy"))
    show("eager start (median of 5)", f"{eager_ms:.0f} ms")
    show("lazy start (median of 5)", f"{lazy_ms:.0f} ms  ({lazy_ms / eager_ms:.0%} of eager)")


def demo_trust() -> None:
    step("Lazy packages keep Python's rules: `import pkg.sub` runs pkg first and sub once")
    runs: list[str] = []
    sys.modules["demo_runs"] = types.SimpleNamespace(log=runs.append)  # type: ignore[assignment]
    ic.virtual(
        {
            "orders": "import demo_runs\ndemo_runs.log('orders')\nfrom .models import Order\n",
            "orders.models": "import demo_runs\ndemo_runs.log('orders.models')\nclass Order: ...\n",
        }
    )
    ic.lazy_import("orders")
    show("after lazy_import('orders')", f"bodies run: {runs}")
    import orders.models

    show("after import orders.models", f"bodies run: {runs}")
    show("orders.Order is orders.models.Order", orders.Order is orders.models.Order)  # type: ignore[attr-defined]

    step("Registration checks what it is given, and changes nothing when it refuses")
    before = len(ic.hooks())
    first = ic.alias("demo_a", "demo_b.inner")
    try:
        ic.alias("demo_b", "demo_a")
    except ValueError as exc:
        show("an alias cycle", exc)
    first.remove()
    show("hooks left behind", len(ic.hooks()) - before)
    try:
        ic.mount(None, ic.DictSource({"x": ""}))  # type: ignore[arg-type]
    except TypeError as exc:
        show("mount(None, ...)", exc)

    step("A blocked module looks missing to probes, and raises for imports")
    with ic.block("csv", evict=True, reason="the demo says so"):
        show("importlib.util.find_spec('csv')", importlib.util.find_spec("csv"))
        try:
            import csv  # noqa: F401
        except ImportError as exc:
            show("import csv", f"{type(exc).__name__}: {exc}")


TRANSFORMED_APP = """\
import sys, importcraft
from importcraft.transformers import AssertionRewriter, CallLogger
sys.path.insert(0, sys.argv[1])
log = CallLogger(log=lambda line: print("     log:", line))
importcraft.transform("geo", log, AssertionRewriter())
import geo
shape = geo.Circle(2)
print("     area:", round(shape.area(), 2))
print("     cache:", importcraft.transform_status("geo"))
try:
    geo.check_radius(shape)
except AssertionError as exc:
    print("     AssertionError:", str(exc).replace(chr(10), chr(10) + "       "))
"""


def demo_transform(folder: Path) -> None:
    step("Rewriting code as it loads: calls logged, a rewritten assertion, the cache on a re-run")
    (folder / "geo").mkdir()
    (folder / "geo" / "__init__.py").write_text(
        textwrap.dedent(
            """\
            import math

            class Circle:
                def __init__(self, radius):
                    self.radius = radius

                def area(self):
                    return math.pi * self.radius ** 2

            def check_radius(shape):
                assert shape.radius * 2 == 5, "the radius should be 2.5"
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for run in ("first run", "second run"):
        print(f"   {run}:")
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", TRANSFORMED_APP, str(folder)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        print(done.stdout.rstrip() or done.stderr)
        print(f"     ({(time.perf_counter() - start) * 1e3:.0f} ms)")

    step("Two versions of one package side by side, each importing itself")
    for version, word in (("1", "one"), ("2", "two")):
        pkg = folder / f"mylib-{version}" / "mylib"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("from mylib import util\nWHO = util.WHO\n")
        (pkg / "util.py").write_text(f"WHO = {word!r}\n")
        show(
            f"register_version('mylib', {version!r}, ...)",
            ic.register_version("mylib", version, folder / f"mylib-{version}"),
        )
    import mylib_v1
    import mylib_v2

    show("mylib_v1.WHO, mylib_v1.__version__", (mylib_v1.WHO, mylib_v1.__version__))
    show("mylib_v2.WHO, mylib_v2.__version__", (mylib_v2.WHO, mylib_v2.__version__))
    try:
        import mylib_v3  # noqa: F401
    except ModuleNotFoundError as exc:
        show("import mylib_v3", exc)
    ic.set_default_version("mylib", "2")
    import mylib

    show("after set_default_version: mylib is mylib_v2", mylib is mylib_v2)


def demo_explain() -> None:
    step("explain: why a name resolves where it does (a random.py beside the program)")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "random.py").write_text("print('my own random.py')\n")
        print("   $ python -m importcraft explain random   (in a folder with a random.py)")
        done = subprocess.run(
            [sys.executable, "-m", "importcraft", "explain", "random"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        # The verdict, the winner and what it hides (the steps follow in the full text).
        for line in done.stdout.splitlines()[:9]:
            print("  ", line)
        show("exit status (the file was never run)", done.returncode)


def demo_profile(folder: Path) -> None:
    step("importcraft trace: what each import costs, who imported it, what its body did")
    files = {
        "app.py": "import shop\nprint('app ran')\n",
        "shop/__init__.py": "from . import config, metrics\nimport json\n",
        "shop/config.py": textwrap.dedent(
            """\
            import os, sys, json
            os.environ.setdefault("SHOP_MODE", "demo")
            sys.path.insert(0, os.path.dirname(__file__))
            json.dumps = lambda *a, **k: "{}"   # a monkey-patch
            """
        ),
        "shop/metrics.py": textwrap.dedent(
            """\
            import atexit, logging, signal, threading
            logging.basicConfig()
            atexit.register(lambda: None)
            signal.signal(signal.SIGUSR1, lambda *a: None)
            threading.Thread(target=lambda: None, daemon=True).start()
            print("metrics ready")
            """
        ),
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    command = ["trace", "--top", "6", "--json", "trace.json", "--html", "imports.html", "app.py"]
    print("   $ python -m importcraft " + " ".join(command))
    env = {k: v for k, v in os.environ.items() if k != "IMPORTCRAFT_RUN"}
    done = subprocess.run(
        [sys.executable, "-m", "importcraft", *command],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    print(textwrap.indent(done.stdout.rstrip(), "   "))
    for line in done.stderr.splitlines():
        print("  ", line.replace(str(folder), "."))
    html = folder / "imports.html"
    show("HTML report (one file, works offline)", f"{html.name}, {html.stat().st_size:,} bytes")


def demo_cycle(folder: Path) -> None:
    step("explain_cycle: a circular import that broke, the chain, the missing name, the fix")
    files = {
        "main.py": "import checkout\n",
        "checkout.py": "from pricing import price\n\nTAX = 0.2\n\n\n"
        "def total(n):\n    return price(n)\n",
        "pricing.py": "from checkout import TAX\n\n\ndef price(n):\n    return n * (1 + TAX)\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    print("   $ python -m importcraft run main.py   (checkout and pricing import each other)")
    env = {k: v for k, v in os.environ.items() if k != "IMPORTCRAFT_RUN"}
    command = [sys.executable, "-m", "importcraft", "run", "main.py"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
    print(textwrap.indent(done.stderr.rstrip(), "   "))
    show("exit status (the program's)", done.returncode)
    # The same, in a program: explain_cycle() takes the exception.
    sys.path.insert(0, str(folder))
    try:
        import main  # noqa: F401
    except ImportError as exc:
        explanation = ic.explain_cycle(exc)
        assert explanation is not None
        fix = explanation.to_dict()["fix"]
        show("ic.explain_cycle(exc) fix", f"({fix['number']}) {fix['title']}, line {fix['line']}")
    finally:
        sys.path.remove(str(folder))
        for name in ("main", "checkout", "pricing"):
            sys.modules.pop(name, None)


def demo_plugins() -> None:
    step("Plugins through entry points: find, load, check, and report the broken one")
    # A distribution with three plugins, served from memory: importlib.metadata sees it too.
    hook = ic.virtual(
        {
            "shop_api": "class Payment:\n    def pay(self, amount):\n        raise TypeError",
            "shop_card": "from shop_api import Payment\n\nclass Card(Payment):\n"
            "    def pay(self, amount):\n        return f'card paid {amount}'",
            "shop_cash": "from shop_api import Payment\n\nclass Cash(Payment):\n"
            "    def pay(self, amount):\n        return f'cash paid {amount}'",
            "shop_crypto": "import coinlib_that_is_not_installed\n",
        },
        distribution=("shop-payments", "1.4"),
        entry_points={
            "shop.payments": {
                "card": "shop_card:Card",
                "cash": "shop_cash:Cash",
                "crypto": "shop_crypto:Coin",
            }
        },
    )
    with hook:
        from importlib.metadata import version

        from shop_api import Payment  # type: ignore[import-not-found]

        show("importlib.metadata.version(...)", version("shop-payments"))
        methods = ic.plugins("shop.payments", interface=Payment, instantiate=True)
        show("names (no plugin code run yet)", methods.names)
        show("shop_card imported yet?", "shop_card" in sys.modules)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            paid = methods.call("pay", 10)
        show("call('pay', 10).results", paid.results)
        for failure in methods.errors:
            show(f"broken: {failure.name} ({failure.dist})", failure.reason)
        show("warnings raised", len(caught))
    start = time.perf_counter()
    scripts = ic.plugins("console_scripts")
    took = (time.perf_counter() - start) * 1000
    show(
        "installed console_scripts",
        f"{len(scripts)} found in {took:.1f} ms, e.g. {', '.join(scripts.names[:3])}",
    )
    print("   $ importcraft plugins pytest11 --check   (importcraft ships a pytest plugin)")
    done = subprocess.run(
        [sys.executable, "-m", "importcraft", "plugins", "pytest11", "--check"],
        capture_output=True,
        text=True,
    )
    print(textwrap.indent(done.stdout.rstrip(), "   "))


def demo_pytest(folder: Path) -> None:
    step("The pytest plugin: a test that must not import the network, and an imports fixture")
    (folder / "test_offline.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.forbid_imports("socket", "urllib.request")
            def test_offline():
                with pytest.raises(ImportError, match="blocked"):
                    import urllib.request

            def test_fake_module(imports):
                imports.virtual({"weather": "def today(): return 'sunny'"})
                import weather
                assert weather.today() == "sunny"
            """
        )
    )
    print("   $ pytest -q test_offline.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_offline.py"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    print(textwrap.indent(done.stdout.rstrip().splitlines()[-1], "   "))


def demo_graph(folder: Path) -> None:
    step("The import graph, read without importing: a cycle with its fix, contracts for CI")
    files = {
        "shop/__init__.py": "",
        "shop/models.py": "from shop.pricing import price\n\nTAX = 0.2\n\n\n"
        "class Order:\n    def total(self, n):\n        return price(n)\n",
        "shop/pricing.py": "from shop.models import TAX\n\n\ndef price(n):\n"
        "    return n * (1 + TAX)\n",
        "shop/web.py": "import json\n\nfrom shop.models import Order\n\n\ndef handler():\n"
        "    import pandas\n    return json.dumps(Order().total(1))\n",
        "shop/db.py": "from shop import web\n",
        "pyproject.toml": textwrap.dedent(
            """\
            [tool.importcraft]
            root_packages = ["shop"]

            [[tool.importcraft.contracts]]
            name = "web on top, the database below"
            type = "layers"
            layers = ["shop.web", "shop.models", "shop.db"]

            [[tool.importcraft.contracts]]
            name = "the shop starts without pandas"
            type = "import_time"
            source_modules = ["shop.web"]
            forbidden_modules = ["pandas"]
            """
        ),
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    graph = ic.import_graph("shop", path=[str(folder)])
    show("ic.import_graph('shop')", graph)
    show("graph.chain('shop.db', 'shop.pricing')", graph.chain("shop.db", "shop.pricing"))
    for command in (["cycles", "shop"], ["check"]):
        print(f"   $ importcraft {' '.join(command)}")
        done = subprocess.run(
            [sys.executable, "-m", "importcraft", *command],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        print(textwrap.indent(done.stdout.rstrip(), "   "))
        show("exit status", done.returncode)


def demo_hooks() -> None:
    step("Every change is a Hook: listed, removable, restoring exactly what it changed")
    for hook in ic.hooks():
        show("active", hook)
    meta_path_before = [type(f).__name__ for f in sys.meta_path]
    for hook in ic.hooks():
        hook.remove()
    show("hooks after removing them all", ic.hooks())
    show("importcraft on sys.meta_path before", "Router" in meta_path_before)
    on_meta_path = any(type(f).__name__ == "Router" for f in sys.meta_path)
    show("importcraft on sys.meta_path now", on_meta_path)

    step("isolated(): try things, then put sys.modules, sys.path and the hooks back")
    with ic.isolated():
        ic.virtual({"scratch": "x = 1"})
        import scratch  # noqa: F401

        show("inside: scratch imported", "scratch" in sys.modules)
    show("outside: scratch imported", "scratch" in sys.modules)


def main() -> None:
    print(f"importcraft {ic.__version__} on Python {sys.version.split()[0]}")
    demo_virtual()
    with tempfile.TemporaryDirectory() as folder:
        demo_mount(Path(folder))
    demo_env()
    demo_legacy()
    demo_meaning()
    with tempfile.TemporaryDirectory() as folder:
        demo_run(Path(folder))
    demo_trace()
    with tempfile.TemporaryDirectory() as folder:
        demo_lazy(Path(folder))
        demo_trust()
    with tempfile.TemporaryDirectory() as folder:
        demo_transform(Path(folder))
    demo_explain()
    with tempfile.TemporaryDirectory() as folder:
        demo_profile(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        demo_cycle(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        demo_graph(Path(folder))
    demo_plugins()
    with tempfile.TemporaryDirectory() as folder:
        demo_pytest(Path(folder))
    demo_hooks()
    print("\nDone.")


if __name__ == "__main__":
    main()
