"""install() and mount(): arguments, custom sources, descriptions."""

from __future__ import annotations

import importlib
import sys
from typing import Literal

import pytest

import importcraft
from importcraft.core._router import ROUTER


class Upper(importcraft.Source):
    """The example from the Source docstring."""

    label = "upper"

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        return "package" if name == "" else "module"

    def get_source(self, name: str) -> str:
        return f"NAME = {name.upper()!r}"


def test_a_custom_source_mounted() -> None:
    importcraft.mount("shout", Upper())
    from shout import hello

    assert hello.NAME == "HELLO"
    assert hello.__file__ == "<upper>/shout/hello.py"


def test_a_source_with_unknown_roots_is_asked_about_every_name() -> None:
    class Anything(Upper):
        def lookup(self, name: str) -> Literal["module", "package"] | None:
            return "module" if name.startswith("made_up_") else None

    importcraft.install(Anything())
    assert importlib.import_module("made_up_thing").NAME == "MADE_UP_THING"
    assert ROUTER.find_spec("json") is None


def test_install_with_prefix_is_mount() -> None:
    hook = importcraft.install(importcraft.DictSource({"m": "x = 1"}), prefix="under")
    assert importlib.import_module("under.m").x == 1
    assert hook.description == "install(DictSource(1 module(s): 'm'), prefix='under')"


def test_descriptions_name_the_call() -> None:
    source = importcraft.EnvSource()
    assert importcraft.mount("cfg", source).description == "mount('cfg', EnvSource(strict=False))"
    hook = importcraft.install(importcraft.DictSource({"a": ""}), fallback=True)
    assert hook.description == "install(DictSource(1 module(s): 'a'), fallback=True)"


@pytest.mark.parametrize(
    ("prefix", "error", "message"),
    [
        ("bad prefix", ValueError, "prefix 'bad prefix' is not a valid dotted module name"),
        ("a.", ValueError, "prefix 'a.' is not a valid dotted module name: it has an empty part"),
        (3, TypeError, "prefix must be a str, not int: 3"),
    ],
)
def test_a_bad_prefix_is_refused(prefix: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        importcraft.mount(prefix, Upper())  # type: ignore[arg-type]
    assert importcraft.hooks() == []


def test_something_that_is_not_a_source_is_refused() -> None:
    with pytest.raises(TypeError, match=r"needs a Source .* not dict"):
        importcraft.install({"a": "x = 1"})  # type: ignore[arg-type]


def test_a_source_missing_its_methods_says_which() -> None:
    class Half(importcraft.Source):
        def lookup(self, name: str) -> Literal["module", "package"] | None:
            return "module"

    importcraft.mount("half", Half())
    with pytest.raises(importcraft.ImportcraftError, match="Half must define get_source") as info:
        importlib.import_module("half.x")
    assert isinstance(info.value.__cause__, NotImplementedError)
    assert "half.x" not in sys.modules


def test_roots_that_are_not_top_level_names_are_refused() -> None:
    class Dotted(Upper):
        def roots(self) -> list[str]:
            return ["a.b"]

    with pytest.raises(ValueError, match=r"roots\(\) returned 'a.b', which is not top-level"):
        importcraft.install(Dotted())


def test_the_path_hook_and_finder_of_a_served_package_say_what_they_are() -> None:
    import pkgutil

    importcraft.virtual({"hooked": "", "hooked.a": ""})
    import hooked

    assert [m.name for m in pkgutil.iter_modules(hooked.__path__)] == ["a"]
    finder = sys.path_importer_cache[hooked.__path__[0]]
    assert repr(finder) == "<importcraft.SourcePathFinder 'hooked' at '<virtual>/hooked'>"
    hook = next(h for h in sys.path_hooks if "importcraft" in repr(h))
    assert repr(hook) == "<importcraft path hook for packages served by sources>"
    with pytest.raises(ImportError, match=r"no importcraft source serves a package at '<vir"):
        hook("<virtual>/nothing_here")
    assert list(pkgutil.iter_modules(["<virtual>/nothing_here"])) == []


def test_a_source_whose_submodules_raises_is_named_when_listed() -> None:
    import pkgutil

    class Broken(importcraft.DictSource):
        def submodules(self, name: str) -> list[str]:
            raise RuntimeError("cannot list")

    importcraft.install(Broken({"brk": "", "brk.a": ""}))
    import brk

    expected = r"submodules\('brk'\) of DictSource\(.* raised RuntimeError: cannot list"
    with pytest.raises(importcraft.ImportcraftError, match=expected):
        list(pkgutil.iter_modules(brk.__path__))
