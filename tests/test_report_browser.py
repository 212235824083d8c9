"""The HTML reports in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium through the Debian driver, which downloads
nothing).

Each report (a run, a comparison, a back-test) is written by the command line, opened
from its file with the network cut off, and checked: no console error, no request but
the file itself, every figure drawn with a size, a table that sorts when its header is
clicked, and a screenshot that is not blank. ``.ci/run`` installs the browser and sets
``FLOWSIM_REQUIRE_BROWSER``, so there (or with ``CI`` set) a missing browser fails the
tests; elsewhere they are skipped with the command that installs it. With
``FLOWSIM_SCREENSHOTS=DIR`` the screenshots are kept in DIR (the README's is made so).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MAX_BYTES = 5 * 1024 * 1024
"""A report must stay under 5 MB (issue 19)."""

if not (CHROMIUM and DRIVER):
    if os.environ.get("FLOWSIM_REQUIRE_BROWSER") or os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium and chromium-driver (.ci/run installs them)")
    pytest.skip(
        "no headless Chromium here: apt-get install chromium chromium-driver",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")  # the driver's sockets


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """report.html of a Monte Carlo run (50 members: a report's size does not grow with
    the members, whose medians and bands it draws), a comparison and a back-test, each
    written as the command line writes it (tests/test_report.py runs the commands)."""
    import flowsim
    from flowsim.backtest import backtest, read_reported
    from flowsim.compare import compare
    from flowsim.outputs import write_report
    from flowsim.report import backtest_report, comparison_report, run_report

    out = tmp_path_factory.mktemp("reports")
    scenario = flowsim.load_scenario(ROOT / "scenarios" / "monte_carlo.toml")
    run = run_report(flowsim.run(scenario, members=50), scenario)
    pair = [str(ROOT / "scenarios" / f"pos2_50bcm.toml{v}") for v in ("#never", "")]
    paired = comparison_report(compare(*pair, members=20))
    history = flowsim.run(ROOT / "scenarios" / "historical.toml")
    check = backtest(history, read_reported(ROOT / "data" / "reported_flows.csv"))
    pages = {"run": run, "compare": paired, "backtest": backtest_report(check, history)}
    return {kind: write_report(out / kind, html) for kind, html in pages.items()}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium with the network cut off (every host unresolvable), logging
    the console and the network events."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1600",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no name resolves
        "--allow-file-access-from-files",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def opened(browser: Any, page: Path) -> list[dict[str, Any]]:
    """Open ``page`` from its file and return the network events of loading it."""
    browser.get_log("performance")  # drop what came before
    browser.get_log("browser")
    browser.get(page.as_uri())
    events = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    return [e for e in events if e["method"] == "Network.requestWillBeSent"]


KINDS = ("run", "compare", "backtest")


@pytest.mark.parametrize("kind", KINDS)
def test_the_report_loads_offline_with_no_console_error_and_no_request(
    browser: Any, reports: dict[str, Path], kind: str
) -> None:
    page = reports[kind]
    assert page.stat().st_size < MAX_BYTES, page.stat().st_size
    requests = [e["params"]["request"]["url"] for e in opened(browser, page)]
    assert requests == [page.as_uri()]  # the file itself, nothing else
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert browser.execute_script("return document.readyState") == "complete"


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_renders_with_a_size(
    browser: Any, reports: dict[str, Path], kind: str
) -> None:
    opened(browser, reports[kind])
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('figure svg')].map(s => {"
        " const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert sizes, "no figure"
    assert all(w > 100 and h > 50 for w, h in sizes), sizes
    labels = browser.execute_script(
        "return [...document.querySelectorAll('figure svg')].map(s => s.getAttribute('aria-label'))"
    )
    assert all(labels), labels


def _column(table: Any, child: int) -> list[float]:
    """The numbers of the ``child``-th cell (1-based, row headers counted) of each row."""
    cells = table.find_elements(By.CSS_SELECTOR, f"tbody tr > :nth-child({child})")
    assert cells
    return [float(c.get_attribute("data-value")) for c in cells]


@pytest.mark.parametrize("kind", KINDS)
def test_a_table_sorts_when_its_header_is_clicked(
    browser: Any, reports: dict[str, Path], kind: str
) -> None:
    """The first numeric column of the first sortable table: one click sorts it
    ascending, the next descending, and the header says so (aria-sort)."""
    opened(browser, reports[kind])
    table = browser.find_element(By.CSS_SELECTOR, "table.sortable")
    headers = table.find_elements(By.CSS_SELECTOR, "thead th")
    first_row = table.find_elements(By.CSS_SELECTOR, "tbody tr")[0]
    cells = first_row.find_elements(By.TAG_NAME, "td")
    numeric = next(
        i for i, cell in enumerate(cells)
        if _is_number(cell.get_attribute("data-value"))
    )  # fmt: skip
    offset = len(headers) - len(cells)  # a row header (th) before the cells
    header = headers[numeric + offset]
    child = numeric + offset + 1  # nth-child counts the row header
    header.click()
    ascending = _column(table, child)
    assert ascending == sorted(ascending)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    descending = _column(table, child)
    assert descending == sorted(descending, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"


def _is_number(text: str | None) -> bool:
    try:
        float(text or "")
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_a_screenshot_is_not_blank(browser: Any, reports: dict[str, Path], kind: str) -> None:
    """The page as drawn: many shades, mostly light (a dark-on-light page), not one
    colour."""
    from PIL import Image

    opened(browser, reports[kind])
    png = browser.get_screenshot_as_png()
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    shades = sum(1 for count in histogram if count)
    assert shades > 32, shades
    assert max(histogram) < 0.97 * image.width * image.height  # not one colour
    keep = os.environ.get("FLOWSIM_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        Path(keep, f"report_{kind}.png").write_bytes(png)
