"""Benchmark of the HTML report (issue 12): size and time to write.

For synthetic traces of 600 and 2,000 modules (tests/report_data.py: realistic package names
and site-packages paths, a side effect every 7th module; the target is at most 2 MB for 600
modules): the HTML file's size, the median time of write_html, and the median time of the
speedscope and Chrome trace exports (to_speedscope / to_chrome_trace plus json.dumps).

Run: .venv/bin/python benchmarks/report.py [--rounds N]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import median, start

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.report_data import synthetic_trace

from importcraft.inspect import _report


def timed(
    action: Callable[[dict[str, Any], Path], object], data: dict[str, Any], path: Path, rounds: int
) -> float:
    """Median seconds of ``action(data, path)``."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        action(data, path)
        times.append(time.perf_counter() - began)
    return median(times)


def html(data: dict[str, Any], path: Path) -> object:
    return _report.write_html(data, path)


def speedscope(data: dict[str, Any], path: Path) -> object:
    return json.dumps(_report.to_speedscope(data))


def chrome(data: dict[str, Any], path: Path) -> object:
    return json.dumps(_report.to_chrome_trace(data))


def main() -> None:
    rounds = start(__doc__ or "", 9)
    with tempfile.TemporaryDirectory() as folder:
        for count in (600, 2000):
            data = synthetic_trace(count)
            path = Path(folder) / f"report-{count}.html"
            writing = timed(html, data, path, rounds)
            size = path.stat().st_size
            to_speedscope = timed(speedscope, data, path, rounds)
            to_chrome = timed(chrome, data, path, rounds)
            print(
                f"{count:>5} modules: HTML {size / 1024:,.0f} KiB ({size / 2**20:.2f} MiB), "
                f"write_html {writing * 1000:.1f} ms, speedscope {to_speedscope * 1000:.1f} ms, "
                f"chrome trace {to_chrome * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
