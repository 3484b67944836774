"""register_version() and set_default_version()."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

import importcraft

V1 = {
    "mylib/__init__.py": "from mylib import util\nWHO = util.WHO\n",
    "mylib/util.py": "WHO = 'one'\n",
}
V2 = {
    "mylib/__init__.py": (
        "import mylib.util\nfrom mylib.util import WHO as _w\nWHO = mylib.util.WHO\n"
    ),
    "mylib/util.py": "WHO = 'two'\n",
}


@pytest.fixture
def two_versions(tree: Any, tmp_path: Path) -> None:
    importcraft.register_version("mylib", "1", tree(V1, tmp_path / "one"))  # a folder holding it
    importcraft.register_version("mylib", "2", tree(V2, tmp_path / "two") / "mylib")  # its own


@pytest.mark.usefixtures("two_versions")
def test_two_versions_side_by_side_without_cross_talk() -> None:
    import mylib_v1
    import mylib_v2

    assert (mylib_v1.WHO, mylib_v2.WHO) == ("one", "two")
    assert mylib_v1.util is sys.modules["mylib_v1.util"]
    assert mylib_v2.util is sys.modules["mylib_v2.util"]
    assert "mylib" not in sys.modules, "neither version imported the unversioned name"
    assert (mylib_v1.__version__, mylib_v2.__version__) == ("1", "2")


@pytest.mark.usefixtures("two_versions")
def test_an_unregistered_version_lists_the_available_ones() -> None:
    with pytest.raises(
        ModuleNotFoundError,
        match=r"version '9' of 'mylib' is not registered "
        r"\(available: 1, 2;",
    ):
        import mylib_v9  # noqa: F401


@pytest.mark.usefixtures("two_versions")
def test_a_look_alike_name_is_not_taken_for_a_version() -> None:
    importcraft.virtual({"mylib_vendor": "X = 1"})
    assert importlib.import_module("mylib_vendor").X == 1


@pytest.mark.usefixtures("two_versions")
def test_the_default_version() -> None:
    importcraft.set_default_version("mylib", "2")
    import mylib
    import mylib.util
    import mylib_v2

    assert mylib is mylib_v2
    assert mylib.util is mylib_v2.util
    with pytest.raises(ModuleNotFoundError, match=r"version '3' of 'mylib' is not registered"):
        importcraft.set_default_version("mylib", "3")


def test_a_module_from_source_text_and_a_package_from_a_mapping() -> None:
    importcraft.register_version("tool", "1.5", "VALUE = 15\n")
    importcraft.register_version(
        "kit", "3", {"kit": "from kit.part import P", "kit.part": "P = 'three'"}
    )
    tool = importlib.import_module("tool_v1_5")
    kit = importlib.import_module("kit_v3")
    assert (tool.VALUE, tool.__version__) == (15, "1.5")
    assert kit.P == "three"


def test_removing_a_version_takes_all_of_it_away() -> None:
    hook = importcraft.register_version("gone", "1", "X = 1\n")
    assert len(importcraft.hooks()) == 1, "one hook for the whole version"
    hook.remove()
    assert importcraft.hooks() == []
    with pytest.raises(ModuleNotFoundError, match="No module named 'gone_v1'"):
        import gone_v1  # noqa: F401


def test_registering_the_same_version_twice_is_refused() -> None:
    importcraft.register_version("dup", "1", "X = 1\n")
    with pytest.raises(ValueError, match="version '1' of 'dup' is already registered"):
        importcraft.register_version("dup", "1", "X = 2\n")


def test_a_folder_that_is_not_the_package_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is neither the package's folder"):
        importcraft.register_version("nothere", "1", tmp_path)


def test_the_tutorial_form_an_int_version_and_a_py_file(
    tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree({"path/to/mylib_v2.py": "import mylib\nWHO = 'two'\n"})
    monkeypatch.chdir(tmp_path)  # the tutorial's path is relative to the working directory
    importcraft.register_version("mylib", 2, "path/to/mylib_v2.py")
    importcraft.set_default_version("mylib", 2)
    import mylib
    import mylib_v2

    assert mylib is mylib_v2
    assert mylib_v2.WHO == "two"
    assert mylib_v2.__version__ == "2"
    assert mylib_v2.__file__ == str(tmp_path / "path/to/mylib_v2.py"), "Python's own loader"
    assert mylib_v2.mylib is mylib_v2, "its import of itself stays inside the version"


def test_int_and_str_versions_are_one_version(tmp_path: Path) -> None:
    source = tmp_path / "tool.py"
    source.write_text("VALUE = 2\n")
    importcraft.register_version("tool", 2, source)  # an os.PathLike
    with pytest.raises(ValueError, match="version '2' of 'tool' is already registered"):
        importcraft.register_version("tool", "2", "VALUE = 3\n")
    importcraft.set_default_version("tool", "2")
    assert importlib.import_module("tool").VALUE == 2
    with pytest.raises(TypeError, match=r"must be a non-empty str or an int, not 2\.0"):
        importcraft.register_version("tool", 2.0, "X = 1\n")  # type: ignore[arg-type]


def test_a_package_keeps_its_own_version(tree: Any, tmp_path: Path) -> None:
    folder = tree({"own/__init__.py": "__version__ = '3.1.4'\n"}, tmp_path / "three")
    importcraft.register_version("own", "3", folder)
    importcraft.register_version("own", "4", "X = 4\n")
    assert importlib.import_module("own_v3").__version__ == "3.1.4"
    assert importlib.import_module("own_v4").__version__ == "4"


@pytest.mark.parametrize(
    ("source", "reasons"),
    [
        ("/opt/mylib-2.0/mylib_v2.py", "names no existing file or directory"),
        ("path/to/missing_v2.py", "a one-line text ending in '.py' is taken for a path"),
        ("def broken(:\n    pass\n", "SyntaxError: "),
    ],
)
def test_a_string_neither_path_nor_source_says_both_readings_failed(
    source: str, reasons: str
) -> None:
    with pytest.raises(ValueError, match="neither a path") as info:
        importcraft.register_version("nope", 1, source)
    message = str(info.value)
    assert message.startswith("register_version('nope', '1'): the source ")
    assert "is neither a path (" in message
    assert "nor valid source text (" in message
    assert reasons in message
    assert importcraft.hooks() == [], "a refused registration changes nothing"


def test_a_missing_path_object_or_a_file_that_is_not_python_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"the source path .*gone\.py' does not exist"):
        importcraft.register_version("nope", 1, tmp_path / "gone.py")
    (tmp_path / "data.txt").write_text("x")
    with pytest.raises(ValueError, match=r"is a file but not a \.py file"):
        importcraft.register_version("nope", 1, str(tmp_path / "data.txt"))
