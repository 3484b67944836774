"""The import graph's HTML page in a real headless Chromium (Debian's chromium and
chromium-driver, through selenium, as tests/test_report_browser.py): packages drawn, a click
expands one into its modules, the side panel names each import's file:line, the search marks
nodes, and the page logs no error and fetches nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import importcraft
from importcraft.inspect._graph_html import write_graph_html

from .test_graph import APP, write

# One Chromium per module, as the report's tests start it (that module skips without Chromium).
from .test_report_browser import browser

__all__ = ["browser"]  # the fixture, used by name

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")

# A second package beside test_graph's app, importing it, with a deferred import of it too.
LIB = {
    "lib/__init__.py": "from app import core\n",
    "lib/tools.py": "import app.cli\n\ndef later():\n    from app.sub import helpers\n",
    "lib/deep/__init__.py": "",
    "lib/deep/inner.py": "from .. import tools\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "src", {**APP, **LIB})


def open_graph(driver: Any, project: Path, page: Path) -> importcraft.ImportGraph:
    """Write the graph page of app and lib to ``page``, load it from file:// and wait."""
    graph = importcraft.import_graph(["app", "lib"], path=[str(project)])
    write_graph_html(graph, page)
    driver.get(page.as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    )
    return graph


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_for(driver: Any, condition: Any) -> Any:
    return WebDriverWait(driver, 10).until(lambda d: condition())


def shown(driver: Any) -> set[str]:
    """The nodes drawn, by name."""
    found: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll('#nodes .node'),"
        " e => e.getAttribute('data-id'))"
    )
    return set(found)


def classes(driver: Any, node: str) -> set[str]:
    found: str = driver.execute_script(
        "const e = document.querySelector(`#nodes .node[data-id='${arguments[0]}']`);"
        " return e ? e.getAttribute('class') : '';",
        node,
    )
    return set(found.split())


def node(driver: Any, name: str) -> Any:
    return driver.find_element(By.CSS_SELECTOR, f'#nodes .node[data-id="{name}"] > rect')


def test_packages_are_drawn_and_a_click_expands_one_into_its_modules(
    browser: Any, project: Path, tmp_path: Path
) -> None:
    open_graph(browser, project, tmp_path / "graph.html")
    assert shown(browser) == {"app", "lib", "json", "os", "typing", "ujson"}
    assert "package" in classes(browser, "app")
    assert "external" in classes(browser, "json")
    # lib imports app: one edge between the packages, import-time, so drawn solid.
    edge = browser.find_element(By.CSS_SELECTOR, '#edges .edge[data-from="lib"][data-to="app"]')
    assert edge.get_attribute("data-kind") == "module"
    assert "deferred" not in edge.get_attribute("class")
    assert "11 modules, 4 external, 16 edges" in browser.find_element(By.ID, "summary").text

    node(browser, "app").click()
    wait_for(browser, lambda: "app.core" in shown(browser))
    assert shown(browser) == {
        "app", "app.core", "app.cli", "app.sub", "lib", "json", "os", "typing", "ujson",
    }  # fmt: skip
    assert "expanded" in classes(browser, "app")
    # app.core's edge to app.cli is type_checking at best: deferred, dashed.
    deferred = browser.find_element(
        By.CSS_SELECTOR, '#edges .edge[data-from="app.core"][data-to="app.cli"]'
    )
    assert "deferred" in deferred.get_attribute("class")
    assert deferred.value_of_css_property("stroke-dasharray") not in ("none", "")
    # A package inside expands too, and the boxes do not overlap.
    node(browser, "app.sub").click()
    wait_for(browser, lambda: "app.sub.helpers" in shown(browser))
    boxes = browser.execute_script(
        "return Array.from(document.querySelectorAll('#nodes .node > rect'), e => {"
        " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });"
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # The minus sign on an expanded package folds it back, with what is inside it.
    browser.find_element(By.ID, "fit").click()
    browser.find_element(By.CSS_SELECTOR, '#nodes .node[data-id="app"] .toggle rect').click()
    wait_for(browser, lambda: "app.core" not in shown(browser))
    assert shown(browser) == {"app", "lib", "json", "os", "typing", "ujson"}
    assert console_errors(browser) == []


def test_the_side_panel_lists_imports_and_importers_with_file_and_line(
    browser: Any, project: Path, tmp_path: Path
) -> None:
    open_graph(browser, project, tmp_path / "graph.html")
    node(browser, "app").click()
    wait_for(browser, lambda: "app.core" in shown(browser))
    node(browser, "app.core").click()
    details = browser.find_element(By.ID, "details")
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == "app.core")
    core = project / "app" / "core.py"
    imports = details.find_element(By.CSS_SELECTOR, "ul.imports").text
    assert f"{core}:4" in imports  # from app.sub import helpers, VALUE
    assert "app.sub.helpers" in imports
    assert f"{core}:14" in imports  # from .cli import main, inside run()
    assert "from .cli import main" in imports
    importers = details.find_element(By.CSS_SELECTOR, "ul.importers").text
    assert f"{project / 'app' / 'cli.py'}:1" in importers
    assert f"{project / 'lib' / '__init__.py'}:1" in importers
    # The selected node's edges stand out.
    assert "sel" in classes(browser, "app.core")
    assert browser.find_elements(By.CSS_SELECTOR, '#edges .edge.hl[data-from="app.core"]')
    # A folded package lists what its modules import from outside it, line by line.
    node(browser, "lib").click()
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == "lib")
    wait_for(browser, lambda: "lib.tools" in shown(browser))
    # An importer in the panel is one click away, expanding what hides it.
    node(browser, "app.cli").click()
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == "app.cli")
    assert f"{project / 'lib' / 'tools.py'}:1" in details.text
    details.find_element(By.CSS_SELECTOR, 'ul.importers a[data-module="lib.tools"]').click()
    wait_for(browser, lambda: details.find_element(By.TAG_NAME, "h3").text == "lib.tools")
    assert f"{project / 'lib' / 'tools.py'}:4" in details.text  # the deferred one, in later()
    assert console_errors(browser) == []


def test_the_search_marks_nodes_and_enter_shows_the_first_match(
    browser: Any, project: Path, tmp_path: Path
) -> None:
    open_graph(browser, project, tmp_path / "graph.html")
    search = browser.find_element(By.ID, "search")
    search.send_keys("json")
    wait_for(browser, lambda: "match" in classes(browser, "json"))
    assert "dim" in classes(browser, "lib")
    assert "2 of 15 modules match" in browser.find_element(By.ID, "search-count").text
    search.clear()
    search.send_keys("helpers")
    # Hidden inside the folded app: app is marked as holding it.
    wait_for(browser, lambda: "inside" in classes(browser, "app"))
    search.send_keys(Keys.ENTER)
    wait_for(browser, lambda: "app.sub.helpers" in shown(browser))
    assert "match" in classes(browser, "app.sub.helpers")
    assert "sel" in classes(browser, "app.sub.helpers")
    assert browser.find_element(By.CSS_SELECTOR, "#details h3").text == "app.sub.helpers"
    assert console_errors(browser) == []


def test_wheel_zooms_drag_pans_and_nothing_is_fetched(
    browser: Any, project: Path, tmp_path: Path
) -> None:
    open_graph(browser, project, tmp_path / "graph.html")
    viewport = browser.find_element(By.ID, "viewport")
    before = viewport.get_attribute("transform")
    browser.execute_script(
        "const s = document.getElementById('graph'), r = s.getBoundingClientRect();"
        " s.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, clientX: r.left + 100,"
        " clientY: r.top + 100, bubbles: true, cancelable: true}));"
    )
    zoomed = viewport.get_attribute("transform")
    assert zoomed != before
    assert float(zoomed.split("scale(")[1].rstrip(")")) > float(
        before.split("scale(")[1].rstrip(")")
    )
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.find_element(By.ID, "graph")
    ActionChains(browser).move_to_element_with_offset(
        canvas, -200, 200
    ).click_and_hold().move_by_offset(60, 40).release().perform()
    assert viewport.get_attribute("transform") != zoomed
    # A file:// page that loaded no resource of any kind: no script, style, font or image.
    assert browser.execute_script("return location.protocol") == "file:"
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert console_errors(browser) == []


def test_a_layer_of_many_leaves_wraps_into_rows(browser: Any, tmp_path: Path) -> None:
    names = [f"ext{i:02}" for i in range(60)]
    write(tmp_path / "src", {"wide.py": "".join(f"import {n}\n" for n in names)})
    graph = importcraft.import_graph(["wide"], path=[str(tmp_path / "src")])
    write_graph_html(graph, tmp_path / "wide.html")
    browser.get((tmp_path / "wide.html").as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    )
    assert shown(browser) == {"wide", *names}
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('#nodes .node.external'),"
        " e => e.getAttribute('transform').split(',')[1])"
    )
    # 24 boxes a row at most: the 60 names take 3 rows, not one 60 boxes wide.
    assert len(set(rows)) == 3
    assert console_errors(browser) == []
