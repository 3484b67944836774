"""optional() and require()."""

from __future__ import annotations

import sys

import pytest

import importcraft


def test_optional_gives_the_module_or_none() -> None:
    import json

    assert importcraft.optional("json") is json
    assert importcraft.optional("surely_not_installed_pkg") is None
    assert importcraft.optional("surely_not_installed_pkg.sub") is None


def test_optional_does_not_hide_a_broken_module() -> None:
    importcraft.virtual({"broken_dep": "import missing_inner_dependency"})
    with pytest.raises(ModuleNotFoundError) as info:
        importcraft.optional("broken_dep")
    assert info.value.name == "missing_inner_dependency"


def test_require_names_the_distribution_and_the_purpose() -> None:
    importcraft.block("yaml")  # absent whether or not PyYAML is installed here
    sys.modules.pop("yaml", None)
    with pytest.raises(ModuleNotFoundError) as info:
        importcraft.require("yaml", purpose="reading YAML files")
    message = str(info.value)
    assert message == (
        "reading YAML files needs the module 'yaml', which is not installed. "
        "Install it with: pip install PyYAML"
    )
    assert info.value.name == "yaml"
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_require_for_a_module_named_like_its_distribution() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"Install it with: pip install surely_absent$"):
        importcraft.require("surely_absent")


def test_require_with_an_extra_names_the_calling_package() -> None:
    importcraft.block("yaml")
    sys.modules.pop("yaml", None)
    importcraft.virtual(
        {
            "mylib": "",
            "mylib.config": "import importcraft\ndef load():\n"
            "    return importcraft.require('yaml', extra='yaml', purpose='YAML configs')\n",
        }
    )
    from mylib.config import load

    with pytest.raises(ModuleNotFoundError) as info:
        load()
    assert str(info.value).endswith("Install it with: pip install 'mylib[yaml]'")


def test_require_with_an_extra_uses_the_installed_distribution_name() -> None:
    # _pytest's distribution is "pytest": the hint must name the distribution, not the package.
    code = "import importcraft\nimportcraft.require('surely_absent', extra='fancy')\n"
    namespace = {"__name__": "_pytest.fake"}
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'pytest\[fancy\]'"):
        exec(code, namespace)


def test_require_returns_the_module() -> None:
    import colorsys

    assert importcraft.require("colorsys") is colorsys
