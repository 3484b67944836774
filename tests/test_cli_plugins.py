"""importcraft plugins [GROUP] [--check] [--json], against distributions installed with pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .plugin_dists import GROUP, NAMES, Installed, installed

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")

__all__ = ["installed"]  # the fixture, used by name


def importcraft_plugins(
    installed: Installed, *args: str, disable: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IMPORTCRAFT_DISABLE_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join(installed.path)
    if disable:
        env["IMPORTCRAFT_DISABLE_PLUGINS"] = disable
    return subprocess.run(
        [sys.executable, "-m", "importcraft", "plugins", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_groups_with_their_counts(installed: Installed) -> None:
    done = importcraft_plugins(installed)
    assert done.returncode == 0, done.stderr
    assert [GROUP, str(len(NAMES))] in [line.split() for line in done.stdout.splitlines()]
    data = json.loads(importcraft_plugins(installed, "--json").stdout)
    counts = {row["group"]: row["plugins"] for row in data["groups"]}
    assert counts[GROUP] == len(NAMES)
    assert counts["icplug.other"] == 1


def test_a_group_lists_plugins_with_distribution_and_version(installed: Installed) -> None:
    done = importcraft_plugins(installed, GROUP)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.split() == ["upper", "icplug-good", "1.0", "icplug_good:Upper"] for line in lines
    )
    assert any(line.startswith("conflict: plugin 'dup'") for line in lines)
    assert lines[-1] == f"{len(NAMES)} plugins in '{GROUP}'"


def test_check_reports_the_broken_plugin_and_fails(installed: Installed) -> None:
    done = importcraft_plugins(installed, GROUP, "--check")
    assert done.returncode == 1, done.stderr
    [broken] = [line for line in done.stdout.splitlines() if "BROKEN" in line]
    assert broken.startswith("broken ")
    assert "icplug_no_such_dependency" in broken
    assert done.stdout.splitlines()[-1].endswith("1 broken")


def test_check_json_parses(installed: Installed) -> None:
    done = importcraft_plugins(installed, GROUP, "--check", "--json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    rows = {row["name"]: row for row in data["plugins"]}
    assert sorted(rows) == NAMES
    assert rows["broken"]["status"] == "broken"
    assert rows["broken"]["stage"] == "import"
    assert rows["upper"]["status"] == "ok"
    assert (rows["upper"]["dist"], rows["upper"]["version"]) == ("icplug-good", "1.0")
    assert data["broken"] == 1
    assert [c["name"] for c in data["conflicts"]] == ["dup"]
    assert data["conflicts"][0]["used"]["dist"] == "icplug-alpha"


def test_a_disabled_broken_plugin_is_not_loaded(installed: Installed) -> None:
    done = importcraft_plugins(installed, GROUP, "--check", disable=f"{GROUP}:broken")
    assert done.returncode == 0, done.stdout
    [line] = [line for line in done.stdout.splitlines() if line.startswith("broken ")]
    assert line.endswith("[disabled]")


def test_check_needs_a_group(installed: Installed) -> None:
    done = importcraft_plugins(installed, "--check")
    assert done.returncode == 2
    assert "--check needs a GROUP" in done.stderr
