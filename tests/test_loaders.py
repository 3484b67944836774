"""What the loaders of virtual modules answer to the tools that ask them (pkgutil, inspect, ...)."""

from __future__ import annotations

import importlib
import importlib.resources
import inspect
import pkgutil
from typing import Any

import pytest

import importcraft


def test_get_data_names_the_missing_resource_and_the_package() -> None:
    importcraft.virtual({"res_pkg": "", "res_mod": ""}, resources={"res_pkg": {"a.txt": b"a"}})
    import res_pkg

    assert pkgutil.get_data("res_pkg", "a.txt") == b"a"
    with pytest.raises(FileNotFoundError, match=r"no such resource in 'res_pkg'"):
        pkgutil.get_data("res_pkg", "missing.txt")
    with pytest.raises(FileNotFoundError, match=r"no such resource in 'res_pkg'"):
        res_pkg.__loader__.get_data("/elsewhere/a.txt")


def test_a_source_package_without_resources_has_an_empty_tree() -> None:
    importcraft.virtual({"bare_pkg": "", "bare_pkg.mod": "X = 1\n"})
    import bare_pkg

    files = importlib.resources.files(bare_pkg)
    assert list(files.iterdir()) == []
    assert not files.joinpath("anything.txt").is_file()
    with pytest.raises(FileNotFoundError, match="no such resource"):
        pkgutil.get_data("bare_pkg", "anything.txt")


def test_a_plain_module_has_no_resource_reader() -> None:
    importcraft.virtual({"plain_mod": "X = 1\n"})
    import plain_mod

    loader = plain_mod.__loader__
    assert loader.get_resource_reader("plain_mod") is None
    assert not loader.is_package("plain_mod")
    assert loader.get_filename("plain_mod") == plain_mod.__file__


def test_a_loader_asked_for_another_module_says_which() -> None:
    importcraft.virtual({"asked_mod": "X = 1\n"})
    import asked_mod

    with pytest.raises(ImportError, match=r"loader for 'asked_mod' cannot handle 'other'") as err:
        asked_mod.__loader__.get_source("other")
    assert err.value.name == "other"


def test_bytes_source_with_a_coding_cookie_is_decoded_as_python_does() -> None:
    text = "# -*- coding: latin-1 -*-\nWORD = 'caf\xe9'\n"
    importcraft.virtual({"latin_mod": text.encode("latin-1")})
    import latin_mod

    assert latin_mod.WORD == "café"
    assert inspect.getsource(latin_mod) == text


def test_a_directory_package_without_init_serves_its_files(tree: Any) -> None:
    root = tree({"plug/data/values.txt": "1 2\n", "plug/data/mod.py": "X = 1\n"})
    importcraft.mount("plug", importcraft.DirectorySource(root / "plug"))
    data = importlib.import_module("plug.data")
    loader = data.__loader__
    assert loader.is_package("plug.data")
    assert loader.get_source("plug.data") == ""
    assert "DirectoryPackageLoader 'plug.data'" in repr(loader)
    assert importlib.resources.files(data).joinpath("values.txt").read_text() == "1 2\n"
    assert importlib.import_module("plug.data.mod").X == 1
