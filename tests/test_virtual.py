"""virtual() and DictSource: modules from source text, and how faithfully they load."""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import inspect
import linecache
import pkgutil
import sys
import traceback

import pytest

import importcraft

from .conftest import run_python


def test_packages_modules_and_relative_imports() -> None:
    importcraft.virtual(
        {
            "shop": "from .cart import Cart\nfrom . import prices",
            "shop.cart": "from .prices import total\nclass Cart:\n    total = staticmethod(total)",
            "shop.prices": "def total(items):\n    return sum(items)",
        }
    )
    import shop

    assert shop.Cart.total([1, 2]) == 3
    assert shop.prices is sys.modules["shop.prices"]
    assert shop.__spec__.parent == "shop"
    assert sys.modules["shop.cart"].__package__ == "shop"


def test_a_name_with_children_but_no_key_is_an_empty_package() -> None:
    importcraft.virtual({"deep.er.leaf": "x = 1"})
    deep = importlib.import_module("deep")
    assert hasattr(deep, "__path__")
    assert importlib.import_module("deep.er.leaf").x == 1
    assert [n for n in vars(deep) if not n.startswith("__")] == ["er"]


def test_bytes_source_honours_its_coding_cookie() -> None:
    source = "# -*- coding: latin-1 -*-\nword = 'caf\xe9'\n".encode("latin-1")
    importcraft.virtual({"latin": source})
    import latin

    assert latin.word == "café"
    assert "café" in inspect.getsource(latin)


def test_spec_is_complete() -> None:
    importcraft.virtual({"pkg": "", "pkg.mod": "x = 1"})
    import pkg.mod

    spec = pkg.mod.__spec__
    assert (spec.name, spec.parent, spec.origin) == ("pkg.mod", "pkg", "<virtual>/pkg/mod.py")
    assert spec.has_location
    assert spec.submodule_search_locations is None
    package_spec = pkg.__spec__
    assert package_spec.origin == "<virtual>/pkg/__init__.py"
    assert package_spec.submodule_search_locations == ["<virtual>/pkg"]
    assert pkg.__path__ == ["<virtual>/pkg"]
    assert pkg.mod.__file__ == spec.origin
    loader = spec.loader
    assert loader.is_package("pkg.mod") is False  # type: ignore[union-attr]
    assert loader.get_filename("pkg.mod") == spec.origin  # type: ignore[union-attr]
    assert pkg.mod.__loader__ is loader
    assert importlib.util.find_spec("pkg.mod") is spec


def test_code_objects_name_the_module_file_never_string() -> None:
    importcraft.virtual({"codes": "def f():\n    return 1\n"})
    import codes

    assert codes.f.__code__.co_filename == "<virtual>/codes.py"


def test_tracebacks_show_the_real_lines() -> None:
    importcraft.virtual({"failing": "def explode():\n    x = 1\n    raise ValueError(x)\n"})
    import failing

    with pytest.raises(ValueError, match="1") as info:
        failing.explode()
    text = "".join(traceback.format_exception(info.value))
    assert 'File "<virtual>/failing.py", line 3, in explode' in text
    assert "raise ValueError(x)" in text


def test_uncaught_traceback_in_a_fresh_interpreter() -> None:
    result = run_python(
        """
        import importcraft, logging
        importcraft.virtual({"crash": "def go():\\n    return 1 / 0\\n"})
        import crash
        try:
            crash.go()
        except ZeroDivisionError:
            logging.exception("logged")
        crash.go()
        """
    )
    assert result.returncode == 1
    logged, uncaught = result.stderr.split("ERROR:root:logged", 1)[1].split("Traceback", 2)[1:]
    assert 'File "<virtual>/crash.py", line 2, in go\n    return 1 / 0' in logged
    assert 'File "<virtual>/crash.py", line 2, in go' in uncaught
    # Before 3.13 the interpreter's own printer reads lines from real files only (as for
    # zip-imported modules); from 3.13 on it goes through linecache and the loader.
    assert ("return 1 / 0" in uncaught) == (sys.version_info >= (3, 13))


def test_inspect_and_linecache_read_the_source() -> None:
    text = "class Greeter:\n    def hello(self):\n        return 'hi'\n"
    importcraft.virtual({"greet": text})
    import greet

    assert inspect.getsource(greet) == text
    assert inspect.getsource(greet.Greeter.hello) == "    def hello(self):\n        return 'hi'\n"
    assert inspect.getsourcefile(greet) == "<virtual>/greet.py"
    assert linecache.getline("<virtual>/greet.py", 3, vars(greet)) == "        return 'hi'\n"


def test_pdb_lists_the_real_lines() -> None:
    # In a fresh interpreter: pdb's settrace would switch coverage off for the rest of the run.
    result = run_python(
        """
        import io, pdb, importcraft
        importcraft.virtual({"stepper": "def work():\\n    total = 40\\n    return total + 2\\n"})
        import stepper

        out = io.StringIO()
        debugger = pdb.Pdb(stdin=io.StringIO("list\\ncontinue\\n"), stdout=out, readrc=False)
        print(debugger.runcall(stepper.work))
        print(out.getvalue())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("42\n")
    assert "total = 40" in result.stdout
    assert "return total + 2" in result.stdout


def test_syntax_error_names_the_module_file_and_line() -> None:
    importcraft.virtual({"broken": "x = 1\ndef oops(:\n    pass\n"})
    with pytest.raises(SyntaxError) as info:
        import broken  # noqa: F401
    assert info.value.filename == "<virtual>/broken.py"
    assert info.value.lineno == 2
    assert "broken" not in sys.modules


def test_a_body_that_raises_leaves_nothing_in_sys_modules() -> None:
    importcraft.virtual({"halfway": "started = True\nraise RuntimeError('no')\n"})
    with pytest.raises(RuntimeError, match="no"):
        import halfway  # noqa: F401
    assert "halfway" not in sys.modules


def test_reload_reads_the_mapping_again_and_tracebacks_follow() -> None:
    mapping = {"live": "def f():\n    raise KeyError('old')\n"}
    importcraft.virtual(mapping)
    import live

    with pytest.raises(KeyError) as first:
        live.f()
    assert "raise KeyError('old')" in "".join(traceback.format_exception(first.value))
    mapping["live"] = "def f():\n    raise KeyError('new')\n"
    importlib.reload(live)
    with pytest.raises(KeyError) as second:
        live.f()
    assert "raise KeyError('new')" in "".join(traceback.format_exception(second.value))
    assert "new" in inspect.getsource(live)


def test_new_names_appear_after_invalidate_caches() -> None:
    mapping = {"grow": "x = 1"}
    importcraft.virtual(mapping)
    mapping["grown"] = "x = 2"
    with pytest.raises(ModuleNotFoundError):
        import grown
    importlib.invalidate_caches()
    import grown

    assert grown.x == 2


def test_a_key_removed_from_the_mapping_is_reported_on_load() -> None:
    mapping = {"gone": "x = 1"}
    importcraft.virtual(mapping)
    del mapping["gone"]
    with pytest.raises(ModuleNotFoundError, match="no longer in the mapping"):
        import gone  # noqa: F401


def test_resources_are_readable_through_importlib_resources() -> None:
    importcraft.virtual(
        {"assets": "", "assets.sub.mod": ""},
        resources={"assets": {"hello.txt": b"hello\n", "data/nums.csv": "1,2\n"}},
    )
    import assets

    files = importlib.resources.files(assets)
    assert files.joinpath("hello.txt").read_text() == "hello\n"
    assert (files / "data" / "nums.csv").read_bytes() == b"1,2\n"
    assert sorted(p.name for p in files.iterdir()) == ["data", "hello.txt"]
    assert files.joinpath("data").is_dir()
    assert not files.joinpath("missing.txt").is_file()
    with pytest.raises(FileNotFoundError):
        files.joinpath("missing.txt").read_bytes()
    with importlib.resources.as_file(files / "hello.txt") as path:
        assert path.read_bytes() == b"hello\n"
    assert pkgutil.get_data("assets", "hello.txt") == b"hello\n"
    assert list(importlib.resources.files("assets.sub").iterdir()) == []


def test_resources_alone_make_a_package() -> None:
    importcraft.virtual({}, resources={"only_data": {"a.txt": b"a"}})
    assert importlib.resources.files("only_data").joinpath("a.txt").read_bytes() == b"a"


def test_prefix_puts_the_mapping_under_a_package() -> None:
    importcraft.virtual(
        {"": "NAME = 'root'", "json_handler": "from . import NAME as parent"},
        prefix="plugins",
        resources={"": {"readme.txt": b"plugins"}},
    )
    import plugins.json_handler

    assert plugins.NAME == "root"
    assert plugins.json_handler.parent == "root"
    assert plugins.json_handler.__file__ == "<virtual>/plugins/json_handler.py"
    assert importlib.resources.files("plugins").joinpath("readme.txt").read_text() == "plugins"


@pytest.mark.parametrize(
    ("mapping", "error", "message"),
    [
        ({"good": "", "bad-name": ""}, ValueError, "'bad-name' is not a valid dotted module name"),
        ({"a..b": ""}, ValueError, "'a..b' is not a valid dotted module name: it has an empty"),
        ({"pkg.class": ""}, ValueError, "'class' is a keyword"),
        ({"9lives": ""}, ValueError, "'9lives' is not an identifier"),
        ({"fine": 42}, TypeError, "source of module 'fine' must be str or bytes, not int"),
        ({"": "x = 1"}, ValueError, "has a module named '' .* but no prefix"),
    ],
)
def test_bad_mappings_are_refused_at_install_time_and_change_nothing(
    mapping: dict[str, object], error: type[Exception], message: str
) -> None:
    meta_path = list(sys.meta_path)
    with pytest.raises(error, match=message):
        importcraft.virtual(mapping)  # type: ignore[arg-type]
    assert sys.meta_path == meta_path
    assert importcraft.hooks() == []


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"pkg": {"../escape.txt": b""}}, "must be a relative path"),
        ({"pkg": {"/abs.txt": b""}}, "must be a relative path"),
        ({"pkg": {"a": b"", "a/b": b""}}, "'a' of package 'pkg' is both a file and a folder"),
        ({"bad name": {"a": b""}}, "'bad name' is not a valid dotted module name"),
    ],
)
def test_bad_resources_are_refused(resources: dict[str, dict[str, bytes]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        importcraft.virtual({"pkg": ""}, resources=resources)


def test_pkgutil_lists_the_submodules_of_a_virtual_package() -> None:
    importcraft.virtual(
        {
            "plugins": "",
            "plugins.json_handler": "",
            "plugins.xml": "",
            "plugins.xml.sax_handler": "",
            "other": "",
        }
    )
    import plugins

    found = [(m.name, m.ispkg) for m in pkgutil.iter_modules(plugins.__path__, "plugins.")]
    assert found == [("plugins.json_handler", False), ("plugins.xml", True)]
    walked = [m.name for m in pkgutil.walk_packages(plugins.__path__, "plugins.")]
    assert walked == ["plugins.json_handler", "plugins.xml", "plugins.xml.sax_handler"]
    # The classic namespace-plugin discovery: import what is listed.
    loaded = [
        importlib.import_module(m.name) for m in pkgutil.iter_modules(plugins.__path__, "plugins.")
    ]
    assert loaded[0] is sys.modules["plugins.json_handler"]


def test_pkgutil_lists_a_mounted_dict_source_and_its_finder_finds() -> None:
    importcraft.mount("ext", importcraft.DictSource({"": "", "one": "x = 1", "two.three": ""}))
    import ext

    infos = list(pkgutil.iter_modules(ext.__path__))
    assert [(m.name, m.ispkg) for m in infos] == [("one", False), ("two", True)]
    spec = infos[0].module_finder.find_spec("ext.one")  # type: ignore[call-arg]
    assert spec is not None
    assert spec.origin == "<virtual>/ext/one.py"
    assert infos[0].module_finder.find_spec("ext.missing") is None  # type: ignore[call-arg]


def test_the_path_hook_goes_with_the_last_source() -> None:
    hooks_before = list(sys.path_hooks)
    hook = importcraft.virtual({"gone.a": ""})
    import gone

    assert [m.name for m in pkgutil.iter_modules(gone.__path__)] == ["a"]
    hook.remove()
    assert sys.path_hooks == hooks_before
    assert "<virtual>/gone" not in sys.path_importer_cache
    assert list(pkgutil.iter_modules(gone.__path__)) == []
