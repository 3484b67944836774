"""lazy_attach() and lazy_attach_stub(): SPEC 1 lazy packages."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

import importcraft

ATTACH_INIT = """\
import importcraft
__getattr__, __dir__, __all__ = importcraft.lazy_attach(
    __name__, submodules=["plot"], submod_attrs={"core": ["Model", "fit"], "tool": ["tool"]}
)
"""

FILES = {
    "core.py": "import sys\nsys.modules['log_box'].ran.append('core')\n"
    "class Model:\n    pass\ndef fit():\n    return 'fitted'\n",
    "plot.py": "import sys\nsys.modules['log_box'].ran.append('plot')\nKIND = 'plot'\n",
    "tool.py": "def tool():\n    return 'the function, not the module'\n",
}


@pytest.fixture
def ran() -> list[str]:
    box = type(sys)("log_box")
    box.ran = []  # type: ignore[attr-defined]
    sys.modules["log_box"] = box
    return box.ran  # type: ignore[attr-defined, no-any-return]


def make_package(tree: Any, name: str, init: str, extra: dict[str, str] | None = None) -> Path:
    files = {f"{name}/{k}": v for k, v in {**FILES, **(extra or {})}.items()}
    root = tree({**files, f"{name}/__init__.py": init})
    sys.path.insert(0, str(root))
    return root / name


def test_attributes_and_submodules_load_on_first_access(tree: Any, ran: list[str]) -> None:
    make_package(tree, "attpkg", ATTACH_INIT)
    import attpkg

    assert ran == []
    assert attpkg.fit() == "fitted"
    assert ran == ["core"]
    assert attpkg.Model is sys.modules["attpkg.core"].Model
    assert attpkg.plot.KIND == "plot"
    assert ran == ["core", "plot"]


def test_a_resolved_attribute_is_stored_in_the_package(tree: Any, ran: list[str]) -> None:
    make_package(tree, "storepkg", ATTACH_INIT)
    import storepkg

    storepkg.fit
    assert "fit" in vars(storepkg), "later accesses are plain attribute reads"
    assert "Model" not in vars(storepkg)


@pytest.mark.usefixtures("ran")
def test_a_function_named_like_its_submodule_is_not_shadowed(tree: Any) -> None:
    make_package(tree, "shadowpkg", ATTACH_INIT)
    import shadowpkg

    assert shadowpkg.tool() == "the function, not the module"
    assert shadowpkg.tool() == "the function, not the module"


def test_dir_all_and_unknown_names(tree: Any, ran: list[str]) -> None:
    make_package(tree, "dirpkg", ATTACH_INIT)
    import dirpkg

    assert dirpkg.__all__ == ["Model", "fit", "plot", "tool"]
    assert dir(dirpkg) == ["Model", "fit", "plot", "tool"]
    with pytest.raises(AttributeError, match="module 'dirpkg' has no attribute 'nope'"):
        dirpkg.nope
    assert ran == []


@pytest.mark.usefixtures("ran")
def test_from_package_import_works(tree: Any) -> None:
    make_package(tree, "frompkg", ATTACH_INIT)
    from frompkg import Model, plot

    assert Model.__name__ == "Model"
    assert plot.KIND == "plot"


def test_eager_switch_imports_everything_at_attach(
    tree: Any, ran: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EAGER_IMPORT", "1")
    make_package(tree, "eagerpkg", ATTACH_INIT)
    import eagerpkg  # noqa: F401

    assert sorted(ran) == ["core", "plot"]


@pytest.mark.usefixtures("ran")
def test_the_same_call_as_lazy_loader_gives_the_same_package(tree: Any) -> None:
    lazy_loader = pytest.importorskip("lazy_loader")
    call = '(__name__, ["plot"], {"core": ["Model", "fit"]})'
    make_package(
        tree,
        "ours_pkg",
        f"import importcraft\n__getattr__, __dir__, __all__ = importcraft.lazy_attach{call}\n",
    )
    make_package(
        tree,
        "theirs_pkg",
        f"import lazy_loader\n__getattr__, __dir__, __all__ = lazy_loader.attach{call}\n",
    )
    ours, theirs = importlib.import_module("ours_pkg"), importlib.import_module("theirs_pkg")
    assert ours.__all__ == theirs.__all__
    assert dir(ours) == dir(theirs)
    loaded = [name in sys.modules for name in ("ours_pkg.core", "theirs_pkg.core")]
    assert loaded == [False, False], "neither package has imported core before its first use"
    assert ours.fit() == theirs.fit()
    assert ours.plot.KIND == theirs.plot.KIND
    assert (ours.plot, theirs.plot) == (
        sys.modules["ours_pkg.plot"],
        sys.modules["theirs_pkg.plot"],
    )
    assert lazy_loader.__name__ == "lazy_loader"


# -- stubs --------------------------------------------------------------------------------------

STUB_INIT = (
    "import importcraft\n"
    "__getattr__, __dir__, __all__ = importcraft.lazy_attach_stub(__name__, __file__)\n"
)

STUB = '''\
"""The package's public names, for type checkers and for lazy loading."""
from .core import Model, fit
from .core import Model as BaseModel
from . import plot
from . import plot as plotting
from .stars import *
from stubpkg.tool import tool
import stubpkg.deep
'''

STUB_FILES = {
    "stars.py": "__all__ = ['shine', 'twinkle']\ndef shine():\n    return 'shine'\n"
    "def twinkle():\n    return 'twinkle'\ndef hidden():\n    pass\n",
    "deep/__init__.py": "LEVEL = 'deep'\n",
}


def test_every_supported_stub_form(tree: Any, ran: list[str]) -> None:
    make_package(tree, "stubpkg", STUB_INIT, {**STUB_FILES, "__init__.pyi": STUB})
    import stubpkg

    assert ran == []
    assert stubpkg.fit() == "fitted"
    assert stubpkg.BaseModel is stubpkg.Model
    assert stubpkg.plot.KIND == "plot"
    assert stubpkg.plotting is stubpkg.plot
    assert (stubpkg.shine(), stubpkg.twinkle()) == ("shine", "twinkle")
    assert stubpkg.tool() == "the function, not the module"
    assert stubpkg.deep.LEVEL == "deep"
    assert "hidden" not in stubpkg.__all__
    assert stubpkg.__all__ == sorted(
        ["Model", "fit", "BaseModel", "plot", "plotting", "shine", "twinkle", "tool", "deep"]
    )


@pytest.mark.usefixtures("ran")
def test_a_stub_all_is_the_packages_all(tree: Any) -> None:
    stub = "from .core import Model, fit\n__all__ = ['fit']\n"
    make_package(tree, "allpkg", STUB_INIT, {"__init__.pyi": stub})
    import allpkg

    assert allpkg.__all__ == ["fit"]
    assert allpkg.Model.__name__ == "Model"


@pytest.mark.parametrize(
    ("stub", "line", "form"),
    [
        ("from .core import fit\nimport os\n", 2, "`import os` is not supported"),
        ("from os import path\n", 1, "`from os import path` is not supported"),
        ("from ..other import x\n", 1, "`from ..other import x` is not supported"),
        ("from . import *\n", 1, "`from . import *` is not supported"),
        ("import badpkg.core as c\n", 1, "`import badpkg.core as c` is not supported"),
        ("\ndef f() -> None: ...\n", 2, "a FunctionDef statement is not supported"),
        ("from .nostar import *\n", 1, "needs badpkg.nostar to define __all__"),
        ("__all__ = make()\n", 1, "__all__ must be a literal list of strings"),
    ],
)
def test_anything_else_names_the_stub_line_and_form(
    tree: Any, stub: str, line: int, form: str
) -> None:
    folder = make_package(tree, "badpkg", "", {"__init__.pyi": stub, "nostar.py": "x = 1\n"})
    with pytest.raises(ValueError, match=r"__init__\.pyi:\d+: ") as info:
        importcraft.lazy_attach_stub("badpkg", str(folder / "__init__.py"))
    assert str(info.value).startswith(f"{folder / '__init__.pyi'}:{line}: ")
    assert form in str(info.value)


def test_a_missing_stub_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read the stub .*__init__\.pyi"):
        importcraft.lazy_attach_stub("nopkg", str(tmp_path / "__init__.py"))


def test_getattr_goes_once_every_name_is_resolved(tree: Any, ran: list[str]) -> None:
    # CPython reads attributes of a module with a __getattr__ 2-3 times slower.
    make_package(tree, "gonepkg", ATTACH_INIT)
    import gonepkg

    gonepkg.fit
    assert "__getattr__" in vars(gonepkg), "Model, plot and tool are still pending"
    gonepkg.Model, gonepkg.plot, gonepkg.tool
    assert "__getattr__" not in vars(gonepkg)
    assert gonepkg.fit() == "fitted"


def test_resolve_lazy_loads_attached_names_too(tree: Any, ran: list[str]) -> None:
    make_package(tree, "allinpkg", ATTACH_INIT)
    import allinpkg

    loaded = importcraft.resolve_lazy()
    assert {"allinpkg.Model", "allinpkg.fit", "allinpkg.plot", "allinpkg.tool"} <= set(loaded)
    assert sorted(ran) == ["core", "plot"]
    assert "__getattr__" not in vars(allinpkg)


def test_resolve_lazy_reports_a_broken_attached_name(tree: Any, ran: list[str]) -> None:
    make_package(tree, "brokenattach", ATTACH_INIT, {"plot.py": "raise ImportError('no plot')"})
    import brokenattach  # noqa: F401

    with pytest.raises(ExceptionGroup) as info:
        importcraft.resolve_lazy()
    assert [str(e) for e in info.value.exceptions] == ["no plot"]


SUBMODULES_INIT = """\
import importcraft
__getattr__, __dir__, __all__ = importcraft.lazy_attach(__name__, submodules=["plot", "core"])
"""


def test_getattr_goes_once_every_submodule_is_imported_normally(tree: Any, ran: list[str]) -> None:
    # `import pkg.sub` binds pkg.sub without asking __getattr__: the bookkeeping must notice.
    make_package(tree, "plainimp", SUBMODULES_INIT)
    import plainimp.plot

    assert "__getattr__" in vars(plainimp), "core is still pending"
    import plainimp.core

    assert "__getattr__" not in vars(plainimp), "every attached name is bound"
    assert plainimp.core.fit() == "fitted"
    assert ran == ["plot", "core"]


def test_the_watch_on_pending_submodules_is_a_listed_hook_that_goes_by_itself(
    tree: Any, ran: list[str]
) -> None:
    # Every change importcraft makes is a Hook: the rule that watches submodule imports too.
    make_package(tree, "watched", SUBMODULES_INIT)
    import watched

    (hook,) = [h for h in importcraft.hooks() if "lazy_attach('watched')" in h.description]
    assert hook.active
    import watched.core
    import watched.plot

    assert not hook.active, "every name is bound: the watch has removed itself"
    assert "__getattr__" not in vars(watched)
    assert not any(type(f).__name__ == "Router" for f in sys.meta_path)


def test_getattr_goes_when_the_last_name_comes_from_a_normal_import(
    tree: Any, ran: list[str]
) -> None:
    make_package(tree, "mixedimp", ATTACH_INIT)
    import mixedimp

    mixedimp.Model, mixedimp.fit, mixedimp.tool
    import mixedimp.plot  # the last pending name, bound by importlib

    assert "__getattr__" not in vars(mixedimp)
    assert type(mixedimp) is type(sys), "the package is a plain module again"
    assert mixedimp.tool() == "the function, not the module"


def test_a_submodule_imported_first_does_not_shadow_the_function(tree: Any, ran: list[str]) -> None:
    make_package(tree, "firstimp", ATTACH_INIT)
    import firstimp.tool

    assert type(firstimp) is type(sys)
    assert firstimp.tool() == "the function, not the module"
    assert firstimp.tool is sys.modules["firstimp.tool"].tool


@pytest.mark.usefixtures("ran")
def test_a_sibling_importing_the_submodule_does_not_shadow_the_function(tree: Any) -> None:
    # core imports the submodule tool (and so binds firstpkg.tool) before anyone reads it.
    core = "from .tool import tool as _tool\ndef fit():\n    return _tool()\n"
    make_package(tree, "siblingimp", ATTACH_INIT, {"core.py": core})
    import siblingimp

    assert siblingimp.fit() == "the function, not the module"
    assert siblingimp.tool() == "the function, not the module"


def test_a_submodule_imported_before_lazy_attach_ran_is_noticed(tree: Any, ran: list[str]) -> None:
    init = "from . import plot\n" + SUBMODULES_INIT
    make_package(tree, "earlyimp", init)
    import earlyimp
    import earlyimp.core

    assert "__getattr__" not in vars(earlyimp)
    assert ran == ["plot", "core"]


def test_reloading_a_bound_submodule_leaves_the_package_a_plain_module(
    tree: Any, ran: list[str]
) -> None:
    make_package(tree, "reloadimp", ATTACH_INIT)
    import reloadimp.plot

    importlib.reload(reloadimp.plot)  # importlib binds nothing on a reload
    assert type(reloadimp) is type(sys)
    assert ran == ["plot", "plot"]
    assert reloadimp.tool() == "the function, not the module"


def test_another_attribute_set_while_a_submodule_is_being_bound_changes_nothing(
    tree: Any, ran: list[str]
) -> None:
    # Between a watched submodule's body and importlib binding it to the package, another
    # thread may set some other attribute of the package. A profile function plays that thread
    # here, at the one moment it matters: as the attach wrapper's after() returns.
    make_package(tree, "racepkg", ATTACH_INIT)
    import racepkg

    def other_thread(frame: Any, event: str, arg: object) -> None:
        code = frame.f_code
        if (
            event == "return"
            and code.co_name == "after"
            and code.co_filename.endswith("_attach.py")
        ):
            racepkg.other = 1

    sys.setprofile(other_thread)
    try:
        import racepkg.tool
    finally:
        sys.setprofile(None)
    assert racepkg.other == 1
    assert type(racepkg) is type(sys)
    assert racepkg.tool() == "the function, not the module"
