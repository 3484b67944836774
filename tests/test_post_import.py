"""when_imported(): post-import hooks."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import pytest

import importcraft

from .conftest import run_python


def test_the_callback_runs_after_the_body_with_the_module() -> None:
    seen: list[tuple[str, object]] = []
    importcraft.when_imported("target_mod", lambda m: seen.append((m.__name__, m.ready)))
    importcraft.virtual({"target_mod": "ready = True"})
    assert seen == []
    import target_mod

    assert seen == [("target_mod", True)]
    import target_mod  # noqa: F401, F811 - cached: no second call

    assert len(seen) == 1


def test_an_imported_module_gets_the_callback_at_once_and_again_after_reload() -> None:
    importcraft.virtual({"early": "n = 0"})
    import early

    calls: list[object] = []
    importcraft.when_imported("early", calls.append)
    assert calls == [early]
    importlib.reload(early)
    assert calls == [early, early]


def test_callbacks_run_in_registration_order() -> None:
    order: list[str] = []
    for label in ("first", "second", "third"):
        importcraft.when_imported("ordered", lambda m, label=label: order.append(label))
    importcraft.virtual({"ordered": ""})
    import ordered  # noqa: F401

    assert order == ["first", "second", "third"]


def test_as_a_decorator_the_function_is_returned_unchanged() -> None:
    seen = []

    @importcraft.when_imported("decorated")
    def patch(module: types.ModuleType) -> None:
        seen.append(module.__name__)

    assert isinstance(patch, types.FunctionType)
    importcraft.virtual({"decorated": ""})
    import decorated  # noqa: F401

    assert seen == ["decorated"]
    assert "when_imported('decorated', " in importcraft.hooks()[0].description


def test_removing_the_hook_stops_the_callback() -> None:
    calls: list[object] = []
    hook = importcraft.when_imported("stopped", calls.append)
    hook.remove()
    importcraft.virtual({"stopped": ""})
    import stopped  # noqa: F401

    assert calls == []


def test_the_original_loader_is_handed_back(tree: Any) -> None:
    sys.path.insert(0, str(tree({"filemod.py": "x = 1\n"})))
    loaders: list[object] = []
    importcraft.when_imported("filemod", lambda m: loaders.append(m.__loader__))
    import filemod

    assert type(filemod.__loader__).__name__ == "SourceFileLoader"
    assert filemod.__spec__.loader is filemod.__loader__
    assert loaders == [filemod.__loader__], "even the callback sees the original loader"


def test_a_failing_callback_becomes_a_warning_and_the_import_goes_on() -> None:
    def broken(module: types.ModuleType) -> None:
        raise RuntimeError("patch failed")

    importcraft.when_imported("fragile", broken)
    importcraft.virtual({"fragile": "ok = True"})
    with pytest.warns(importcraft.ImportcraftWarning) as caught:
        import fragile
    assert fragile.ok
    message = str(caught[0].message)
    assert "post-import hook tests.test_post_import" in message
    assert "broken for 'fragile' raised RuntimeError: patch failed" in message
    assert 'raise RuntimeError("patch failed")' in message, "the traceback is included"
    assert caught[0].filename == __file__


def test_strict_raises_and_the_import_fails() -> None:
    importcraft.when_imported("strictmod", lambda m: 1 / 0, strict=True)
    importcraft.virtual({"strictmod": ""})
    with pytest.raises(ZeroDivisionError) as caught:
        import strictmod  # noqa: F401
    assert "strictmod" not in sys.modules
    assert caught.value.__notes__ == [
        "importcraft: raised by post-import hook tests.test_post_import."
        "test_strict_raises_and_the_import_fails.<locals>.<lambda> for 'strictmod' "
        "(strict=True), after the module's body ran"
    ]


def test_strict_on_an_imported_module_raises_and_registers_nothing() -> None:
    importcraft.virtual({"here_already": ""})
    import here_already  # noqa: F401

    count = len(importcraft.hooks())
    with pytest.raises(ZeroDivisionError):
        importcraft.when_imported("here_already", lambda m: 1 / 0, strict=True)
    assert len(importcraft.hooks()) == count


def test_a_callback_can_import_modules_that_have_their_own_hooks() -> None:
    events: list[str] = []
    importcraft.virtual({"outer_m": "", "inner_m": ""})

    def outer_loaded(module: types.ModuleType) -> None:
        events.append("outer")
        import inner_m  # noqa: F401

        events.append("outer done")

    importcraft.when_imported("outer_m", outer_loaded)
    importcraft.when_imported("inner_m", lambda m: events.append("inner"))
    import outer_m  # noqa: F401

    assert events == ["outer", "inner", "outer done"]


def test_the_callback_gets_the_module_the_import_binds() -> None:
    importcraft.virtual({"standin": "import sys\nsys.modules[__name__] = 'replacement'\n"})
    got: list[object] = []
    importcraft.when_imported("standin", got.append)
    import standin

    assert standin == "replacement"
    assert got == ["replacement"]


def test_a_hook_on_an_alias_gets_the_target_object() -> None:
    importcraft.virtual({"realthing": ""})
    importcraft.alias("nickname", "realthing")
    got: list[object] = []
    importcraft.when_imported("nickname", got.append)
    import nickname

    assert got == [nickname]
    assert nickname is sys.modules["realthing"]


def test_a_bad_callback_or_name_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a callable"):
        importcraft.when_imported("x", 42)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="not a valid dotted module name"):
        importcraft.when_imported("x-y", print)


def test_a_callback_may_install_hooks_from_another_thread() -> None:
    # importcraft's own lock is not held while callbacks run: a thread the callback waits for
    # can install and remove hooks.
    result = run_python(
        """
        import faulthandler, threading, importcraft
        faulthandler.dump_traceback_later(30, exit=True)

        def callback(module):
            def other():
                with importcraft.virtual({"from_thread": "x = 1"}):
                    import from_thread
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
            print("callback done")

        importcraft.when_imported("watched", callback)
        importcraft.virtual({"watched": ""})
        import watched
        print("imported")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["callback done", "imported"]


def test_threads_importing_each_other_through_callbacks_do_not_deadlock() -> None:
    # T1 imports a; a's callback imports b. T2 imports b; b's body imports a. Each holds the
    # module the other wants while asking for it.
    result = run_python(
        """
        import faulthandler, threading, importcraft
        faulthandler.dump_traceback_later(30, exit=True)
        b_started = threading.Event()
        a_body_done = threading.Event()
        importcraft.virtual({
            "mod_a": "import __main__\\n__main__.a_body_done.set()\\n",
            "mod_b": "import __main__\\n__main__.b_started.set()\\n"
                     "__main__.a_body_done.wait()\\nimport mod_a\\nB = True\\n",
        })

        def a_loaded(module):
            b_started.wait()
            import mod_b
            module.saw_b = mod_b.B

        importcraft.when_imported("mod_a", a_loaded)
        results = {}
        def one():
            import mod_a
            results["a"] = mod_a.saw_b
        def two():
            import mod_b
            results["b"] = mod_b.B
        threads = [threading.Thread(target=one), threading.Thread(target=two)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(sorted(results.items()))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('a', True), ('b', True)]"
