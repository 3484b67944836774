"""importcraft, end to end: what it does today. Run with `make demo`."""

from __future__ import annotations

import importlib
import importlib.resources
import inspect
import os
import sys
import tempfile
import textwrap
import traceback
import types
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
    demo_hooks()
    print("\nDone.")


if __name__ == "__main__":
    main()
