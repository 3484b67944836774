"""virtual(..., distribution=, entry_points=): distributions importlib.metadata sees."""

from __future__ import annotations

import importlib
import importlib.metadata as md
import json
import sys

import pytest

import importcraft
from importcraft.core._router import ROUTER
from importcraft.sources import _distributions

from .conftest import run_python

PLUGINS = {
    "fake_csv": "class Plugin:\n    kind = 'csv'\n",
    "fake_csv.helpers": "def helper():\n    return 'helped'\n",
}
ENTRY_POINTS = {
    "myapp.plugins": {"csv": "fake_csv:Plugin", "helpers": "fake_csv.helpers"},
    "myapp.commands": {"csv-dump": "fake_csv.helpers:helper"},
}


def add_plugins(**kwargs: object) -> importcraft.Hook:
    options: dict[str, object] = {
        "entry_points": ENTRY_POINTS,
        "distribution": ("Fake-CSV", "1.2"),
        **kwargs,
    }
    return importcraft.virtual(PLUGINS, **options)  # type: ignore[arg-type]


def test_entry_points_are_listed_and_load_the_virtual_objects() -> None:
    add_plugins()
    found = md.entry_points(group="myapp.plugins")
    assert [(ep.name, ep.value) for ep in found] == [
        ("csv", "fake_csv:Plugin"),
        ("helpers", "fake_csv.helpers"),
    ]
    plugin = found["csv"].load()
    assert plugin is importlib.import_module("fake_csv").Plugin
    assert plugin.kind == "csv"
    assert found["helpers"].load() is sys.modules["fake_csv.helpers"]
    assert found["csv"].dist is not None
    assert (found["csv"].dist.name, found["csv"].dist.version) == ("Fake-CSV", "1.2")
    # The EntryPoints of all groups, selected afterwards.
    everything = md.entry_points()
    assert everything.select(group="myapp.commands", name="csv-dump")["csv-dump"].load()() == (
        "helped"
    )
    assert {"myapp.plugins", "myapp.commands"} <= everything.groups


def test_version_distribution_metadata_and_requires() -> None:
    add_plugins()
    # Names are compared as importlib.metadata compares them: case, '-', '_' and '.' alike.
    assert md.version("fake-csv") == md.version("FAKE_CSV") == md.version("fake.csv") == "1.2"
    dist = md.distribution("fake_csv")
    assert dist.metadata["Name"] == "Fake-CSV"
    assert dist.metadata["Version"] == "1.2"
    assert md.metadata("Fake-CSV")["Name"] == "Fake-CSV"
    assert md.requires("fake-csv") is None  # what an installed distribution declaring none gives
    assert "Fake-CSV" in [d.metadata["Name"] for d in md.distributions()]


def test_packages_distributions_and_files_list_the_virtual_modules() -> None:
    add_plugins(resources={"fake_csv": {"data/columns.txt": b"a,b\n"}})
    assert md.packages_distributions()["fake_csv"] == ["Fake-CSV"]
    files = md.files("fake-csv")
    assert files is not None
    by_path = {str(f): f for f in files}
    assert sorted(by_path) == [
        "fake_csv/__init__.py",
        "fake_csv/data/columns.txt",
        "fake_csv/helpers.py",
    ]
    assert by_path["fake_csv/helpers.py"].read_text() == PLUGINS["fake_csv.helpers"]
    assert by_path["fake_csv/data/columns.txt"].read_binary() == b"a,b\n"
    assert by_path["fake_csv/__init__.py"].size == len(PLUGINS["fake_csv"])


def test_a_prefix_is_the_top_level_package_of_the_distribution() -> None:
    importcraft.virtual(
        {"csv_plugin": "NAME = 'csv'"},
        prefix="myapp_plugins",
        distribution=("myapp-plugins", "0.1"),
        entry_points={"myapp.plugins": {"csv": "myapp_plugins.csv_plugin:NAME"}},
    )
    assert md.packages_distributions()["myapp_plugins"] == ["myapp-plugins"]
    files = md.files("myapp-plugins")
    assert files is not None
    assert sorted(str(f) for f in files) == [
        "myapp_plugins/__init__.py",
        "myapp_plugins/csv_plugin.py",
    ]
    assert md.entry_points(group="myapp.plugins")["csv"].load() == "csv"


def test_a_distribution_without_entry_points() -> None:
    importcraft.virtual({"tool": "x = 1"}, distribution=("tool", "3.0"))
    assert md.version("tool") == "3.0"
    assert list(md.distribution("tool").entry_points) == []


def test_removing_the_hook_removes_the_distribution() -> None:
    hook = add_plugins()
    assert md.version("fake-csv") == "1.2"
    hook.remove()
    with pytest.raises(md.PackageNotFoundError):
        md.version("fake-csv")
    assert list(md.entry_points(group="myapp.plugins")) == []
    assert "fake_csv" not in md.packages_distributions()
    assert _distributions.entry_points("myapp.plugins") == []


def test_a_refresh_keeps_the_distribution_and_sees_new_modules() -> None:
    mapping = dict(PLUGINS)
    importcraft.virtual(mapping, distribution=("fake-csv", "1.2"))
    mapping["fake_csv.extra"] = "y = 2"
    importlib.invalidate_caches()  # the source re-reads its mapping; the rules are remade
    assert md.version("fake-csv") == "1.2"
    files = md.files("fake-csv")
    assert files is not None
    assert "fake_csv/extra.py" in {str(f) for f in files}


def test_isolated_restores_the_distributions() -> None:
    with importcraft.isolated():
        add_plugins()
        assert md.version("fake-csv") == "1.2"
    with pytest.raises(md.PackageNotFoundError):
        md.version("fake-csv")

    hook = add_plugins()
    with importcraft.isolated():
        hook.remove()
        with pytest.raises(md.PackageNotFoundError):
            md.version("fake-csv")
    assert md.version("fake-csv") == "1.2"
    assert [ep.name for ep in md.entry_points(group="myapp.plugins")] == ["csv", "helpers"]


def test_the_newest_virtual_distribution_of_a_name_wins() -> None:
    importcraft.virtual(
        {"old_impl": "X = 'old'"},
        distribution=("twin", "1.0"),
        entry_points={"twin.group": {"x": "old_impl:X"}},
    )
    newer = importcraft.virtual(
        {"new_impl": "X = 'new'"},
        distribution=("Twin", "2.0"),
        entry_points={"twin.group": {"x": "new_impl:X"}},
    )
    assert md.version("twin") == "2.0"
    assert [ep.value for ep in md.entry_points(group="twin.group")] == ["new_impl:X"]
    # Both are distributions; entry_points() and version() keep the first of a name.
    assert [d.version for d in md.distributions() if d.metadata["Name"].lower() == "twin"] == [
        "2.0",
        "1.0",
    ]
    assert _distributions.entry_points("twin.group") == [
        ("twin.group", "x", "new_impl:X", "Twin", "2.0", None)
    ]
    newer.remove()
    assert md.version("twin") == "1.0"
    assert [ep.value for ep in md.entry_points(group="twin.group")] == ["old_impl:X"]


def test_a_virtual_distribution_hides_an_installed_one_of_the_same_name() -> None:
    installed = md.distribution("coverage")
    installed_scripts = {
        ep.name
        for ep in md.entry_points(group="console_scripts")
        if ep.dist is not None and ep.dist.name.lower() == "coverage"
    }
    assert "coverage" in installed_scripts
    assert len(installed_scripts) > 1
    hook = importcraft.virtual(
        {"fake_coverage": "def main():\n    return 'fake'\n"},
        distribution=("Coverage", "0.0.1"),
        entry_points={"console_scripts": {"coverage": "fake_coverage:main"}},
    )
    assert md.version("coverage") == "0.0.1"
    scripts = [
        ep for ep in md.entry_points(group="console_scripts") if ep.name in installed_scripts
    ]
    # entry_points() takes each name's first distribution only: the installed one is hidden.
    assert [(ep.name, ep.value) for ep in scripts] == [("coverage", "fake_coverage:main")]
    assert scripts[0].load()() == "fake"
    # distributions() and packages_distributions() still list both, the virtual one first.
    same_name = [d for d in md.distributions() if d.metadata["Name"].lower() == "coverage"]
    assert [d.version for d in same_name] == ["0.0.1", installed.version]
    assert md.packages_distributions()["fake_coverage"] == ["Coverage"]
    assert _distributions.distribution_names() == {"coverage"}
    hook.remove()
    assert md.version("coverage") == installed.version


def test_lookups_over_other_paths_do_not_see_virtual_distributions(tmp_path: object) -> None:
    add_plugins()
    assert list(md.distributions(path=[str(tmp_path)])) == []
    names = [d.metadata["Name"] for d in md.distributions(path=sys.path)]
    assert "Fake-CSV" in names
    assert "Fake-CSV" in [d.metadata["Name"] for d in md.distributions(path=list(sys.path))]


def test_without_virtual_distributions_importlib_metadata_is_unchanged() -> None:
    importcraft.virtual({"plain_module": "x = 1"})  # the router is on sys.meta_path
    assert any(finder is ROUTER for finder in sys.meta_path)
    assert list(ROUTER.find_distributions(md.DistributionFinder.Context())) == []
    scripts = md.entry_points(group="console_scripts")
    assert "pytest" in scripts.names
    assert md.version("pytest") == pytest.__version__
    assert _distributions.entry_points("console_scripts") == []
    assert _distributions.groups() == set()


def test_the_cheap_functions_follow_the_registrations() -> None:
    hook = add_plugins()
    importcraft.virtual(
        {"other": "Y = 1"},
        distribution=("other", "9"),
        entry_points={"myapp.plugins": {"y": "other:Y"}},
    )
    # The newest distribution first, each one's entry points in the order given, as
    # importlib.metadata lists them.
    expected = [
        ("myapp.plugins", "y", "other:Y", "other", "9", None),
        ("myapp.plugins", "csv", "fake_csv:Plugin", "Fake-CSV", "1.2", None),
        ("myapp.plugins", "helpers", "fake_csv.helpers", "Fake-CSV", "1.2", None),
    ]
    assert _distributions.entry_points("myapp.plugins") == expected
    assert [
        (ep.group, ep.name, ep.value, ep.dist.name, ep.dist.version, None)  # type: ignore[union-attr]
        for ep in md.entry_points(group="myapp.plugins")
    ] == expected
    assert _distributions.groups() == {"myapp.plugins", "myapp.commands"}
    assert _distributions.distribution_names() == {"fake_csv", "other"}
    hook.remove()
    assert _distributions.groups() == {"myapp.plugins"}
    assert [row[1] for row in _distributions.entry_points("myapp.plugins")] == ["y"]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"distribution": "fake-csv"}, TypeError, "distribution must be a (name, version)"),
        ({"distribution": ("fake-csv",)}, TypeError, "distribution must be a (name, version)"),
        ({"distribution": ("fake-csv", 1.0)}, TypeError, "distribution must be a (name, version)"),
        ({"distribution": ("fake csv", "1.0")}, ValueError, "distribution name 'fake csv'"),
        ({"distribution": ("-fake", "1.0")}, ValueError, "distribution name '-fake'"),
        ({"distribution": ("fake", "")}, ValueError, "distribution version ''"),
        ({"distribution": ("fake", "1.0\nName: x")}, ValueError, "distribution version"),
        ({"entry_points": ["csv"]}, TypeError, "entry_points must be a mapping"),
        ({"entry_points": {"bad group": {}}}, ValueError, "entry_points group 'bad group'"),
        ({"entry_points": {"g": ["csv"]}}, TypeError, "entry_points['g'] must be a mapping"),
        ({"entry_points": {"g": {"a=b": "m"}}}, ValueError, "entry point name 'a=b'"),
        ({"entry_points": {"g": {"[x": "m"}}}, ValueError, "entry point name '[x'"),
        ({"entry_points": {"g": {"n": 3}}}, TypeError, "entry_points['g']['n'] must be a str"),
        ({"entry_points": {"g": {"n": "not-a.module"}}}, ValueError, "entry_points['g']['n']"),
        ({"entry_points": {"g": {"n": "mod:attr-x"}}}, ValueError, "'attr-x' is not a dotted"),
        ({"entry_points": {"g": {"n": "mod:"}}}, ValueError, "entry_points['g']['n']"),
        ({"entry_points": {"g": {"n": "mod:f [extra]"}}}, ValueError, "extras"),
    ],
)
def test_bad_arguments_name_the_argument_and_register_nothing(
    kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    options: dict[str, object] = {"distribution": ("fake-csv", "1.0"), **kwargs}
    hooks, rules = importcraft.hooks(), ROUTER.all_rules()
    with pytest.raises(error) as caught:
        importcraft.virtual(PLUGINS, **options)  # type: ignore[arg-type]
    assert words in str(caught.value)
    assert str(caught.value).startswith("virtual(): ")
    assert importcraft.hooks() == hooks
    assert ROUTER.all_rules() == rules
    assert importlib.util.find_spec("fake_csv") is None
    with pytest.raises(md.PackageNotFoundError):
        md.version("fake-csv")


def test_entry_points_without_a_distribution_say_what_to_pass() -> None:
    with pytest.raises(TypeError, match=r"entry_points needs distribution=\(name, version\)"):
        importcraft.virtual(PLUGINS, entry_points=ENTRY_POINTS)
    assert importcraft.hooks() == []


def test_the_trace_says_which_distributions_were_served(capsys: pytest.CaptureFixture[str]) -> None:
    from importcraft.core import _trace

    add_plugins()
    before = _trace.set_verbose(1)
    try:
        md.version("fake-csv")
    finally:
        _trace.set_verbose(before)
    err = capsys.readouterr().err
    assert "importlib.metadata asked for distribution 'fake-csv': served 'Fake-CSV' 1.2" in err


def test_what_each_step_loads() -> None:
    result = run_python(
        """
        import json, sys
        import importcraft

        def loaded():
            return {
                name: name in sys.modules
                for name in (
                    "importcraft.sources._distributions",
                    "importcraft.sources._metadata",
                    "importlib.metadata",
                    "csv",
                    "email",
                )
            }

        steps = {}
        importcraft.virtual({"plain": "x = 1"})
        import plain
        steps["plain virtual()"] = loaded()
        hook = importcraft.virtual(
            {"fake_csv": "class Plugin: pass"},
            distribution=("fake-csv", "1.0"),
            entry_points={"myapp.plugins": {"csv": "fake_csv:Plugin"}},
        )
        from importcraft.sources import _distributions
        rows = _distributions.entry_points("myapp.plugins")
        groups = _distributions.groups()
        steps["with a distribution"] = loaded()
        import importlib.metadata
        version = importlib.metadata.version("fake-csv")
        steps["importlib.metadata asked"] = loaded()
        print(json.dumps({"steps": steps, "rows": rows, "groups": sorted(groups),
                          "version": version}))
        """
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    steps = out["steps"]
    assert not any(steps["plain virtual()"].values())
    assert steps["with a distribution"] == {
        "importcraft.sources._distributions": True,
        "importcraft.sources._metadata": False,
        "importlib.metadata": False,
        "csv": False,
        "email": False,
    }
    assert steps["importlib.metadata asked"]["importcraft.sources._metadata"]
    assert out["rows"] == [["myapp.plugins", "csv", "fake_csv:Plugin", "fake-csv", "1.0", None]]
    assert out["groups"] == ["myapp.plugins"]
    assert out["version"] == "1.0"
