"""Issue 10: how a lazy module becomes the real one (packages, errors, threads, policies, ...)."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import pytest

import importcraft
from importcraft.lazy import _modules as _lazy

from .conftest import run_python

LOG = "log_box"


@pytest.fixture
def ran() -> list[str]:
    """Modules append their name here when their body runs."""
    box = types.ModuleType(LOG)
    box.ran = []  # type: ignore[attr-defined]
    sys.modules[LOG] = box
    return box.ran  # type: ignore[attr-defined, no-any-return]


def logged(name: str, extra: str = "") -> str:
    return f"import {LOG}\n{LOG}.ran.append({name!r})\n{extra}"


# A package whose __init__ imports its own submodule (relative import) and uses it at once, and
# whose other submodule checks class identity: what requests, click and numpy do.
IDENTITY_PACKAGE = {
    "idpkg/__init__.py": logged(
        "idpkg", "from . import models\nfrom .models import Response\nKIND = models.KIND\n"
    ),
    "idpkg/models.py": logged(
        "idpkg.models",
        "if getattr(log_box, 'models_loaded', False):\n"
        "    raise ImportError('cannot load module more than once')\n"
        "log_box.models_loaded = True\nKIND = 'models'\nclass Response:\n    pass\n",
    ),
    "idpkg/api.py": logged("idpkg.api", "from .models import Response\n"),
    "idpkg/extra.py": logged("idpkg.extra"),
}


def test_import_of_a_submodule_runs_the_package_first_and_the_submodule_once(
    tree: Any, ran: list[str]
) -> None:
    sys.path.insert(0, str(tree(IDENTITY_PACKAGE)))
    package = importcraft.lazy_import("idpkg")
    import idpkg.models

    assert ran == ["idpkg", "idpkg.models"]
    assert sys.modules["idpkg.models"] is idpkg.models is package.models
    import idpkg.api

    assert idpkg.api.Response is idpkg.Response is idpkg.models.Response
    assert ran == ["idpkg", "idpkg.models", "idpkg.api"]


def test_from_import_of_a_submodule_runs_it_once(tree: Any, ran: list[str]) -> None:
    sys.path.insert(0, str(tree(IDENTITY_PACKAGE)))
    importcraft.lazy_import("idpkg")
    from idpkg import models

    assert ran == ["idpkg", "idpkg.models"]
    assert models.Response is sys.modules["idpkg"].Response


def test_import_metadata_of_a_pending_package_does_not_load_it(tree: Any, ran: list[str]) -> None:
    root = tree(IDENTITY_PACKAGE)
    sys.path.insert(0, str(root))
    package = importcraft.lazy_import("idpkg")
    assert package.__path__ == [str(root / "idpkg")]
    for name in ("__spec__", "__loader__", "__package__", "__file__", "__name__", "__cached__"):
        getattr(package, name)
    assert not hasattr(package, "__builtins__")
    assert ran == []
    assert importcraft.is_lazy(package)
    import idpkg.extra  # the package's body does not import this one

    assert ran == ["idpkg", "idpkg.models", "idpkg.extra"]
    assert idpkg.extra is sys.modules["idpkg.extra"]


def test_a_package_declared_with_check_false_serves_its_path(tree: Any, ran: list[str]) -> None:
    sys.path.insert(0, str(tree(IDENTITY_PACKAGE)))
    importcraft.lazy_import("idpkg", check=False)
    import idpkg.models

    assert ran == ["idpkg", "idpkg.models"]
    assert idpkg.models.Response is idpkg.Response


# -- lazy_mode: whose imports are deferred ----------------------------------------------------

# Like pandas: the package's __init__ imports a submodule for its side effect (registering
# options) and reads what it registered; like rich on 3.13: a dependency (typing there) must be
# whole when the package subclasses one of its classes.
REGISTRY_PACKAGE = {
    "regpkg/__init__.py": logged(
        "regpkg",
        "import regdep\nREGISTRY = {}\nimport regpkg.options\nCOMPUTE = REGISTRY['compute']\n"
        "class Mine(regdep.Base):\n    pass\n"
        "def later():\n    import regpkg.late\n    return REGISTRY['late']\n",
    ),
    "regpkg/options.py": logged(
        "regpkg.options", "import regpkg\nregpkg.REGISTRY['compute'] = 1\n"
    ),
    "regpkg/late.py": logged("regpkg.late", "import regpkg\nregpkg.REGISTRY['late'] = 2\n"),
    "regdep.py": logged("regdep", "class Base:\n    pass\n"),
}


def test_lazy_mode_defers_the_users_import_but_not_the_packages_own(
    tree: Any, ran: list[str]
) -> None:
    sys.path.insert(0, str(tree(REGISTRY_PACKAGE)))
    with importcraft.lazy_mode():
        import regpkg

        assert importcraft.is_lazy(regpkg)
        assert ran == []
        assert regpkg.COMPUTE == 1
        assert ran == ["regpkg", "regdep", "regpkg.options"], "its own imports ran eagerly"
        assert not importcraft.is_lazy(sys.modules["regdep"])
        assert regpkg.later() == 2, "an import inside the package's function is eager too"


def test_lazy_mode_nested_defers_imports_inside_too(tree: Any, ran: list[str]) -> None:
    sys.path.insert(0, str(tree(REGISTRY_PACKAGE)))
    with importcraft.lazy_mode(include=["regpkg", "regdep"], nested=True) as hook:
        import regpkg

        with pytest.raises(importcraft.LazyImportError) as info:
            regpkg.COMPUTE
    assert isinstance(info.value.__cause__, KeyError), "the opt-in is what used to break"
    assert "nested=True" in hook.description


def test_run_lazy_with_a_package_that_registers_at_import(tree: Any) -> None:
    root = tree(
        {
            **{
                k: v.replace(f"import {LOG}\n{LOG}.ran.append", "print")
                for k, v in REGISTRY_PACKAGE.items()
            },
            "main.py": "import importcraft, regpkg\nprint('lazy:', importcraft.is_lazy(regpkg))\n"
            "print('compute:', regpkg.COMPUTE)\n",
        }
    )
    done = run_python(
        "import runpy, sys; sys.argv[1:] = ['run', '--lazy', 'regpkg', '--lazy', 'regdep',"
        " 'main.py']; runpy.run_module('importcraft', run_name='__main__')",
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "lazy: True",
        "regpkg",
        "regdep",
        "regpkg.options",
        "compute: 1",
    ]


# -- errors, threads, reload ------------------------------------------------------------------


def test_a_failing_body_runs_once_per_attempt_for_thirty_two_threads() -> None:
    result = run_python(
        """
        import faulthandler, sys, threading, importcraft
        faulthandler.dump_traceback_later(60, exit=True)
        importcraft.virtual({"failing": (
            "import time, counter_box, importcraft.lazy._modules as lazy\\n"
            "counter_box.runs += 1\\n"
            "while counter_box.runs == 1 and len(lazy._waiting) < 31:\\n"
            "    time.sleep(0.01)  # until every other thread waits for this attempt\\n"
            "raise RuntimeError('attempt %d' % counter_box.runs)\\n"
        )})
        box = type(sys)("counter_box"); box.runs = 0; sys.modules["counter_box"] = box
        module = importcraft.lazy_import("failing")
        barrier = threading.Barrier(32)
        seen = []
        def touch():
            barrier.wait()
            try:
                module.anything
            except importcraft.LazyImportError as exc:
                seen.append(repr(exc.__cause__))
        threads = [threading.Thread(target=touch) for _ in range(32)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(box.runs, len(seen), sorted(set(seen)))
        module.__spec__, module.__name__, importcraft.is_lazy(module)
        print(box.runs)
        try:
            module.anything
        except importcraft.LazyImportError as exc:
            print(box.runs, repr(exc.__cause__))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1 32 [\"RuntimeError('attempt 1')\"]",
        "1",
        "2 RuntimeError('attempt 2')",
    ]


def test_reloading_a_pending_module_runs_its_body_once(ran: list[str]) -> None:
    importcraft.virtual({"reloaded": logged("reloaded", "X = 1")})
    module = importcraft.lazy_import("reloaded")
    assert importlib.reload(module) is module
    assert ran == ["reloaded"]
    assert not importcraft.is_lazy(module)
    assert module.X == 1
    assert ran == ["reloaded"]


def test_two_lazy_modules_using_each_other_from_two_threads_do_not_deadlock() -> None:
    # Each body waits until both threads are inside a body, then uses the other module.
    result = run_python(
        """
        import faulthandler, sys, threading, importcraft
        faulthandler.dump_traceback_later(30, exit=True)
        box = type(sys)("meeting"); box.barrier = threading.Barrier(2); sys.modules["meeting"] = box
        importcraft.virtual({
            "ping": "import meeting\\nEARLY = 'ping'\\nmeeting.barrier.wait()\\n"
                    "SEEN = meeting.pong.EARLY\\nLATE = 1\\n",
            "pong": "import meeting\\nEARLY = 'pong'\\nmeeting.barrier.wait()\\n"
                    "SEEN = meeting.ping.EARLY\\nLATE = 1\\n",
            "tick": "import meeting\\nmeeting.barrier.wait()\\nSEEN = meeting.tock.LATE\\n"
                    "LATE = 1\\n",
            "tock": "import meeting\\nmeeting.barrier.wait()\\nSEEN = meeting.tick.LATE\\n"
                    "LATE = 1\\n",
        })
        box.ping = importcraft.lazy_import("ping"); box.pong = importcraft.lazy_import("pong")
        box.tick = importcraft.lazy_import("tick"); box.tock = importcraft.lazy_import("tock")
        results = []
        def use(module):
            try:
                results.append((module.__name__, module.SEEN))
            except importcraft.LazyImportError as exc:
                results.append((module.__name__, str(exc.__cause__)))
        for pair in (("ping", "pong"), ("tick", "tock")):
            box.barrier.reset()
            threads = [threading.Thread(target=use, args=(getattr(box, n),)) for n in pair]
            for t in threads: t.start()
            for t in threads: t.join()
        for name, seen in sorted(results):
            print(name, seen)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["ping pong", "pong ping"], "each saw the other's early attribute"
    # The second pair needs what neither has yet: the one that would have waited gets a clear
    # error, and the other fails with it.
    assert len(lines) == 4, lines
    for line in lines[2:]:
        assert "lazy modules 'tick' and 'tock'" in line or "'tock' and 'tick'" in line, line
        assert "would deadlock" in line, line
        assert "no attribute 'LATE'" in line, line


def test_check_false_for_a_missing_module_raises_module_not_found_at_first_use() -> None:
    module = importcraft.lazy_import("nowhere_to_be_found", check=False)
    assert _lazy.is_placeholder(module)
    try:
        module.anything
    except ModuleNotFoundError as exc:  # the test is that this clause catches it
        caught: BaseException = exc
    else:
        pytest.fail("no ModuleNotFoundError")
    assert isinstance(caught, ModuleNotFoundError)
    assert caught.name == "nowhere_to_be_found"
    assert "declared at" in str(caught)
    assert _lazy.is_placeholder(module)
    import math

    assert not _lazy.is_placeholder(math)


def test_a_body_that_sets_its_own_class_keeps_it(ran: list[str]) -> None:
    importcraft.virtual(
        {
            "classy": logged(
                "classy",
                "import sys, types\n"
                "class Classy(types.ModuleType):\n"
                "    @property\n"
                "    def answer(self):\n"
                "        return 42\n"
                "sys.modules[__name__].__class__ = Classy\n",
            )
        }
    )
    module = importcraft.lazy_import("classy")
    assert module.answer == 42
    assert type(module).__name__ == "Classy"
    assert ran == ["classy"]


def test_a_module_replaced_in_sys_modules_is_not_swapped_back(ran: list[str]) -> None:
    importcraft.virtual(
        {
            "selfswap": logged(
                "selfswap",
                "import sys, types\nnew = types.ModuleType(__name__)\nnew.MARK = 'new'\n"
                "sys.modules[__name__] = new\n",
            ),
            "takenover": logged("takenover", "MARK = 'body'"),
        }
    )
    module = importcraft.lazy_import("selfswap")
    assert module.MARK == "new"
    assert sys.modules["selfswap"].MARK == "new"
    assert sys.modules["selfswap"] is not module

    placeholder = importcraft.lazy_import("takenover")
    other = types.ModuleType("takenover")
    other.MARK = "other"  # type: ignore[attr-defined]
    sys.modules["takenover"] = other
    assert placeholder.MARK == "other"
    assert sys.modules["takenover"] is other
    assert ran == ["selfswap"]


def test_isolated_forgets_lazy_modules_declared_inside(tree: Any) -> None:
    sys.path.insert(0, str(tree({"isopkg/__init__.py": "", "isomod.py": ""})))
    with importcraft.isolated():
        module = importcraft.lazy_import("isomod")
        importcraft.lazy_import("isopkg")
        assert module in importcraft.pending_lazy()
        assert parent_first_rules("isopkg")
    assert "isomod" not in sys.modules
    assert all(state.name not in ("isomod", "isopkg") for state in _lazy._pending.values())
    assert not parent_first_rules("isopkg")


def parent_first_rules(name: str) -> list[object]:
    from importcraft.core._router import ROUTER

    return [r for r in ROUTER.rules_for(name) if type(r).__name__ == "_ParentFirstRule"]


def test_a_block_added_after_the_declaration_refuses_the_module(ran: list[str]) -> None:
    importcraft.virtual({"guarded": logged("guarded", "X = 1")})
    module = importcraft.lazy_import("guarded")
    with importcraft.block("guarded"):
        with pytest.raises(importcraft.ImportBlockedError, match="'guarded' is blocked"):
            module.X
        assert ran == []
        assert importcraft.is_lazy(module)
    assert module.X == 1


def test_a_lazy_json_then_blocked() -> None:
    result = run_python(
        """
        import sys, importcraft
        sys.modules.pop("json", None)
        json = importcraft.lazy_import("json")
        importcraft.block("json")
        try:
            json.dumps
        except ModuleNotFoundError as exc:
            print(type(exc).__name__, exc.name)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ImportBlockedError", "json"]


@pytest.mark.parametrize(
    ("how", "sub_lazy"),
    [
        (["--lazy", "lzn"], "False"),
        (["--lazy-nested", "lzn"], "True"),
        (["--config", "nested.toml"], "True"),
    ],
)
def test_run_lazy_nested_defers_a_packages_own_imports(
    tree: Any, how: list[str], sub_lazy: str
) -> None:
    root = tree(
        {
            "nested.toml": "[tool.importcraft]\nlazy-nested = ['lzn']\n",
            "lzn/__init__.py": "import lzn.sub\nX = 1\n",
            "lzn/sub.py": "",
            "main.py": "import sys, importcraft, lzn\nprint(importcraft.is_lazy(lzn), lzn.X)\n"
            "print(importcraft.is_lazy(sys.modules['lzn.sub']))\n",
        }
    )
    done = run_python(
        f"import runpy, sys; sys.argv[1:] = ['run', *{how!r}, 'main.py'];"
        " runpy.run_module('importcraft', run_name='__main__')",
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["True 1", sub_lazy]


def test_a_submodule_import_waiting_for_its_package_in_another_thread_does_not_hang(
    tree: Any,
) -> None:
    # Thread A runs the pending package's body; thread B imports pkg.sub (holding importlib's
    # lock for pkg.sub) and waits for the package; then the package's body imports pkg.sub.
    root = tree(
        {
            "xpkg/__init__.py": "import meeting\nmeeting.started.set()\nmeeting.go.wait()\n"
            "from . import sub\nX = 1\n",
            "xpkg/sub.py": "Y = 2\n",
        }
    )
    result = run_python(
        """
        import faulthandler, sys, threading, time, importcraft
        from importcraft.lazy import _modules as _lazy
        faulthandler.dump_traceback_later(30, exit=True)
        box = type(sys)("meeting"); sys.modules["meeting"] = box
        box.started, box.go = threading.Event(), threading.Event()
        package = importcraft.lazy_import("xpkg")
        outcome = {}
        def use():
            try:
                outcome["A"] = package.X
            except Exception as exc:
                outcome["A"] = f"{type(exc).__name__}: {exc}"
        def import_sub():
            try:
                import xpkg.sub
                outcome["B"] = xpkg.sub.Y
            except Exception as exc:
                outcome["B"] = f"{type(exc).__name__}: {exc}"
        a = threading.Thread(target=use); a.start()
        box.started.wait()
        b = threading.Thread(target=import_sub); b.start()
        while not _lazy._waiting:
            time.sleep(0.01)  # B waits for the package
        box.go.set()
        a.join(); b.join()
        print(outcome["A"]); print(outcome["B"])
        """,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    a, b = result.stdout.splitlines()
    # importlib's own check sees B's wait and refuses A's import of xpkg.sub, as it does for
    # a circular import across threads; nothing hangs and both say why.
    assert "deadlock" in a, a
    assert "deadlock" in b, b


def test_an_interrupted_wait_does_not_make_the_waiting_thread_the_owner() -> None:
    # Thread T runs the body of "slow"; the main thread waits for it and is interrupted (Ctrl-C)
    # while waiting. Its next use must wait again for T, not read the module half-run as if it
    # were running the body itself.
    result = run_python(
        """
        import faulthandler, signal, sys, threading, time, importcraft
        from importcraft.lazy import _modules as _lazy
        faulthandler.dump_traceback_later(30, exit=True)
        box = type(sys)("meeting"); sys.modules["meeting"] = box
        box.started, box.go = threading.Event(), threading.Event()
        importcraft.virtual({"slow": (
            "import meeting\\nmeeting.started.set()\\nmeeting.go.wait()\\nX = 1\\n"
        )})
        slow = importcraft.lazy_import("slow")
        main = threading.get_ident()
        fired, retry = [], threading.Event()
        def interrupt(signum, frame):
            if not fired:  # once: the signal is sent until the wait ends
                fired.append(signum)
                raise KeyboardInterrupt
        signal.signal(signal.SIGUSR1, interrupt)  # SIGINT may be ignored (a background job)
        def wait_for_main():
            while main not in _lazy._waiting:
                time.sleep(0.01)
        def runner():
            slow.X
        def interrupter():
            wait_for_main()
            while not fired:  # the first may come before the wait has begun
                signal.pthread_kill(main, signal.SIGUSR1)
                time.sleep(0.05)
            retry.wait()
            wait_for_main()  # the main thread waits again: let the body finish
            box.go.set()
        threading.Thread(target=runner, daemon=True).start()
        box.started.wait()
        threading.Thread(target=interrupter, daemon=True).start()
        try:
            slow.X
        except KeyboardInterrupt:
            print("interrupted")
        retry.set()
        try:
            print(slow.X, importcraft.is_lazy(slow))
        except Exception as exc:
            print(f"{type(exc).__name__}: {exc}")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["interrupted", "1 False"]


def test_a_namespace_package_declared_with_check_false_loads_as_an_import_would(
    tree: Any,
) -> None:
    root = tree({"lazy_ns/mod.py": "X = 1\n"})
    sys.path.insert(0, str(root))
    package = importcraft.lazy_import("lazy_ns", check=False)
    import lazy_ns.mod

    assert lazy_ns is package
    assert package.mod.X == 1
    assert not importcraft.is_lazy(package)
    assert type(package.__loader__).__name__ == "NamespaceLoader"
    assert list(package.__path__) == [str(root / "lazy_ns")]


def test_resolve_lazy_tries_everything_then_raises_every_failure(ran: list[str]) -> None:
    importcraft.virtual(
        {
            "res_good": logged("res_good"),
            "res_bad": logged("res_bad", "raise RuntimeError('broken body')\n"),
        }
    )
    good = importcraft.lazy_import("res_good")
    bad = importcraft.lazy_import("res_bad")
    missing = importcraft.lazy_import("res_missing", check=False)
    with pytest.raises(ExceptionGroup) as caught:
        importcraft.resolve_lazy()
    assert not importcraft.is_lazy(good)
    assert importcraft.is_lazy(bad), "a failed module stays pending: the next use tries again"
    messages = sorted(str(e) for e in caught.value.exceptions)
    assert caught.value.message == "2 lazy import(s) failed"
    assert "lazy import of 'res_bad'" in messages[0]
    assert "RuntimeError: broken body" in messages[0]
    assert "No module named 'res_missing'" in messages[1]
    assert isinstance(caught.value.exceptions[0], ImportError)
    assert ran == ["res_good", "res_bad"]
    assert importcraft.is_lazy(missing)


def test_setting_deleting_and_listing_attributes_of_a_pending_module_runs_it(
    ran: list[str],
) -> None:
    importcraft.virtual({name: logged(name, "X = 1\n") for name in ("p_set", "p_del", "p_dir")})
    set_me, del_me, dir_me = (importcraft.lazy_import(n) for n in ("p_set", "p_del", "p_dir"))
    set_me.Y = 2
    assert (set_me.X, set_me.Y) == (1, 2)
    del del_me.X
    assert not hasattr(del_me, "X")
    assert {"X", "log_box"} <= set(dir(dir_me))
    assert ran == ["p_set", "p_del", "p_dir"]
    assert not any(importcraft.is_lazy(m) for m in (set_me, del_me, dir_me))


def test_a_submodule_of_a_plain_module_is_refused_naming_it() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"'colorsys' is not a package") as caught:
        importcraft.lazy_import("colorsys.nothing")
    assert caught.value.name == "colorsys.nothing"


def test_a_submodule_of_an_imported_package_is_found_through_its_path(ran: list[str]) -> None:
    importcraft.virtual({"imp_pkg": "", "imp_pkg.sub": logged("imp_pkg.sub", "X = 3\n")})
    import imp_pkg

    sub = importcraft.lazy_import("imp_pkg.sub")
    assert importcraft.is_lazy(sub)
    assert imp_pkg.sub is sub
    assert sub.X == 3


def test_extension_modules_declared_unchecked_or_under_lazy_mode_load_at_once() -> None:
    result = run_python(
        """
        import sys, importcraft
        for name in ("cmath", "_statistics"):
            assert name not in sys.modules, name
        placeholder = importcraft.lazy_import("cmath", check=False)
        print(placeholder.sqrt(-1))
        placeholder.extra = 5
        print(sys.modules["cmath"].extra, importcraft.is_lazy(placeholder))
        with importcraft.lazy_mode():
            import _statistics
        print(importcraft.is_lazy(_statistics), callable(_statistics._normal_dist_inv_cdf))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1j", "5 False", "False True"]
