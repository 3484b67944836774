"""lazy_import(), is_lazy(), pending_lazy(), resolve_lazy() and lazy_mode()."""

from __future__ import annotations

import pickle
import sys
import types
from typing import Any

import pytest

import importcraft

from .conftest import run_python

LOG = "log_box"


@pytest.fixture
def ran() -> list[str]:
    """Modules append their name here when their body runs."""
    box = types.ModuleType(LOG)
    box.ran = []  # type: ignore[attr-defined]
    sys.modules[LOG] = box
    return box.ran  # type: ignore[attr-defined, no-any-return]


def body(name: str, extra: str = "") -> str:
    return f"import {LOG}\n{LOG}.ran.append({name!r})\n{extra}"


def test_the_body_runs_on_first_use_in_the_same_object(ran: list[str]) -> None:
    importcraft.virtual({"heavy": body("heavy", "VALUE = 42\ndef f():\n    return VALUE\n")})
    module = importcraft.lazy_import("heavy")
    assert sys.modules["heavy"] is module
    assert isinstance(module, types.ModuleType)
    assert importcraft.is_lazy(module)
    assert ran == []
    assert module.f() == 42
    assert ran == ["heavy"]
    assert not importcraft.is_lazy(module)
    assert type(module) is types.ModuleType
    assert sys.modules["heavy"] is module
    module.VALUE
    assert ran == ["heavy"], "the body runs once"


def test_import_statements_repr_and_metadata_do_not_load(ran: list[str]) -> None:
    importcraft.virtual({"quiet": body("quiet")})
    module = importcraft.lazy_import("quiet")
    import quiet

    assert quiet is module
    assert repr(module) == "<module 'quiet' (lazy, not loaded yet)>"
    assert module.__name__ == "quiet"
    assert module.__spec__.name == "quiet"
    assert module.__file__ == "<virtual>/quiet.py"
    assert ran == []


def test_a_missing_module_is_reported_at_once() -> None:
    with pytest.raises(ModuleNotFoundError, match="No module named 'not_here_at_all'") as info:
        importcraft.lazy_import("not_here_at_all")
    assert "(lazy import at " in str(info.value)
    assert "not_here_at_all" not in sys.modules


def test_a_dotted_name_runs_nothing_of_its_parent_until_used(ran: list[str]) -> None:
    importcraft.virtual({"outerpkg": body("outerpkg"), "outerpkg.inner": body("inner", "X = 1")})
    inner = importcraft.lazy_import("outerpkg.inner")
    assert ran == []
    assert importcraft.is_lazy(sys.modules["outerpkg"])
    assert inner.X == 1
    assert ran == ["outerpkg", "inner"], "the package runs before its submodule, as in Python"
    assert sys.modules["outerpkg"].inner is inner


def test_a_missing_submodule_is_reported_without_running_the_parent(ran: list[str]) -> None:
    importcraft.virtual({"parentpkg": body("parentpkg"), "parentpkg.present": ""})
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'parentpkg\.absent'"):
        importcraft.lazy_import("parentpkg.absent")
    assert ran == []
    assert "parentpkg" not in sys.modules, "a failed declaration leaves nothing behind"


def test_check_false_looks_nothing_up_until_used() -> None:
    module = importcraft.lazy_import("unchecked_missing", check=False)
    assert importcraft.is_lazy(module)
    with pytest.raises(importcraft.LazyImportError) as info:
        module.anything
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_check_false_finds_the_module_later(ran: list[str]) -> None:
    module = importcraft.lazy_import("arrives_later", check=False)
    importcraft.virtual({"arrives_later": body("arrives_later", "Y = 2")})
    assert module.Y == 2
    assert module.__spec__.name == "arrives_later"
    assert sys.modules["arrives_later"] is module


def test_an_error_in_the_body_is_raised_at_use_naming_the_declaration() -> None:
    mapping = {"fragile": "PARTIAL = 1\nraise RuntimeError('not today')\n"}
    importcraft.virtual(mapping)
    module = importcraft.lazy_import("fragile")
    declared = sys._getframe().f_lineno - 1
    with pytest.raises(importcraft.LazyImportError) as info:
        module.PARTIAL
    message = str(info.value)
    assert "lazy import of 'fragile'" in message
    assert f"declared at {__file__}:{declared}" in message
    assert "RuntimeError: not today" in message
    assert isinstance(info.value.__cause__, RuntimeError)
    assert isinstance(info.value, ImportError)
    assert importcraft.is_lazy(module), "not left half-initialised: still pending"
    # Read without loading it: vars() would run the body again.
    assert "PARTIAL" not in types.ModuleType.__getattribute__(module, "__dict__"), (
        "namespace put back"
    )
    assert sys.modules["fragile"] is module
    mapping["fragile"] = "PARTIAL = 2\n"
    assert module.PARTIAL == 2, "the next access tries again"


def test_builtin_and_extension_modules_are_imported_at_once() -> None:
    sys.modules.pop("cmath", None)
    module = importcraft.lazy_import("cmath")
    assert not importcraft.is_lazy(module)
    assert sys.modules["cmath"] is module
    assert importcraft.lazy_import("sys") is sys


def test_the_modules_own_getattr_works() -> None:
    importcraft.virtual(
        {
            "dynamic": "def __getattr__(name):\n    if name == 'magic':\n        return 7\n"
            "    raise AttributeError(name)\n"
        }
    )
    module = importcraft.lazy_import("dynamic")
    assert module.magic == 7
    with pytest.raises(AttributeError):
        module.other


@pytest.mark.parametrize("when", ["before", "after"])
def test_post_import_hooks_run_when_the_body_really_runs(ran: list[str], when: str) -> None:
    seen: list[tuple[str, list[str]]] = []

    def hook() -> None:
        importcraft.when_imported("hooked", lambda m: seen.append((m.__name__, list(ran))))

    importcraft.virtual({"hooked": body("hooked")})
    if when == "before":
        hook()
    module = importcraft.lazy_import("hooked")
    if when == "after":
        hook()
    assert seen == []
    module.__dict__
    assert seen == [("hooked", ["hooked"])]


def test_pending_and_resolve_all(ran: list[str]) -> None:
    importcraft.virtual({"one": body("one"), "two": body("two"), "bad": "raise ValueError('x')"})
    one = importcraft.lazy_import("one")
    importcraft.lazy_import("two")
    importcraft.lazy_import("bad")
    assert {m.__name__ for m in importcraft.pending_lazy()} >= {"one", "two", "bad"}
    with pytest.raises(ExceptionGroup) as info:
        importcraft.resolve_lazy()
    assert sorted(ran) == ["one", "two"]
    assert [type(e) for e in info.value.exceptions] == [importcraft.LazyImportError]
    assert not importcraft.is_lazy(one)
    assert [m.__name__ for m in importcraft.pending_lazy()] == ["bad"]


def test_an_already_imported_module_is_returned_as_it_is() -> None:
    import colorsys

    assert importcraft.lazy_import("colorsys") is colorsys


@pytest.mark.parametrize("variable", ["IMPORTCRAFT_EAGER", "EAGER_IMPORT"])
def test_the_eager_switch(ran: list[str], monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    importcraft.virtual({"eager_one": body("eager_one")})
    monkeypatch.setenv(variable, "1")
    module = importcraft.lazy_import("eager_one")
    assert ran == ["eager_one"]
    assert not importcraft.is_lazy(module)


def test_eager_zero_means_lazy(ran: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    importcraft.virtual({"still_lazy": body("still_lazy")})
    monkeypatch.setenv("EAGER_IMPORT", "0")
    assert importcraft.is_lazy(importcraft.lazy_import("still_lazy"))


def test_objects_from_a_lazy_module_pickle_as_the_real_ones(tree: Any) -> None:
    sys.path.insert(0, str(tree({"picklemod.py": "class Point:\n    pass\n"})))
    module = importcraft.lazy_import("picklemod")
    point = module.Point()
    assert type(pickle.loads(pickle.dumps(point))) is module.Point


def test_thirty_two_threads_run_the_body_once_and_never_see_it_half_done() -> None:
    result = run_python(
        """
        import faulthandler, sys, threading, importcraft
        faulthandler.dump_traceback_later(60, exit=True)
        importcraft.virtual({"counted": (
            "import time, counter_box\\n"
            "counter_box.runs += 1\\n"
            "FIRST = 1\\n"
            "time.sleep(0.3)\\n"
            "LAST = 2\\n"
        )})
        box = type(sys)("counter_box"); box.runs = 0; sys.modules["counter_box"] = box
        module = importcraft.lazy_import("counted")
        barrier = threading.Barrier(32)
        seen = []
        def touch():
            barrier.wait()
            seen.append((module.FIRST, module.LAST))
        threads = [threading.Thread(target=touch) for _ in range(32)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(box.runs, len(seen), set(seen))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(maxsplit=2) == ["1", "32", "{(1, 2)}"]


def test_a_declared_module_is_made_as_importlib_makes_it(tree: Any, ran: list[str]) -> None:
    import importlib.util

    sys.path.insert(0, str(tree({"madepkg/__init__.py": body("madepkg"), "madepkg/leaf.py": ""})))
    module = importcraft.lazy_import("madepkg")
    spec = importlib.util.find_spec("madepkg")
    assert spec is not None
    made = importlib.util.module_from_spec(spec)
    for name in ("__name__", "__package__", "__file__", "__cached__", "__path__"):
        assert getattr(module, name) == getattr(made, name), name
    assert type(module.__loader__) is type(made.__loader__)  # the real loader, not a wrapper
    assert module.__spec__.loader is module.__loader__
    assert module.__spec__._initializing is False  # type: ignore[attr-defined]
    assert ran == []


def test_threads_declaring_one_module_get_one_module(tree: Any, ran: list[str]) -> None:
    import threading

    sys.path.insert(0, str(tree({"shared_decl.py": body("shared_decl")})))
    barrier = threading.Barrier(16)
    got: list[object] = []

    def declare() -> None:
        barrier.wait()
        got.append(importcraft.lazy_import("shared_decl"))

    threads = [threading.Thread(target=declare) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 16
    assert all(module is sys.modules["shared_decl"] for module in got)
    assert ran == []
    assert got[0].__name__ == "shared_decl"
    assert got[0].__doc__ is None  # not metadata: this uses it
    assert ran == ["shared_decl"]


# -- lazy_mode --------------------------------------------------------------------------------


def test_lazy_mode_makes_matching_imports_lazy(tree: Any, ran: list[str]) -> None:
    sys.path.insert(
        0,
        str(
            tree(
                {
                    "lzpkg/__init__.py": body("lzpkg"),
                    "lzpkg/sub.py": body("lzpkg.sub", "Z = 3"),
                    "lzother.py": body("lzother"),
                    "lzkeep.py": body("lzkeep"),
                }
            )
        ),
    )
    with importcraft.lazy_mode(include=["lzpkg", "lzkeep"], exclude=["lzkeep"]):
        import lzkeep  # noqa: F401
        import lzother  # noqa: F401
        import lzpkg

        assert ran == ["lzkeep", "lzother"]
        assert importcraft.is_lazy(lzpkg)
        import lzpkg.sub

        assert ran == ["lzkeep", "lzother"], "both deferred: the package runs when the sub does"
        assert importcraft.is_lazy(lzpkg)
        assert importcraft.is_lazy(sys.modules["lzpkg.sub"])
        assert sys.modules["lzpkg.sub"].Z == 3
        assert ran == ["lzkeep", "lzother", "lzpkg", "lzpkg.sub"], "the package runs first"
        assert lzpkg.sub is sys.modules["lzpkg.sub"]
    assert type(sys.modules["lzpkg.sub"].__loader__).__name__ == "SourceFileLoader"


def test_lazy_mode_from_import_loads_at_once(ran: list[str]) -> None:
    importcraft.virtual({"fromme": body("fromme", "A = 1")})
    with importcraft.lazy_mode(include=["fromme"]):
        from fromme import A
    assert A == 1
    assert ran == ["fromme"]


def test_lazy_mode_runs_post_import_hooks_at_the_real_load(ran: list[str]) -> None:
    importcraft.virtual({"lzhooked": body("lzhooked")})
    seen: list[list[str]] = []
    importcraft.when_imported("lzhooked", lambda m: seen.append(list(ran)))
    with importcraft.lazy_mode(include=["lzhooked"]):
        import lzhooked
    assert seen == []
    lzhooked.__dict__
    assert seen == [["lzhooked"]]


def test_lazy_mode_is_off_under_the_eager_switch(
    ran: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORTCRAFT_EAGER", "1")
    importcraft.virtual({"lzeager": body("lzeager")})
    with importcraft.lazy_mode(include=["lzeager"]) as hook:
        import lzeager  # noqa: F401
    assert ran == ["lzeager"]
    assert "eager" in hook.description


def test_lazy_mode_with_a_program(tree: Any) -> None:
    root = tree(
        {
            "slowdep.py": "print('slowdep ran')\nVALUE = 5\n",
            "main.py": """\
            import sys, importcraft
            import slowdep
            print("lazy before use:", importcraft.is_lazy(slowdep))
            print("value:", slowdep.VALUE)
            """,
        }
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "importcraft", "run", "--lazy", "slowdep", "main.py"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # One stream, so the order shows that the body ran at first use, not at the import.
    assert done.stdout.splitlines() == ["lazy before use: True", "slowdep ran", "value: 5"]
