"""optional() and require()."""

from __future__ import annotations

import sys
import types
from typing import Any

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


def test_an_extra_no_installed_distribution_declares_is_not_suggested() -> None:
    # mylib is not an installed distribution: 'mylib[yaml]' would not install anything.
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
    assert str(info.value).endswith("Install it with: pip install PyYAML")


FANCY_METADATA = """\
Metadata-Version: 2.1
Name: fancy-lib
Version: 1.0
Provides-Extra: yaml
Requires-Dist: PyYAML>=6; extra == "yaml"
Provides-Extra: Image_Tools
Requires-Dist: pillow; extra == 'image-tools'
"""

FANCY_CONFIG = """\
import importcraft
def load(**options):
    return importcraft.require("yaml", purpose="YAML configs", **options)
def image():
    return importcraft.require("PIL.Image")
"""


@pytest.fixture
def fancy(tree: Any) -> None:
    """An installed distribution 'fancy-lib' (import name fancylib) with extras, on sys.path."""
    root = tree(
        {
            "fancylib/__init__.py": "",
            "fancylib/config.py": FANCY_CONFIG,
            "fancylib/cli.py": "from fancylib.config import load\nload(extra='yaml')\n",
            "fancy_lib-1.0.dist-info/METADATA": FANCY_METADATA,
            "fancy_lib-1.0.dist-info/top_level.txt": "fancylib\n",
            "odd_dist-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: odd-dist\n"
            "Version: 2.0\n",
            "odd_dist-2.0.dist-info/top_level.txt": "oddname\n",
        }
    )
    sys.path.insert(0, str(root))
    for name in ("yaml", "PIL", "oddname"):
        importcraft.block(name)  # absent whether or not they are installed here
        sys.modules.pop(name, None)


@pytest.mark.usefixtures("fancy")
@pytest.mark.parametrize("options", [{}, {"extra": "yaml"}, {"extra": "YAML"}])
def test_require_suggests_the_extra_of_the_calling_distribution(options: dict[str, str]) -> None:
    # Without extra=, the extra is the one whose Requires-Dist names PyYAML.
    from fancylib.config import load

    with pytest.raises(ModuleNotFoundError) as info:
        load(**options)
    assert str(info.value) == (
        "YAML configs needs the module 'yaml', which is not installed. "
        "Install it with: pip install 'fancy-lib[yaml]'"
    )


@pytest.mark.usefixtures("fancy")
def test_require_names_an_extra_as_the_distribution_spells_it() -> None:
    from fancylib.config import image

    with pytest.raises(ModuleNotFoundError, match=r"pip install 'fancy-lib\[Image_Tools\]'$"):
        image()


@pytest.mark.usefixtures("fancy")
def test_an_extra_the_distribution_does_not_declare_is_not_suggested() -> None:
    from fancylib.config import load

    with pytest.raises(ModuleNotFoundError, match=r"Install it with: pip install PyYAML$"):
        load(extra="nosuchextra")


@pytest.mark.usefixtures("fancy")
def test_a_script_is_not_a_package_but_python_m_runs_one() -> None:
    code = "import importcraft\nimportcraft.require('yaml', extra='yaml')\n"
    with pytest.raises(ModuleNotFoundError) as info:
        exec(code, {"__name__": "__main__"})
    assert str(info.value).endswith("Install it with: pip install PyYAML"), "not __main__[yaml]"
    import runpy

    with pytest.raises(ModuleNotFoundError, match=r"pip install 'fancy-lib\[yaml\]'$"):
        runpy.run_module("fancylib.cli", run_name="__main__")


@pytest.mark.usefixtures("fancy")
def test_the_installed_metadata_names_the_distribution_first() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"Install it with: pip install odd-dist$"):
        importcraft.require("oddname.sub")


@pytest.mark.parametrize(
    ("name", "distribution"),
    [
        ("yaml", "PyYAML"),
        ("cv2", "opencv-python"),
        ("PIL.Image", "Pillow"),
        ("sklearn.linear_model", "scikit-learn"),
        ("bs4", "beautifulsoup4"),
    ],
)
def test_well_known_import_names_whose_distribution_differs(name: str, distribution: str) -> None:
    top = name.partition(".")[0]
    importcraft.block(top, evict=True)
    # Case-blind: installed metadata may spell it otherwise (Pillow's says "pillow").
    with pytest.raises(
        ModuleNotFoundError, match=rf"(?i)Install it with: pip install {distribution}$"
    ):
        importcraft.require(name)


@pytest.mark.parametrize("name", ["json", "xml.dom.minidom", "tomllib"])
def test_a_standard_library_module_is_never_a_pip_install(name: str) -> None:
    top = name.partition(".")[0]
    importcraft.block(top, evict=True)
    with pytest.raises(ModuleNotFoundError) as info:
        importcraft.require(name, extra="json", purpose="saving")
    message = str(info.value)
    assert message.startswith(f"saving needs the module {name!r}, which cannot be imported here.")
    assert "standard library, so no pip package provides it" in message
    assert "pip install" not in message


def test_optional_does_not_take_a_lazy_placeholder_for_the_module() -> None:
    importcraft.lazy_import("nonexistent_x", check=False)
    importcraft.lazy_import("nonexistent_y.sub", check=False)
    assert importcraft.optional("nonexistent_x") is None
    assert importcraft.optional("nonexistent_y.sub") is None
    with pytest.raises(ModuleNotFoundError, match=r"pip install nonexistent_x$"):
        importcraft.require("nonexistent_x")


def test_optional_gives_a_lazy_placeholder_of_a_real_module_still_lazy(tree: Any) -> None:
    sys.path.insert(0, str(tree({"really_there.py": "VALUE = 1\n"})))
    placeholder = importcraft.lazy_import("really_there", check=False)
    assert importcraft.optional("really_there") is placeholder
    assert importcraft.is_lazy(placeholder), "looking it up did not run it"
    assert placeholder.VALUE == 1


def test_require_returns_the_module() -> None:
    import colorsys

    assert importcraft.require("colorsys") is colorsys


def test_a_placeholder_found_by_a_legacy_finder_counts_as_there() -> None:
    # A finder with only find_module (PEP 302): the lazy placeholder's first use finds the
    # module through it, so optional() must find it too and not answer None.
    class OldFinder:
        def find_module(self, fullname: str, path: object = None) -> Any:
            return self if fullname == "legacy_only" else None

        def load_module(self, fullname: str) -> types.ModuleType:
            module = sys.modules[fullname]
            module.VALUE = "legacy"  # type: ignore[attr-defined]
            return module

    sys.meta_path.append(OldFinder())
    placeholder = importcraft.lazy_import("legacy_only", check=False)
    assert importcraft.optional("legacy_only") is placeholder
    assert placeholder.VALUE == "legacy"


def test_optional_of_a_placeholder_submodule_does_not_run_its_package(tree: Any) -> None:
    sys.path.insert(0, str(tree({"opt_pkg/__init__.py": "RAN = 1/0\n", "opt_pkg/sub.py": ""})))
    placeholder = importcraft.lazy_import("opt_pkg.sub", check=False)
    assert importcraft.optional("opt_pkg.sub") is placeholder
    assert importcraft.is_lazy(sys.modules["opt_pkg"]), "looking it up ran nothing"
