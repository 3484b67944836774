"""The HTML report in a real headless Chromium (Debian's chromium and chromium-driver, through
selenium): the chart shows the traced modules, a click shows a module's details, the search
filters, the table sorts, and the page logs no error."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from importcraft.inspect import _report

from .report_data import synthetic_trace

CHROMIUM = os.environ.get("IMPORTCRAFT_CHROMIUM") or shutil.which("chromium") or ""
CHROMEDRIVER = os.environ.get("IMPORTCRAFT_CHROMEDRIVER") or shutil.which("chromedriver") or ""

if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(
        "no Chromium here: install Debian's chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver; .ci/run does it)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the dev extras")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the module's tests, with a fresh profile, its console log kept."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def open_report(driver: Any, data: dict[str, Any], path: Path) -> None:
    """Write ``data``'s report to ``path``, load it from file:// and wait until it is drawn."""
    _report.write_html(data, path)
    driver.get(path.as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    )
    driver.get_log("browser")  # start each page with an empty console record


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_for(driver: Any, condition: Any) -> Any:
    return WebDriverWait(driver, 10).until(lambda d: condition())


def texts(driver: Any, selector: str, attribute: str = "") -> list[str]:
    """The text (or ``attribute``) of the elements ``selector`` finds, read in one go."""
    found: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]),"
        " e => arguments[1] ? e.getAttribute(arguments[1]) : e.textContent)",
        selector,
        attribute,
    )
    return found


def column(driver: Any, index: int) -> list[str]:
    return texts(driver, f"#modules tbody tr td:nth-child({index})")


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit, non-interlaced PNG (a screenshot)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8
    assert color in (2, 6)
    step = 3 if color == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * step, []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for x in range(stride):
            left = row[x - step] if x >= step else 0
            up, corner = previous[x], previous[x - step] if x >= step else 0
            if kind == 1:
                row[x] = (row[x] + left) & 255
            elif kind == 2:
                row[x] = (row[x] + up) & 255
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[x] = (row[x] + guess) & 255
        rows.append(bytes(row if step == 3 else bytes(b for i, b in enumerate(row) if i % 4 != 3)))
        previous = row
    return width, height, rows


def test_the_chart_shows_the_traced_modules(browser: Any, tmp_path: Path) -> None:
    data = synthetic_trace(300)
    open_report(browser, data, tmp_path / "report.html")
    drawn = set(texts(browser, "#chart .node[data-module]"))
    drawn_names = set(texts(browser, "#chart .node[data-module]", "data-module"))
    assert drawn  # labels are there
    top_level = [m["name"] for m in data["modules"] if m["parent"] is None]
    assert set(top_level) <= drawn_names
    biggest = max(data["modules"][5:], key=lambda m: m["cumulative_ns"])["name"]
    assert biggest in drawn_names
    assert "300 modules" in browser.find_element(By.ID, "summary").text
    # The screenshot shows the chart: its area is mostly coloured blocks, not background.
    chart = browser.find_element(By.ID, "chart")
    shot = chart.screenshot_as_png
    (tmp_path / "chart.png").write_bytes(shot)
    width, height, rows = png_pixels(shot)
    assert width > 600
    assert height >= 3 * 18
    top_rows = rows[20:50]  # the first levels under the "all imports" bar
    coloured = sum(
        1
        for row in top_rows
        for x in range(0, len(row), 3)
        if max(row[x : x + 3]) - min(row[x : x + 3]) > 40  # saturated: a module block
    )
    assert coloured > 0.5 * width * len(top_rows)
    assert console_errors(browser) == []


def test_clicking_a_module_shows_its_details_and_hovering_its_times(
    browser: Any, tmp_path: Path
) -> None:
    data = synthetic_trace(300)
    open_report(browser, data, tmp_path / "report.html")
    module = data["modules"][10]  # imported by modules[2], with a side effect
    assert module["side_effects"]
    node = browser.find_element(By.CSS_SELECTOR, f'#chart .node[data-module="{module["name"]}"]')
    ActionChains(browser).move_to_element(node).perform()
    tooltip = browser.find_element(By.ID, "tooltip")
    wait_for(browser, tooltip.is_displayed)
    assert module["name"] in tooltip.text
    assert f"imported by {module['parent']}" in tooltip.text
    node.click()
    details = browser.find_element(By.ID, "details")
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == module["name"])
    text = details.text
    at = module["imported_at"]
    assert f"{at['file']}:{at['line']}" in text
    assert module["parent"] in text
    assert data["side_effects"][module["side_effects"][0]]["detail"] in text
    assert f"{module['cumulative_ns'] / 1e6:.2f} ms" in text
    # The click zoomed the chart onto the module: its children fill the width.
    assert module["name"] in browser.find_element(By.ID, "crumbs").text
    # Its importer, from the details, is one click away.
    details.find_element(By.LINK_TEXT, module["parent"]).click()
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == module["parent"])
    # A row of the table selects too.
    row = browser.find_element(
        By.CSS_SELECTOR, f'#modules tbody tr[data-module="{data["modules"][0]["name"]}"]'
    )
    row.click()
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == "pkg0")
    assert console_errors(browser) == []


def test_the_search_filters_the_table_the_chart_and_the_side_effects(
    browser: Any, tmp_path: Path
) -> None:
    data = synthetic_trace(300)
    open_report(browser, data, tmp_path / "report.html")
    assert len(column(browser, 1)) == 200  # a first page of rows, then "Show more"
    more = browser.find_element(By.ID, "more")
    assert more.is_displayed()
    more.click()
    wait_for(browser, lambda: len(column(browser, 1)) == 300)
    assert not more.is_displayed()
    browser.find_element(By.ID, "search").send_keys("module_12")
    expected = sorted(m["name"] for m in data["modules"] if "module_12" in m["name"])
    wait_for(browser, lambda: sorted(column(browser, 1)) == expected)
    assert (
        f"{len(expected)} of 300 modules match" in browser.find_element(By.ID, "search-count").text
    )
    assert texts(browser, "#chart .node.dim")
    assert set(texts(browser, "#chart .node[data-module]:not(.dim)", "data-module")) <= set(
        expected
    )
    effects = column_effects(browser)
    assert effects
    assert all("module_12" in module for module in effects)
    browser.find_element(By.ID, "search").send_keys(Keys.BACKSPACE * len("module_12"))
    wait_for(browser, lambda: len(column(browser, 1)) == 200)
    assert console_errors(browser) == []


def column_effects(driver: Any) -> list[str]:
    return texts(driver, "#effects tbody tr td:nth-child(2)")


def test_the_table_sorts_by_the_clicked_column(browser: Any, tmp_path: Path) -> None:
    data = synthetic_trace(150)
    open_report(browser, data, tmp_path / "report.html")
    by_cumulative = sorted(data["modules"], key=lambda m: -m["cumulative_ns"])
    assert column(browser, 1)[:5] == [m["name"] for m in by_cumulative[:5]]
    header = browser.find_element(By.CSS_SELECTOR, '#modules th[data-key="name"]')
    header.click()
    wait_for(browser, lambda: header.get_attribute("aria-sort") == "ascending")
    assert column(browser, 1) == sorted(m["name"] for m in data["modules"])
    header.click()
    wait_for(browser, lambda: header.get_attribute("aria-sort") == "descending")
    assert column(browser, 1) == sorted((m["name"] for m in data["modules"]), reverse=True)
    own = browser.find_element(By.CSS_SELECTOR, '#modules th[data-key="self"]')
    own.click()
    wait_for(browser, lambda: own.get_attribute("aria-sort") == "descending")
    selfs = [float(t) for t in column(browser, 3)]
    assert selfs == sorted(selfs, reverse=True)
    assert header.get_attribute("aria-sort") is None
    assert console_errors(browser) == []


def test_2000_modules_stay_legible_and_an_importtime_log_renders(
    browser: Any, tmp_path: Path
) -> None:
    data = synthetic_trace(2000)
    open_report(browser, data, tmp_path / "big.html")
    nodes = browser.find_elements(By.CSS_SELECTOR, "#chart .node")
    folded = browser.find_elements(By.CSS_SELECTOR, "#chart .node.rest")
    assert 0 < len(nodes) < 2000  # the blocks too narrow to see are folded together
    assert folded
    assert len(column(browser, 1)) == 200
    folded[0].click()  # zooms in on the folded blocks' importer
    wait_for(browser, lambda: " \u203a " in browser.find_element(By.ID, "crumbs").text)
    browser.find_element(By.CSS_SELECTOR, 'input[value="package"]').click()
    wait_for(
        browser,
        lambda: browser.find_element(By.ID, "crumbs").text == "all packages",
    )
    packages = texts(browser, "#chart .node[data-depth='1']")
    assert any(t.startswith("pkg") for t in packages)
    assert console_errors(browser) == []

    log = "import time: self [us] | cumulative | imported package\n"
    log += "import time:  30 |  30 |   json.decoder\nimport time:  10 |  40 | json\n"
    open_report(browser, _report.from_importtime(log), tmp_path / "log.html")
    assert browser.find_element(By.CSS_SELECTOR, '#chart .node[data-module="json.decoder"]')
    assert "records no side effects" in browser.find_element(By.ID, "effects").text
    assert console_errors(browser) == []
