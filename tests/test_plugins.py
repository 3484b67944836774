"""The plugin manager, plugins() and add_plugin(), against distributions installed with pip."""

from __future__ import annotations

import importlib.metadata
import os
import sys
import warnings
from typing import Any, Protocol, runtime_checkable

import pytest

import importcraft
from importcraft.entrypoints._manager import PluginFailure

from .conftest import run_python
from .plugin_dists import GROUP, NAMES, Installed, installed

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")

__all__ = ["installed"]  # the fixture, used by name


@pytest.fixture
def dists(installed: Installed, monkeypatch: pytest.MonkeyPatch) -> Installed:
    """The test distributions on sys.path (first, then second), no plugin module loaded."""
    monkeypatch.delenv("IMPORTCRAFT_DISABLE_PLUGINS", raising=False)
    sys.path[:0] = installed.path
    importlib.invalidate_caches()
    assert not _plugin_modules()
    return installed


def _plugin_modules() -> list[str]:
    return sorted(name for name in sys.modules if name.startswith("icplug_"))


def _quiet(**options: Any) -> importcraft.Plugins:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", importcraft.ImportcraftWarning)
        return importcraft.plugins(GROUP, **options)


def _api() -> type:
    module = importlib.import_module("icplug_api")
    formatter: type = module.Formatter
    return formatter


def test_listing_the_plugins_runs_no_plugin_code(dists: Installed) -> None:
    found = _quiet()
    assert sorted(found.names) == NAMES
    assert len(found) == len(NAMES)
    assert "upper" in found
    assert "nothing" not in found
    by_name = {entry.name: entry for entry in found}
    assert (by_name["upper"].dist, by_name["upper"].version) == ("icplug-good", "1.0")
    assert by_name["upper"].value == "icplug_good:Upper"
    assert (by_name["broken"].dist, by_name["broken"].version) == ("icplug-broken", "0.1")
    assert found.errors == []
    assert found.loaded == {}
    assert _plugin_modules() == []


def test_a_plugin_is_loaded_once_when_asked_for(dists: Installed) -> None:
    found = _quiet(instantiate=True)
    upper = found["upper"]
    assert upper.format("a") == "A"
    assert found["upper"] is upper
    assert found.get("upper") is upper
    assert _plugin_modules() == ["icplug_api", "icplug_good"]
    assert found.loaded == {"upper": upper}


def test_arguments_are_passed_on_instantiation(dists: Installed) -> None:
    found = _quiet(instantiate=True, kwargs={"prefix": ">"})
    assert found["lower"].format("AB") == ">ab"
    assert _quiet(instantiate=True, args=("#",))["upper"].format("x") == "#X"


def test_broken_plugins_are_recorded_and_named_in_warnings(dists: Installed) -> None:
    formatter = _api()
    found = _quiet(interface=formatter, instantiate=True)
    with pytest.warns(importcraft.ImportcraftWarning) as caught:
        loaded = found.load_all()
    assert sorted(loaded) == ["boom", "dup", "lower", "upper"]
    failures = {failure.name: failure for failure in found.errors}
    assert sorted(failures) == ["broken", "raising", "wrong"]
    broken = failures["broken"]
    assert broken.stage == "import"
    assert (broken.dist, broken.version, broken.value) == (
        "icplug-broken",
        "0.1",
        "icplug_broken:Plugin",
    )
    assert isinstance(broken.exception, ModuleNotFoundError)
    assert broken.exception.__traceback__ is not None
    assert "icplug_no_such_dependency" in broken.reason
    assert failures["wrong"].stage == "interface"
    assert "NotAFormatter" in failures["wrong"].reason
    assert "Formatter" in failures["wrong"].reason
    assert failures["raising"].stage == "instantiate"
    assert isinstance(failures["raising"].exception, RuntimeError)
    assert "no configuration for Raising" in failures["raising"].reason
    for failure in failures.values():
        assert "\n" not in failure.reason
    messages = [str(w.message) for w in caught]
    for name in ("broken", "raising", "wrong"):
        assert sum(f"plugin {name!r}" in m for m in messages) == 1
    # Asked again: no second attempt, no second warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert found.get("broken") is None
        found.load_all()
    assert len(found.errors) == 3


def test_asking_for_a_broken_plugin_by_name_raises(dists: Installed) -> None:
    found = _quiet()
    with pytest.raises(importcraft.PluginError, match=r"'broken' of group 'icplug\.fmt'") as info:
        found["broken"]
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert info.value.failure is found.errors[0]


def test_strict_raises_naming_plugin_group_and_distribution(dists: Installed) -> None:
    found = _quiet(strict=True, interface=_api(), instantiate=True)
    with pytest.raises(importcraft.PluginError) as info:
        found.load_all()
    message = str(info.value)
    assert "icplug.fmt" in message
    assert isinstance(info.value, importcraft.ImportcraftError)
    assert info.value.__cause__ is not None or info.value.failure is not None
    failing = info.value.failure
    assert failing is not None
    assert failing.name in message
    assert str(failing.dist) in message


def test_on_error_is_called_instead_of_warning(dists: Installed) -> None:
    seen: list[PluginFailure] = []
    found = _quiet(interface=_api(), instantiate=True, on_error=seen.append)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found.load_all()
    assert sorted(f.name for f in seen) == ["broken", "raising", "wrong"]
    assert seen == found.errors


def test_a_name_offered_by_two_distributions_is_a_reported_conflict(dists: Installed) -> None:
    with pytest.warns(importcraft.ImportcraftWarning, match="'dup' of group 'icplug.fmt'"):
        found = importcraft.plugins(GROUP)
    [conflict] = found.conflicts
    assert conflict.name == "dup"
    assert [e.dist for e in conflict.entries] == ["icplug-alpha", "icplug-beta"]
    assert conflict.winner.dist == "icplug-alpha"
    assert found["dup"].__module__ == "icplug_alpha"
    # The winner is the one importlib.metadata's EntryPoints[name] gives.
    assert importlib.metadata.entry_points(group=GROUP)["dup"].value == "icplug_alpha:Dup"


def test_the_first_distribution_on_sys_path_wins_a_conflict(dists: Installed) -> None:
    sys.path.remove(str(dists.second))
    sys.path.insert(0, str(dists.second))
    importlib.invalidate_caches()
    found = _quiet()
    assert found.conflicts[0].winner.dist == "icplug-beta"
    assert found["dup"].__module__ == "icplug_beta"
    assert importlib.metadata.entry_points(group=GROUP)["dup"].value == "icplug_beta:Dup"


def test_one_needs_exactly_one_offer(dists: Installed) -> None:
    found = _quiet(instantiate=True)
    assert found.one("upper").format("x") == "X"
    with pytest.raises(importcraft.PluginError, match="offered 2 times"):
        found.one("dup")
    with pytest.raises(KeyError, match="no plugin 'nothing'"):
        found.one("nothing")


def test_call_goes_on_past_a_plugin_that_raises(dists: Installed) -> None:
    found = _quiet(interface=_api(), instantiate=True, kwargs={"prefix": ">"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", importcraft.ImportcraftWarning)
        result = found.call("format", "Ab")
    assert result.results == {"upper": ">AB", "lower": ">ab", "dup": "icplug_alpha"}
    assert isinstance(result.errors["boom"], ZeroDivisionError)
    assert isinstance(result.errors["broken"], ModuleNotFoundError)
    assert sorted(result.errors) == ["boom", "broken", "raising", "wrong"]
    # A function instead of a method name.
    names = _quiet(enable=["upper", "lower"]).call(lambda plugin: plugin.__name__)
    assert names.results == {"upper": "Upper", "lower": "Lower"}


def test_an_unknown_name_lists_the_available_ones_with_close_matches(dists: Installed) -> None:
    found = _quiet()
    with pytest.raises(KeyError) as info:
        found["uper"]
    message = str(info.value)
    assert "no plugin 'uper' in entry-point group 'icplug.fmt'" in message
    assert "did you mean 'upper'" in message
    assert "available: boom, broken, dup, lower, raising, upper, wrong" in message
    assert found.get("uper", 5) == 5


def test_enable_and_disable(dists: Installed) -> None:
    only = _quiet(enable=["upper", "lower"])
    assert only.names == ["upper", "lower"]
    assert sorted(e.name for e in only.disabled) == ["boom", "broken", "dup", "raising", "wrong"]
    without = _quiet(disable=["broken", "dup"])
    assert "broken" not in without
    assert sorted(e.name for e in without.disabled) == ["broken", "dup"]
    with pytest.raises(KeyError, match="disabled by the enable/disable arguments"):
        without["broken"]
    assert without.load_all().keys() == {"boom", "lower", "raising", "upper", "wrong"}
    assert without.errors == []
    with pytest.warns(importcraft.ImportcraftWarning, match="no plugin named 'uper'"):
        importcraft.plugins(GROUP, enable=["uper"], disable=["dup"])


def test_the_environment_variable_disables_plugins(dists: Installed) -> None:
    done = run_python(
        """
        import importcraft
        found = importcraft.plugins("icplug.fmt", disable=["dup"])
        print(sorted(found.names))
        print(sorted(e.name for e in found.disabled))
        try:
            found["broken"]
        except KeyError as exc:
            print(exc)
        print(importcraft.plugins("icplug.other").names)
        """,
        env={
            "PYTHONPATH": os.pathsep.join(dists.path),
            "IMPORTCRAFT_DISABLE_PLUGINS": "broken, icplug.fmt:raising,icplug.other:upper",
        },
    )
    assert done.returncode == 0, done.stderr
    names, disabled, error, other = done.stdout.splitlines()
    assert names == "['boom', 'lower', 'upper', 'wrong']"
    assert disabled == "['broken', 'dup', 'raising']"
    assert "disabled by IMPORTCRAFT_DISABLE_PLUGINS=" in error
    assert other == "[]"


def test_interfaces_protocols_and_predicates(dists: Installed) -> None:
    @runtime_checkable
    class Formats(Protocol):
        def format(self, text: str) -> str: ...

    by_protocol = _quiet(interface=Formats, instantiate=True, on_error=lambda f: None)
    by_protocol.load_all()
    assert sorted(f.name for f in by_protocol.errors) == ["broken", "raising"]  # wrong formats

    as_classes = _quiet(interface=Formats, enable=["upper"])
    assert as_classes["upper"].__name__ == "Upper"

    class NotChecked(Protocol):
        def format(self, text: str) -> str: ...

    with pytest.raises(TypeError, match="runtime_checkable"):
        importcraft.plugins(GROUP, interface=NotChecked)

    by_predicate = _quiet(
        interface=lambda obj: obj.__name__.startswith("L"), on_error=lambda f: None
    )
    by_predicate.load_all()
    assert by_predicate.loaded.keys() == {"lower"}
    wrong = {f.name: f for f in by_predicate.errors}["upper"]
    assert wrong.stage == "interface"
    assert "refused by the interface check" in wrong.reason

    formatter = _api()
    instances = importcraft.add_plugin(
        GROUP, "made", importlib.import_module("icplug_good").Upper()
    )
    with instances:
        found = _quiet(interface=formatter, enable=["made"])
        assert found["made"].format("q") == "Q"  # an instance passes without instantiate


def test_add_plugin_registers_and_its_hook_removes(dists: Installed) -> None:
    class Local:
        pass

    hook = importcraft.add_plugin("icplug.local", "local", Local)
    assert isinstance(hook, importcraft.Hook)
    assert hook in importcraft.hooks()
    assert "add_plugin('icplug.local', 'local'" in hook.description
    found = importcraft.plugins("icplug.local")
    assert found.names == ["local"]
    [entry] = found
    assert (entry.dist, entry.version) == (None, None)
    assert found["local"] is Local
    hook.remove()
    assert importcraft.plugins("icplug.local").names == []
    assert not hook.active


def test_add_plugin_wins_over_installed_plugins_as_a_conflict(dists: Installed) -> None:
    with importcraft.add_plugin(GROUP, "upper", "icplug_good:Lower"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = importcraft.plugins(GROUP)
        assert any("'upper'" in str(w.message) and "add_plugin" in str(w.message) for w in caught)
        conflict = {c.name: c for c in found.conflicts}["upper"]
        assert [e.dist for e in conflict.entries] == [None, "icplug-good"]
        assert found["upper"].__name__ == "Lower"
    assert _quiet()["upper"].__name__ == "Upper"


def test_add_plugin_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="no entry-point value"):
        importcraft.add_plugin("g", "n", "not a value")
    with pytest.raises(ValueError, match="no valid entry-point name"):
        importcraft.add_plugin("g", "", "json:dumps")
    with pytest.raises(TypeError):
        importcraft.add_plugin("g", "n", None)
    assert importcraft.plugins("g").names == []


def test_virtual_distributions_come_before_installed_ones(dists: Installed) -> None:
    served = importcraft.virtual(
        {"vfmt": "class Lower:\n    pass\n"},
        distribution=("virtual-fmt", "0.0"),
        entry_points={GROUP: {"upper": "vfmt:Lower"}, "virtual.only": {"x": "vfmt:Lower"}},
    )
    with served:
        found = _quiet()
        assert found["upper"].__name__ == "Lower"
        conflict = {c.name: c for c in found.conflicts}["upper"]
        assert [e.dist for e in conflict.entries] == ["virtual-fmt", "icplug-good"]
        from importcraft.entrypoints._manager import groups

        assert {"virtual.only", GROUP} <= set(groups())
    assert _quiet()["upper"].__name__ == "Upper"
    assert "virtual.only" not in importcraft.entrypoints._manager.groups()


def test_a_virtual_distribution_hides_the_installed_one_of_its_name(dists: Installed) -> None:
    # As importlib.metadata: the first distribution of a name wins, and the router is first.
    with importcraft.virtual(
        {"vgood": "class Upper:\n    virtual = True\n"},
        distribution=("icplug-good", "9.9"),
        entry_points={GROUP: {"upper": "vgood:Upper"}},
    ):
        found = _quiet()
        by_name = {entry.name: entry for entry in found}
        assert (by_name["upper"].dist, by_name["upper"].version) == ("icplug-good", "9.9")
        assert "upper" not in {c.name for c in found.conflicts}
        assert "lower" not in found, "the installed icplug-good's other entry points are hidden"
        assert found["upper"].virtual is True
        stdlib_view = importlib.metadata.entry_points(group=GROUP)
        assert sorted(stdlib_view.names) == sorted(found.names)


def test_the_public_name_stays_the_function_whatever_loads_first() -> None:
    done = run_python(
        """
        import importcraft.entrypoints._pytest  # what pytest loads at start-up
        import importcraft
        from importcraft.entrypoints import _manager
        assert importcraft.plugins is _manager.plugins, importcraft.plugins
        print(importcraft.plugins("icplug.none").names)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_manager_itself_imports_no_metadata_machinery() -> None:
    # Discovery is _index's; what the manager adds (loading, checks, the env variable, the
    # messages) must not bring importlib.metadata, email, zipfile or csv onto the warm path.
    done = run_python(
        """
        import sys
        from importcraft.entrypoints._manager import PluginEntry, Plugins
        found = Plugins("g", [PluginEntry("g", "n", "json:dumps", "d", "1")], disable=["x"])
        assert found["n"]([1]) == "[1]"
        try:
            found["m"]
        except KeyError:
            pass
        heavy = ("importlib.metadata", "email", "zipfile", "csv", "difflib")
        print(sorted(name for name in heavy if name in sys.modules))
        """,
        env={"IMPORTCRAFT_DISABLE_PLUGINS": "g:x"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['difflib']"  # only for the KeyError's close matches


def test_a_plugin_that_exits_at_import_is_broken_not_the_end_of_the_program() -> None:
    with (
        importcraft.virtual({"exiting_plugin": "import sys\nsys.exit(3)\n"}),
        importcraft.add_plugin("icplug.exits", "bye", "exiting_plugin:Thing"),
    ):
        found = importcraft.plugins("icplug.exits", on_error=lambda failure: None)
        assert found.load_all() == {}
        (failure,) = found.errors
        assert isinstance(failure.exception, SystemExit)
        assert failure.reason == "loading exiting_plugin:Thing raised SystemExit: 3"
