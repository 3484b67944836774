"""Views of an import trace: an offline HTML report, speedscope and Chrome trace exports, and a
reader of ``python -X importtime`` logs.

Everything here is a pure function over the trace dictionary of schema ``importcraft-trace/1``
(what ``Trace.to_dict()`` returns and ``importcraft trace --json`` writes; see
docs/diagnostics-report.md), so a trace saved as JSON, a live one and a parsed ``-X importtime``
log all go through the same code. Only the standard library is used.

The trace records how long each module took (self and cumulative) and in which order modules were
imported, not when each one started. The exports lay the modules out on a timeline rebuilt from
that: a module's children run back to back from its start, and its own time comes after them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SCHEMA = "importcraft-trace/1"
# The page, its style and its script, beside this module.
_HERE = Path(__file__).parent
_PLACEHOLDER = re.compile("@(TITLE|CSS|JS|DATA)@")
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"

_MODULE_KEYS = (
    "name",
    "file",
    "kind",
    "loader",
    "cached",
    "self_ns",
    "cumulative_ns",
    "parent",
    "imported_at",
    "children",
    "side_effects",
)


def check_trace(data: Any, source: str = "the trace") -> dict[str, Any]:
    """Return ``data`` if it is a trace dictionary this module can render; else ``ValueError``.

    ``source`` names where the data came from, for the error message.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source} is not a JSON object (an importcraft trace is one)")
    if data.get("schema") != SCHEMA:
        raise ValueError(
            f"{source} has schema {data.get('schema')!r}, not {SCHEMA!r}: write it with "
            "`importcraft trace --json FILE` or Trace.to_dict()"
        )
    modules = data.get("modules")
    effects = data.get("side_effects")
    if not isinstance(modules, list) or not isinstance(effects, list):
        raise ValueError(f"{source} lacks its 'modules' or 'side_effects' list")
    for i, module in enumerate(modules):
        missing = [key for key in _MODULE_KEYS if not isinstance(module, dict) or key not in module]
        if missing:
            raise ValueError(f"{source}: modules[{i}] lacks {', '.join(missing)}")
    return data


def load_json(path: str | Path) -> dict[str, Any]:
    """Read a trace written by ``importcraft trace --json`` (``ValueError`` if it is none)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON ({exc})") from None
    return check_trace(data, str(path))


# ---------------------------------------------------------------------------------------------
# The import tree and its rebuilt timeline


def _tree(modules: list[dict[str, Any]]) -> tuple[list[int], list[list[int]]]:
    """The roots and each module's children, as indexes into ``modules``.

    Children are resolved by name among the modules imported after their parent (a name can be
    loaded twice when a program deletes it from ``sys.modules``); a module no other one claims is
    a root, so every module appears exactly once.
    """
    by_name: dict[str, list[int]] = {}
    for i, module in enumerate(modules):
        by_name.setdefault(module["name"], []).append(i)
    claimed = [False] * len(modules)
    children: list[list[int]] = [[] for _ in modules]
    for i, module in enumerate(modules):
        for name in module["children"]:
            for j in by_name.get(name, ()):
                if j > i and not claimed[j]:
                    claimed[j] = True
                    children[i].append(j)
                    break
    roots = [i for i in range(len(modules)) if not claimed[i]]
    return roots, children


def _layout(data: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    """``(module index, start ns, duration ns, depth)`` for every module, parents first.

    Children run back to back from their parent's start; a parent lasts at least as long as its
    children together (a log rounded to microseconds can say a little less).
    """
    modules = data["modules"]
    roots, children = _tree(modules)
    span: list[int] = [0] * len(modules)
    # Durations bottom-up (children have higher indexes than their parent).
    for i in range(len(modules) - 1, -1, -1):
        inner = sum(span[j] for j in children[i])
        span[i] = max(int(modules[i]["cumulative_ns"]), inner, 0)
    placed: list[tuple[int, int, int, int]] = []
    stack: list[tuple[int, int, int]] = []
    start = 0
    for root in roots:
        stack.append((root, start, 0))
        start += span[root]
        while stack:
            i, at, depth = stack.pop()
            placed.append((i, at, span[i], depth))
            child_at = at
            pending = []
            for j in children[i]:
                pending.append((j, child_at, depth + 1))
                child_at += span[j]
            stack.extend(reversed(pending))
    return placed


# ---------------------------------------------------------------------------------------------
# speedscope


def to_speedscope(data: dict[str, Any]) -> dict[str, Any]:
    """The trace as a speedscope file (its published JSON format): one "evented" profile in
    nanoseconds, a frame per module (its name and file), an open and a close event per import.
    """
    check_trace(data)
    modules = data["modules"]
    frames: list[dict[str, Any]] = []
    for module in modules:
        frame: dict[str, Any] = {"name": module["name"]}
        if module["file"]:
            frame["file"] = module["file"]
        frames.append(frame)
    events: list[dict[str, Any]] = []
    open_frames: list[tuple[int, int, int]] = []  # (end, frame, depth), innermost last
    end_value = 0
    for i, start, duration, depth in _layout(data):
        # Pre-order: a module at this depth closes every open frame as deep or deeper.
        while open_frames and open_frames[-1][2] >= depth:
            end, frame_index, _ = open_frames.pop()
            events.append({"type": "C", "at": end, "frame": frame_index})
        events.append({"type": "O", "at": start, "frame": i})
        open_frames.append((start + duration, i, depth))
        end_value = max(end_value, start + duration)
    while open_frames:
        end, frame_index, _ = open_frames.pop()
        events.append({"type": "C", "at": end, "frame": frame_index})
    name = _title(data)
    return {
        "$schema": SPEEDSCOPE_SCHEMA,
        "shared": {"frames": frames},
        "profiles": [
            {
                "type": "evented",
                "name": name,
                "unit": "nanoseconds",
                "startValue": 0,
                "endValue": end_value,
                "events": events,
            }
        ],
        "name": name,
        "activeProfileIndex": 0,
        "exporter": "importcraft",
    }


# ---------------------------------------------------------------------------------------------
# Chrome's Trace Event Format (chrome://tracing, Perfetto)


def to_chrome_trace(data: dict[str, Any]) -> dict[str, Any]:
    """The trace in the Trace Event Format: a complete event ("ph": "X") per module, ``ts`` and
    ``dur`` in microseconds, the module's details in ``args``, on one process and thread.
    """
    check_trace(data)
    modules = data["modules"]
    effects = data["side_effects"]
    pid, tid = 1, 1
    title = _title(data)
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": title}},
        {"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": "imports"}},
    ]
    for i, start, duration, _depth in sorted(_layout(data)):  # in the trace's order
        module = modules[i]
        at = module["imported_at"]
        args: dict[str, Any] = {
            "self_us": module["self_ns"] / 1000,
            "cumulative_us": module["cumulative_ns"] / 1000,
            "file": module["file"],
            "kind": module["kind"],
            "cached": module["cached"],
            "imported_by": module["parent"],
            "imported_at": f"{at['file']}:{at['line']}" if at else None,
        }
        if module["side_effects"]:
            args["side_effects"] = [
                effects[k]["detail"] for k in module["side_effects"] if 0 <= k < len(effects)
            ]
        events.append(
            {
                "name": module["name"],
                "cat": "import",
                "ph": "X",
                "ts": start / 1000,
                "dur": duration / 1000,
                "pid": pid,
                "tid": tid,
                "args": args,
            }
        )
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "exporter": "importcraft",
            "schema": data["schema"],
            "python": str(data.get("python", "")),
            "started": str(data.get("started", "")),
        },
    }


# ---------------------------------------------------------------------------------------------
# python -X importtime

_IMPORTTIME = re.compile(r"import time:\s*(\d+)\s*\|\s*(\d+)\s*\|( *)(\S+)\s*$")


def from_importtime(text: str, *, source: str = "the log") -> dict[str, Any]:
    """Parse a ``python -X importtime`` log into a trace dictionary (times only).

    Modules have kind "other" and no file, cache, import statement or side effects; lines that are
    not import times (the program's own output on stderr) are skipped. ``ValueError`` when the
    text holds no import time at all.
    """
    # A line is printed when its import ends, so children come before their parent, one
    # indentation step (two spaces) deeper.
    pending: dict[int, list[dict[str, Any]]] = {}
    count = 0
    for line in text.splitlines():
        found = _IMPORTTIME.search(line)
        if found is None:
            continue
        self_us, cumulative_us, indent, name = found.groups()
        depth = max(len(indent) - 1, 0) // 2
        node: dict[str, Any] = {
            "name": name,
            "self_ns": int(self_us) * 1000,
            "cumulative_ns": int(cumulative_us) * 1000,
            "kids": pending.pop(depth + 1, []),
        }
        pending.setdefault(depth, []).append(node)
        count += 1
    if not count:
        raise ValueError(
            f"{source} holds no `import time:` line: make it with "
            "`python -X importtime -c 'import yourmodule' 2> importtime.log`"
        )
    # What a cut log left open at deeper levels has no parent line: it becomes top level.
    roots: list[dict[str, Any]] = []
    for depth in sorted(pending):
        roots.extend(pending[depth])
    modules: list[dict[str, Any]] = []

    def add(node: dict[str, Any], parent: str | None) -> None:
        modules.append(
            {
                "name": node["name"],
                "file": None,
                "kind": "other",
                "loader": None,
                "cached": None,
                "self_ns": node["self_ns"],
                "cumulative_ns": node["cumulative_ns"],
                "parent": parent,
                "imported_at": None,
                "children": [kid["name"] for kid in node["kids"]],
                "side_effects": [],
            }
        )
        for kid in node["kids"]:
            add(kid, node["name"])

    for root in roots:
        add(root, None)
    return {
        "schema": SCHEMA,
        "python": "",
        "implementation": "",
        "argv": [],
        "started": "",
        "total_ns": sum(root["cumulative_ns"] for root in roots),
        "modules": modules,
        "side_effects": [],
        "source": "importtime",
    }


def read_importtime(path: str | Path) -> dict[str, Any]:
    """``from_importtime`` of the log file at ``path``."""
    return from_importtime(
        Path(path).read_text(encoding="utf-8", errors="replace"), source=str(path)
    )


# ---------------------------------------------------------------------------------------------
# The HTML report


def _title(data: dict[str, Any]) -> str:
    argv = data.get("argv") or []
    if data.get("source") == "importtime":
        return "imports (python -X importtime)"
    return "imports of " + " ".join(str(a) for a in argv) if argv else "imports"


def render_html(data: dict[str, Any]) -> str:
    """The HTML report of ``data`` as one self-contained page (no network needed)."""
    check_trace(data)
    return render_page(("report.html", "report.css", "report.js"), _title(data), data)


def script_json(data: Any) -> str:
    """``data`` as JSON that can stand inside a ``<script>`` element as it is."""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    # Inside <script>, "</script>" or "<!--" in a module name or a detail would end the element.
    return payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(files: tuple[str, str, str], title: str, data: Any) -> str:
    """One self-contained page: the template ``files[0]`` (beside this module) with its
    ``@TITLE@`` (``title``, escaped), ``@CSS@`` and ``@JS@`` (the files ``files[1]`` and
    ``files[2]``, inlined) and ``@DATA@`` (``data`` as JSON, see :func:`script_json`)."""
    page, css, js = ((_HERE / name).read_text(encoding="utf-8") for name in files)
    parts = {"TITLE": _html_escape(title), "CSS": css, "JS": js, "DATA": script_json(data)}
    # One pass: nothing put in (a title, the data) is read as a placeholder in turn.
    return _PLACEHOLDER.sub(lambda found: parts[found.group(1)], page)


def write_html(data: dict[str, Any], path: str | Path) -> Path:
    """Write the HTML report of ``data`` to ``path`` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(render_html(data), encoding="utf-8")
    return target


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
