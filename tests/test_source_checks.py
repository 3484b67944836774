"""What users hand to sources is checked where they wrote it; what their code does wrong inside an
import is reported naming the module, their object and the stage, with their exception chained."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Literal

import pytest

import importcraft


class Kinds(importcraft.Source):
    """A source whose lookup answers ``kind`` for every name."""

    label = "kinds"

    def __init__(self, kind: Any) -> None:
        self.kind = kind

    def lookup(self, name: str) -> Any:
        return "package" if name == "" else self.kind

    def get_source(self, name: str) -> str:
        return "x = 1"

    def __repr__(self) -> str:
        return "Kinds()"


def _state() -> tuple[object, ...]:
    return (importcraft.hooks(), list(sys.meta_path), list(sys.path_hooks))


@pytest.mark.parametrize("kind", ["modul", "Package", True, 1, b"module"])
def test_a_lookup_result_that_is_no_kind_names_source_module_and_value(kind: object) -> None:
    importcraft.mount("kinds", Kinds(kind))
    with pytest.raises(importcraft.ImportcraftError) as info:
        importlib.import_module("kinds.thing")
    message = str(info.value)
    assert "lookup('thing') of Kinds()" in message
    assert f"returned {kind!r}" in message
    assert "while importing 'kinds.thing'" in message
    assert "'module', 'package' or None" in message
    assert "kinds.thing" not in sys.modules


def test_a_lookup_that_raises_is_named_and_chained() -> None:
    class Broken(Kinds):
        def lookup(self, name: str) -> Any:
            if name:
                raise KeyError(name)
            return "package"

    importcraft.mount("broken", Broken("module"))
    with pytest.raises(importcraft.ImportcraftError) as info:
        importlib.import_module("broken.thing")
    assert str(info.value) == (
        "lookup('thing') of Kinds() raised KeyError: 'thing' while importing 'broken.thing'"
    )
    assert isinstance(info.value.__cause__, KeyError)
    # Not an ImportError: an ``except ImportError`` fallback must not hide a broken source.
    assert not isinstance(info.value, ImportError)


def test_an_import_error_from_lookup_keeps_its_type_and_gets_a_note() -> None:
    class Refusing(Kinds):
        def lookup(self, name: str) -> Any:
            if name:
                raise ModuleNotFoundError(f"no {name} here", name=name)
            return "package"

    importcraft.mount("refusing", Refusing("module"))
    with pytest.raises(ModuleNotFoundError, match="no thing here") as info:
        importlib.import_module("refusing.thing")
    assert info.value.__notes__ == [
        "raised by lookup('thing') of Kinds() while importing 'refusing.thing'"
    ]


@pytest.mark.parametrize("text", [None, 42, ["x = 1"]])
def test_get_source_returning_no_text_names_source_module_and_value(text: object) -> None:
    class NoText(Kinds):
        def get_source(self, name: str) -> Any:
            return text if name else ""

    importcraft.mount("notext", NoText("module"))
    with pytest.raises(importcraft.ImportcraftError) as info:
        importlib.import_module("notext.thing")
    assert str(info.value) == (
        f"get_source('thing') of Kinds() returned {text!r} ({type(text).__name__}) while "
        "importing 'notext.thing'; it must return str or bytes"
    )
    assert "notext.thing" not in sys.modules


def test_get_source_raising_is_named_and_chained() -> None:
    class Failing(Kinds):
        def get_source(self, name: str) -> str:
            if name:
                raise OSError("store is down")
            return ""

    importcraft.mount("failing", Failing("module"))
    with pytest.raises(importcraft.ImportcraftError, match="store is down") as info:
        importlib.import_module("failing.thing")
    assert str(info.value).startswith("get_source('thing') of Kinds() raised OSError")
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize("roots", ["app", b"app", 3])
def test_roots_that_are_not_an_iterable_of_names_are_refused_at_install(roots: object) -> None:
    class Roots(Kinds):
        def roots(self) -> Any:
            return roots

    before = _state()
    with pytest.raises(TypeError, match=r"Kinds\(\)\.roots\(\) returned .* an iterable"):
        importcraft.install(Roots("module"))
    assert _state() == before


def test_roots_raising_is_named_at_install() -> None:
    class Roots(Kinds):
        def roots(self) -> Any:
            raise RuntimeError("cannot list")

    before = _state()
    with pytest.raises(importcraft.ImportcraftError, match=r"roots\(\) of Kinds\(\) raised Run"):
        importcraft.install(Roots("module"))
    assert _state() == before


def test_mount_none_is_refused_rather_than_installed_at_the_top_level() -> None:
    before = _state()
    with pytest.raises(TypeError, match=r"mount\(prefix, source\) needs a package name .* None"):
        importcraft.mount(None, importcraft.DictSource({"json": "x = 1"}))  # type: ignore[arg-type]
    assert _state() == before


@pytest.mark.parametrize(
    ("name", "reads_as"),
    [
        ("\ufb01le", "file"),
        ("pkg.\u2460", None),
        ("caf\u0065\u0301", "caf\u00e9"),
        ("\u210cx", "Hx"),
    ],
)
def test_names_an_import_statement_cannot_spell_are_refused(
    name: str, reads_as: str | None
) -> None:
    before = _state()
    with pytest.raises(ValueError, match="is not a valid dotted module name") as info:
        importcraft.virtual({name: "x = 1"})
    if reads_as is not None:
        assert f"Python reads it as {reads_as!r}" in str(info.value)
    assert _state() == before
    with pytest.raises(ValueError, match="not a valid dotted module name"):
        importcraft.mount(name, importcraft.DictSource({}))


def test_a_non_ascii_name_that_is_already_normal_is_accepted() -> None:
    importcraft.virtual({"caf\u00e9": "x = 1"})
    module = importlib.import_module("caf\u00e9")
    assert module.x == 1
    # The statement spells it too, decomposed or not, as the parser normalises identifiers.
    namespace: dict[str, object] = {}
    exec("import caf\u0065\u0301 as m", namespace)
    assert namespace["m"] is module


def test_kinds_literal_is_still_accepted() -> None:
    class Good(Kinds):
        def lookup(self, name: str) -> Literal["module", "package"] | None:
            return "package" if name == "" else "module"

    importcraft.mount("good", Good("module"))
    assert importlib.import_module("good.thing").x == 1


@pytest.mark.parametrize("children", ["ab", ["a.b"], ["bad-name"], [3], ["class"]])
def test_submodules_that_are_not_names_are_refused_when_listed(children: Any) -> None:
    import pkgutil

    class Listing(Kinds):
        def submodules(self, name: str) -> Any:
            return children

    importcraft.mount("listing", Listing("module"))
    package = importlib.import_module("listing")
    with pytest.raises(importcraft.ImportcraftError, match=r"submodules\(''\) of Kinds\(\)"):
        list(pkgutil.iter_modules(package.__path__))


def test_a_custom_source_lists_what_submodules_returns() -> None:
    import pkgutil

    class Listing(Kinds):
        def submodules(self, name: str) -> list[str]:
            return ["b", "a"] if name == "" else []

    importcraft.mount("listed", Listing("module"))
    package = importlib.import_module("listed")
    assert [m.name for m in pkgutil.iter_modules(package.__path__, "listed.")] == [
        "listed.a",
        "listed.b",
    ]
