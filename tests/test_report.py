"""The trace views without a browser: the HTML file's size and data, the speedscope and Chrome
trace exports, reading `python -X importtime` logs, and `importcraft report`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from importcraft.inspect import _report

from .report_data import synthetic_trace


def embedded(html: str) -> Any:
    """The trace data a report page carries."""
    found = re.search(r'<script id="trace-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_a_report_of_600_modules_stays_under_2_mb_and_holds_the_data_once(tmp_path: Path) -> None:
    data = synthetic_trace(600)
    path = _report.write_html(data, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 2 * 1024 * 1024
    assert embedded(html) == data
    # Each module's file is written once (in the data), not again per chart node or table row.
    assert html.count(data["modules"][400]["file"]) == 1
    # Self-contained: nothing is fetched from elsewhere.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "fetch(" not in html


def test_names_and_details_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    data = synthetic_trace(10)
    evil = "</script><script>alert(1)</script><!--"
    data["modules"][3]["name"] = evil
    data["side_effects"][0]["detail"] = "print('</script>&amp;')"
    data["argv"] = ["<b>app.py</b>"]
    html = _report.render_html(data)
    assert evil not in html
    assert "<b>app.py" not in html
    assert "<title>imports of &lt;b&gt;app.py&lt;/b&gt; - importcraft report</title>" in html
    assert embedded(html) == data


def test_what_is_not_a_trace_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="has schema None, not 'importcraft-trace/1'"):
        _report.render_html({"modules": []})
    broken = synthetic_trace(3)
    del broken["modules"][1]["self_ns"]
    with pytest.raises(ValueError, match=r"modules\[1\] lacks self_ns"):
        _report.to_speedscope(broken)
    path = tmp_path / "trace.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"trace\.json is not JSON"):
        _report.load_json(path)
    path.write_text(json.dumps(synthetic_trace(4)))
    assert _report.load_json(path) == synthetic_trace(4)


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       101 |        101 |   _io
import time:       318 |        419 | _frozen_importlib_external
hello from the program
import time:        20 |         20 |       json.scanner
import time:        30 |         50 |     json.decoder
import time:        40 |         40 |     json.encoder
import time:        10 |        100 |   json
import time:         5 |        105 | app
"""


def test_an_importtime_log_becomes_the_import_tree_it_describes() -> None:
    data = _report.from_importtime(IMPORTTIME)
    by_name = {m["name"]: m for m in data["modules"]}
    assert [m["name"] for m in data["modules"]] == [
        "_frozen_importlib_external",
        "_io",
        "app",
        "json",
        "json.decoder",
        "json.scanner",
        "json.encoder",
    ]
    assert by_name["json"]["children"] == ["json.decoder", "json.encoder"]
    assert by_name["json.scanner"]["parent"] == "json.decoder"
    assert by_name["app"]["parent"] is None
    assert by_name["app"]["children"] == ["json"]
    assert by_name["json.decoder"]["self_ns"] == 30_000
    assert by_name["json.decoder"]["cumulative_ns"] == 50_000
    assert data["total_ns"] == 524_000
    for module in data["modules"]:
        assert module["kind"] == "other"
        assert module["file"] is None
        assert module["cached"] is None
        assert module["imported_at"] is None
        assert module["side_effects"] == []
    assert data["side_effects"] == []
    _report.check_trace(data)


def test_a_cut_log_keeps_what_it_has_and_an_empty_one_is_refused() -> None:
    cut = "import time:        20 |         20 |     a.b.c\nimport time: 5 | 25 |   a.b\n"
    data = _report.from_importtime(cut)
    assert [(m["name"], m["parent"]) for m in data["modules"]] == [("a.b", None), ("a.b.c", "a.b")]
    with pytest.raises(ValueError, match=r"no `import time:` line.*python -X importtime"):
        _report.from_importtime("Traceback (most recent call last):\n")


def test_a_real_importtime_log_from_a_subprocess(tmp_path: Path) -> None:
    # Without the suite's coverage measurement of children: it imports json first.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    log = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, email.parser"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    ).stderr
    lines = [line for line in log.splitlines() if line.startswith("import time:")]
    data = _report.from_importtime(log)
    assert len(data["modules"]) == len(lines) - 1  # the header line
    by_name = {m["name"]: m for m in data["modules"]}
    assert by_name["json"]["parent"] is None
    assert "json.decoder" in by_name["json"]["children"]
    assert by_name["json.decoder"]["parent"] == "json"
    assert by_name["email.parser"]["parent"] is None
    for module in data["modules"]:
        inner = sum(by_name[c]["cumulative_ns"] for c in module["children"])
        assert module["cumulative_ns"] >= inner
    path = _report.write_html(data, tmp_path / "log.html")
    assert embedded(path.read_text(encoding="utf-8")) == data


def speedscope_schema() -> dict[str, Any]:
    """The required structure of speedscope's published file-format-schema.json, written out."""
    number = {"type": "number"}
    unit = {"enum": ["bytes", "microseconds", "milliseconds", "nanoseconds", "none", "seconds"]}

    def event(kind: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"type": {"enum": [kind]}, "at": number, "frame": number},
            "required": ["at", "frame", "type"],
        }

    return {
        "$schema": "http://json-schema.org/draft-06/schema#",
        "type": "object",
        "properties": {
            "$schema": {"enum": [_report.SPEEDSCOPE_SCHEMA]},
            "shared": {
                "type": "object",
                "properties": {
                    "frames": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "file": {"type": "string"},
                                "line": number,
                                "col": number,
                            },
                            "required": ["name"],
                        },
                    }
                },
                "required": ["frames"],
            },
            "profiles": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"enum": ["evented"]},
                        "name": {"type": "string"},
                        "unit": unit,
                        "startValue": number,
                        "endValue": number,
                        "events": {
                            "type": "array",
                            "items": {"anyOf": [event("O"), event("C")]},
                        },
                    },
                    "required": ["endValue", "events", "name", "startValue", "type", "unit"],
                },
            },
            "name": {"type": "string"},
            "activeProfileIndex": number,
            "exporter": {"type": "string"},
        },
        "required": ["$schema", "profiles", "shared"],
    }


@pytest.mark.parametrize("source", ["synthetic", "importtime"])
def test_the_speedscope_file_follows_the_format_and_its_events_nest(source: str) -> None:
    data = synthetic_trace(300) if source == "synthetic" else _report.from_importtime(IMPORTTIME)
    profile_file = json.loads(json.dumps(_report.to_speedscope(data)))
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the dev extras")
    jsonschema.validate(profile_file, speedscope_schema())
    frames = profile_file["shared"]["frames"]
    assert [f["name"] for f in frames] == [m["name"] for m in data["modules"]]
    (profile,) = profile_file["profiles"]
    # What speedscope checks when it imports: balanced, ordered, every frame opened once.
    stack: list[int] = []
    opened: dict[int, float] = {}
    last = profile["startValue"]
    for event in profile["events"]:
        assert event["at"] >= last
        last = event["at"]
        if event["type"] == "O":
            assert event["frame"] not in opened
            opened[event["frame"]] = event["at"]
            stack.append(event["frame"])
        else:
            assert stack.pop() == event["frame"]
            module = data["modules"][event["frame"]]
            assert event["at"] - opened[event["frame"]] >= module["cumulative_ns"]
    assert not stack
    assert len(opened) == len(frames)
    assert last == profile["endValue"]
    # A module's frame opens inside its importer's.
    by_name = {m["name"]: i for i, m in enumerate(data["modules"])}
    closes = {e["frame"]: e["at"] for e in profile["events"] if e["type"] == "C"}
    for i, module in enumerate(data["modules"]):
        if module["parent"] is not None:
            parent = by_name[module["parent"]]
            assert opened[parent] <= opened[i]
            assert closes[i] <= closes[parent]


def test_the_chrome_trace_has_complete_events_that_nest() -> None:
    data = synthetic_trace(300)
    trace = json.loads(json.dumps(_report.to_chrome_trace(data)))
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert {e["name"] for e in trace["traceEvents"] if e["ph"] == "M"} == {
        "process_name",
        "thread_name",
    }
    assert [e["name"] for e in events] == [m["name"] for m in data["modules"]]
    spans = {}
    for event, module in zip(events, data["modules"], strict=True):
        assert isinstance(event["ts"], int | float)
        assert isinstance(event["dur"], int | float)
        assert (event["pid"], event["tid"], event["cat"]) == (1, 1, "import")
        assert round(event["dur"] * 1000) >= module["cumulative_ns"]
        assert event["args"]["cumulative_us"] == module["cumulative_ns"] / 1000
        assert event["args"]["imported_by"] == module["parent"]
        start, duration = round(event["ts"] * 1000), round(event["dur"] * 1000)  # in ns
        spans[module["name"]] = (start, start + duration)
    # Children lie inside their importer, one after another, in import order.
    for module in data["modules"]:
        start, end = spans[module["name"]]
        previous_end = start
        for child in module["children"]:
            child_start, child_end = spans[child]
            assert previous_end <= child_start
            assert child_end <= end
            previous_end = child_end
    with_effect = next(e for e in events if "side_effects" in e["args"])
    assert with_effect["args"]["side_effects"][0].startswith("open('/etc/app")
    assert trace["displayTimeUnit"] == "ms"


def report_command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "importcraft", "report", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_importcraft_report_writes_every_view_of_a_log_or_a_saved_trace(tmp_path: Path) -> None:
    (tmp_path / "import.log").write_text(IMPORTTIME)
    done = report_command(
        "--from-importtime",
        "import.log",
        "--html",
        "log.html",
        "--speedscope",
        "log.speedscope.json",
        "--chrome-trace",
        "log.trace.json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "7 modules from import.log -> log.html, log.speedscope.json, log.trace.json" in (
        done.stdout
    )
    assert embedded((tmp_path / "log.html").read_text()) == _report.from_importtime(IMPORTTIME)
    speedscope = json.loads((tmp_path / "log.speedscope.json").read_text())
    assert speedscope["profiles"][0]["type"] == "evented"
    chrome = json.loads((tmp_path / "log.trace.json").read_text())
    assert len([e for e in chrome["traceEvents"] if e["ph"] == "X"]) == 7

    (tmp_path / "trace.json").write_text(json.dumps(synthetic_trace(20)))
    done = report_command("--from-json", "trace.json", "--html", "t.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert embedded((tmp_path / "t.html").read_text()) == synthetic_trace(20)


def test_importcraft_report_says_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "import.log").write_text(IMPORTTIME)
    done = report_command("--from-json", "import.log", "--html", "x.html", cwd=tmp_path)
    assert done.returncode == 1
    assert "importcraft report: error: import.log is not JSON" in done.stderr
    done = report_command("--from-importtime", "missing.log", "--html", "x.html", cwd=tmp_path)
    assert done.returncode == 1
    assert "missing.log" in done.stderr
    done = report_command("--from-importtime", "import.log", cwd=tmp_path)
    assert done.returncode == 2
    assert "give at least one of --html, --speedscope, --chrome-trace" in done.stderr
    done = report_command("--html", "x.html", cwd=tmp_path)
    assert done.returncode == 2
    assert "--from-importtime" in done.stderr
    assert not (tmp_path / "x.html").exists()
