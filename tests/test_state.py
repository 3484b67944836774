"""Hook, hooks(), isolated() and how the router enters and leaves sys.meta_path."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

import pytest

import importcraft
from importcraft.core._router import ROUTER


def router_positions() -> list[int]:
    return [i for i, finder in enumerate(sys.meta_path) if finder is ROUTER]


def test_router_enters_meta_path_at_the_front_on_first_use_and_leaves_with_last_rule() -> None:
    assert router_positions() == []
    first = importcraft.virtual({"mod_a": "x = 1"})
    assert router_positions() == [0]
    second = importcraft.virtual({"mod_b": "x = 2"})
    assert router_positions() == [0], "installing again must not add a second router"
    first.remove()
    assert router_positions() == [0]
    second.remove()
    assert router_positions() == []


def test_router_keeps_its_place_if_another_finder_was_put_in_front() -> None:
    hook = importcraft.virtual({"mod_a": "x = 1"})

    class Other:
        def find_spec(self, *args: object) -> None:
            return None

    sys.meta_path.insert(0, Other())
    importcraft.virtual({"mod_b": "x = 1"})
    assert router_positions() == [1]
    hook.remove()
    assert router_positions() == [1]


def test_meta_path_is_replaced_not_mutated_so_running_iterations_see_a_consistent_list() -> None:
    before = sys.meta_path
    hook = importcraft.virtual({"mod_a": "x = 1"})
    assert sys.meta_path is not before
    assert ROUTER not in before, "a list an import is iterating over must not change under it"
    during = sys.meta_path
    hook.remove()
    assert during[0] is ROUTER


def test_hook_remove_is_idempotent_and_restores_exactly() -> None:
    meta_path = list(sys.meta_path)
    hook = importcraft.virtual({"mod_a": "x = 1"})
    assert hook.active
    assert hook in importcraft.hooks()
    hook.remove()
    hook.remove()
    assert not hook.active
    assert importcraft.hooks() == []
    assert sys.meta_path == meta_path
    with pytest.raises(ModuleNotFoundError):
        import mod_a  # noqa: F401


def test_hook_is_a_context_manager() -> None:
    with importcraft.virtual({"mod_ctx": "x = 1"}) as hook:
        import mod_ctx

        assert mod_ctx.x == 1
        assert hook.active
    assert not hook.active
    del sys.modules["mod_ctx"]
    with pytest.raises(ModuleNotFoundError):
        import mod_ctx


def test_removing_a_hook_does_not_unload_modules_it_served() -> None:
    with importcraft.virtual({"mod_kept": "x = 1"}):
        import mod_kept
    assert sys.modules["mod_kept"] is mod_kept


def test_hook_repr_says_what_it_does_and_whether_it_is_active() -> None:
    hook = importcraft.virtual({"alpha": "", "beta": ""})
    assert repr(hook) == "<importcraft.Hook virtual(['alpha', 'beta']) [active]>"
    hook.remove()
    assert repr(hook).endswith("[removed]>")


def test_hooks_lists_active_hooks_oldest_first() -> None:
    one = importcraft.virtual({"one": ""})
    two = importcraft.mount("cfg", importcraft.EnvSource(environ={}))
    three = importcraft.virtual({"three": ""})
    assert importcraft.hooks() == [one, two, three]
    two.remove()
    assert importcraft.hooks() == [one, three]


def test_isolated_restores_modules_lists_cache_and_hooks() -> None:
    outer = importcraft.virtual({"outer_mod": "x = 1"})
    import outer_mod

    saved_path = sys.path
    saved_meta = sys.meta_path
    saved_hooks = sys.path_hooks
    saved_cache = dict(sys.path_importer_cache)
    with importcraft.isolated():
        sys.path.insert(0, "/nowhere")
        sys.path = [*sys.path, "/also-nowhere"]
        sys.path_hooks.append(lambda entry: None)  # type: ignore[arg-type,return-value]
        sys.path_importer_cache["/nowhere"] = None
        sys.modules["outer_mod"] = types.ModuleType("replaced")
        inner = importcraft.virtual({"inner_mod": "x = 2"})
        import inner_mod  # noqa: F401

        outer.remove()
    assert sys.path is saved_path
    assert "/nowhere" not in sys.path
    assert "/also-nowhere" not in sys.path
    assert sys.meta_path is saved_meta
    assert sys.path_hooks is saved_hooks
    assert len(sys.path_hooks) == len(saved_hooks)
    assert dict(sys.path_importer_cache) == saved_cache
    assert sys.modules["outer_mod"] is outer_mod
    assert "inner_mod" not in sys.modules
    assert not inner.active
    assert outer.active, "a hook removed inside the block comes back"
    assert importcraft.hooks() == [outer]
    # The restored hook works, and removing it still restores sys.meta_path.
    del sys.modules["outer_mod"]
    assert importlib.import_module("outer_mod").x == 1
    outer.remove()
    assert ROUTER not in sys.meta_path


def test_isolated_cannot_be_entered_twice() -> None:
    block = importcraft.isolated()
    with block, pytest.raises(RuntimeError, match="already active"):
        block.__enter__()


def test_a_source_refreshed_inside_isolated_is_removed_whole_after_it() -> None:
    mapping = {"before_refresh": ""}
    hook = importcraft.virtual(mapping)
    with importcraft.isolated():
        mapping["added_inside"] = ""
        importlib.invalidate_caches()
        assert importlib.util.find_spec("added_inside") is not None
    del mapping["added_inside"]
    assert importlib.util.find_spec("before_refresh") is not None
    hook.remove()
    assert ROUTER.all_rules() == []
    assert importlib.util.find_spec("before_refresh") is None
