"""``importcraft plugins [GROUP] [--check] [--json]``: the entry-point groups, or the plugins of
one group with their distribution and version; ``--check`` loads each and reports the broken ones
(exit status 1 if any)."""

from __future__ import annotations

import warnings

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from typing import Any

    from ..entrypoints._manager import PluginEntry

_DESCRIPTION = """\
Without GROUP: every entry-point group the installed distributions offer, with the number of
plugins in each. With GROUP: its plugins, the distribution and version offering each, and the
object each names (no plugin code runs). --check also loads every plugin of GROUP and reports
the broken ones with the reason; the exit status is then 1 if any is broken. Plugins named in
IMPORTCRAFT_DISABLE_PLUGINS are shown as disabled and not loaded.
"""


def plugins_command(args: list[str]) -> int:
    """``importcraft plugins``: see the module's docstring."""
    import argparse

    parser = argparse.ArgumentParser(prog="importcraft plugins", description=_DESCRIPTION)
    parser.add_argument("group", metavar="GROUP", nargs="?", help="an entry-point group")
    parser.add_argument(
        "--check", action="store_true", help="load every plugin of GROUP, report the broken ones"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    options = parser.parse_args(args)
    if options.check and options.group is None:
        parser.error(
            "--check needs a GROUP (loading the plugins of every group would run the code of "
            "every installed tool)"
        )
    if options.group is None:
        return _groups(options.json)
    return _group(options.group, options.check, options.json)


def _groups(as_json: bool) -> int:
    from ..entrypoints._manager import _discover, groups

    counts = {group: len({e.name for e in _discover(group)}) for group in groups()}
    if as_json:
        data = {"groups": [{"group": g, "plugins": n} for g, n in counts.items()]}
        return _output(_dumps(data))
    if not counts:
        return _output("no entry-point groups found on sys.path")
    width = max(len(g) for g in counts)
    lines = [f"{g:<{width}}  {n}" for g, n in counts.items()]
    lines.append(f"{len(counts)} groups; `importcraft plugins GROUP` lists one")
    return _output("\n".join(lines))


def _group(group: str, check: bool, as_json: bool) -> int:
    from ..entrypoints._manager import plugins

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # conflicts and failures are reported below instead
        found = plugins(group)
        if check:
            found.load_all()
    failures = {f.name: f for f in found.errors}
    rows: list[dict[str, Any]] = []
    for entry, disabled in [*((e, False) for e in found), *((e, True) for e in found.disabled)]:
        row = _row(entry)
        row["disabled"] = disabled
        if check and not disabled:
            failure = failures.get(entry.name)
            row["status"] = "broken" if failure else "ok"
            row["reason"] = failure.reason if failure else None
            row["stage"] = failure.stage if failure else None
        rows.append(row)
    rows.sort(key=lambda row: row["name"])
    conflicts = [
        {"name": c.name, "used": _row(c.winner), "offers": [_row(e) for e in c.entries]}
        for c in found.conflicts
    ]
    broken = len(failures)
    if as_json:
        data: dict[str, object] = {"group": group, "plugins": rows, "conflicts": conflicts}
        if check:
            data["broken"] = broken
        status = _output(_dumps(data))
        return status or (1 if broken else 0)
    if not rows:
        _output(f"no plugins in entry-point group {group!r}")
        return 0
    width = max(len(row["name"]) for row in rows)
    lines = []
    for row in rows:
        origin = row["dist"] or "add_plugin()"
        if row["version"]:
            origin += f" {row['version']}"
        line = f"{row['name']:<{width}}  {origin}  {row['value']}"
        if row["disabled"]:
            line += "  [disabled]"
        elif check:
            line += "  ok" if row["status"] == "ok" else f"  BROKEN: {row['reason']}"
        lines.append(line)
    lines.extend(f"conflict: {conflict}" for conflict in found.conflicts)
    summary = f"{len(found)} plugin{'' if len(found) == 1 else 's'} in {group!r}"
    if found.disabled:
        summary += f", {len(found.disabled)} disabled"
    if check:
        summary += f", {broken} broken" if broken else ", all load"
    lines.append(summary)
    status = _output("\n".join(lines))
    return status or (1 if broken else 0)


def _row(entry: PluginEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "value": entry.value,
        "dist": entry.dist,
        "version": entry.version,
        "location": entry.location,
    }


def _dumps(data: object) -> str:
    import json

    return json.dumps(data, indent=2)


def _output(text: str) -> int:
    """Print ``text``; a reader that goes away early (``| head``) ends the command quietly."""
    import os
    import sys

    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout again at exit
        return 1
    return 0
