"""DirectorySource: a tree of files that is not on sys.path, mounted or at the top level."""

from __future__ import annotations

import importlib
import importlib.resources
import inspect
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import importcraft


def test_mount_serves_modules_packages_and_data_files(tree: Any) -> None:
    root = tree(
        {
            "json_handler.py": "from .util import helper\nKIND = 'json'\n",
            "util.py": "def helper():\n    return 'helped'\n",
            "nested/__init__.py": "",
            "nested/inner.py": "x = 'inner'\n",
            "nested/table.csv": "a,b\n",
            "plain_dir/leaf.py": "x = 'leaf'\n",
        }
    )
    importcraft.mount("plugins", importcraft.DirectorySource(root))
    import plugins.json_handler
    import plugins.nested.inner
    import plugins.plain_dir.leaf

    assert plugins.json_handler.KIND == "json"
    assert plugins.json_handler.helper() == "helped"
    assert plugins.json_handler.__file__ == str(root / "json_handler.py")
    assert plugins.__path__ == [str(root)]
    assert plugins.nested.inner.x == "inner"
    assert plugins.plain_dir.leaf.x == "leaf"
    table = importlib.resources.files("plugins.nested").joinpath("table.csv")
    assert table.read_text() == "a,b\n"
    assert importlib.resources.files("plugins.plain_dir").joinpath("leaf.py").is_file()
    assert "return 'helped'" in inspect.getsource(plugins.json_handler.helper)


def test_a_mount_root_with_init_runs_it(tree: Any) -> None:
    root = tree({"__init__.py": "READY = True\n", "mod.py": "from . import READY\n"})
    importcraft.mount("withinit", importcraft.DirectorySource(root))
    import withinit.mod

    assert withinit.READY
    assert withinit.__file__ == str(root / "__init__.py")
    assert withinit.mod.READY


def test_a_name_missing_under_the_mount_is_the_usual_error(tree: Any) -> None:
    importcraft.mount("plugins", importcraft.DirectorySource(tree({"a.py": ""})))
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'plugins\.b'"):
        import plugins.b  # noqa: F401


def test_the_mount_serves_only_its_prefix(tree: Any) -> None:
    root = tree({"json.py": "FAKE = True\n"})
    importcraft.mount("plugins", importcraft.DirectorySource(root))
    sys.modules.pop("json", None)
    import json

    assert not hasattr(json, "FAKE")


def test_top_level_install_acts_like_a_private_sys_path_entry(tree: Any) -> None:
    root = tree({"toolbox/__init__.py": "", "toolbox/saw.py": "cuts = True\n", "single.py": ""})
    importcraft.install(importcraft.DirectorySource(root))
    import single  # noqa: F401
    import toolbox.saw

    assert toolbox.saw.cuts
    assert str(root) not in sys.path


def test_bytecode_is_cached_and_edits_are_seen_on_reload(tree: Any) -> None:
    root = tree({"counter.py": "value = 1\n"})
    importcraft.mount("pkg", importcraft.DirectorySource(root))
    sys_dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        import pkg.counter

        assert pkg.counter.value == 1
        assert pkg.counter.__cached__ is not None
        assert Path(pkg.counter.__cached__).exists()
        (root / "counter.py").write_text("value = 2222\n")
        later = time.time() + 2
        os.utime(root / "counter.py", (later, later))
        importlib.reload(pkg.counter)
        assert pkg.counter.value == 2222
    finally:
        sys.dont_write_bytecode = sys_dont_write


def test_new_top_level_files_are_found_after_invalidate_caches(tree: Any) -> None:
    root = tree({"first.py": "n = 1\n"})
    importcraft.install(importcraft.DirectorySource(root))
    (root / "second.py").write_text("n = 2\n")
    with pytest.raises(ModuleNotFoundError):
        import second
    importlib.invalidate_caches()
    import second

    assert second.n == 2


def test_a_missing_directory_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="does not exist"):
        importcraft.DirectorySource(tmp_path / "nope")
    (tmp_path / "file.py").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a directory"):
        importcraft.DirectorySource(tmp_path / "file.py")


def test_lookup_and_get_source_answer_like_any_source(tree: Any) -> None:
    source = importcraft.DirectorySource(tree({"p/__init__.py": "", "p/m.py": "x = 1\n"}))
    assert source.lookup("p") == "package"
    assert source.lookup("p.m") == "module"
    assert source.lookup("p.zzz") is None
    assert source.get_source("p.m") == "x = 1\n"
    assert source.roots() == ["p"]


def test_a_file_no_import_statement_can_spell_is_skipped_not_fatal(tree: Any) -> None:
    root = tree({"\ufb01le.py": "x = 1", "plain.py": "y = 2"})
    source = importcraft.DirectorySource(str(root))
    assert source.roots() == ["plain"]
    importcraft.install(source)
    assert importlib.import_module("plain").y == 2
