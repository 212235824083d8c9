"""The HTML reports (flowsim.report): structure, accessibility, self-containment and size,
read with the standard library's HTML parser; tests/test_report_browser.py opens them in
a browser.

Runs are small (the reference scenario's one member, the tiny scenario, a few Monte Carlo
members); the size test runs 50 Monte Carlo members, whose report's size does not grow
with the members (the figures and tables hold statistics over them).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

import flowsim
from flowsim.backtest import backtest, read_reported
from flowsim.cli import cli
from flowsim.compare import compare
from flowsim.outputs import MANIFEST
from flowsim.report import CSP, backtest_report, comparison_report, run_report
from flowsim.report_content import scenario_cites
from flowsim.scenario import CITE_KINDS, scenario_from_dict
from flowsim.shipped import data_file

from .conftest import SCENARIOS, tiny_doc
from .test_shipped_scenarios import _cites

MAX_BYTES = 5 * 1024 * 1024
"""A report must stay under 5 MB (issue 19)."""


@dataclass
class Table:
    caption: str = ""
    classes: str = ""
    column_headers: list[dict[str, str | None]] = field(default_factory=list)
    rows: list[list[dict[str, str | None]]] = field(default_factory=list)
    section: str = ""


@dataclass
class Figure:
    svgs: list[dict[str, str | None]] = field(default_factory=list)
    caption: str = ""
    title: str = ""


class Page(HTMLParser):
    """What the tests look at in a report: headings, figures, tables, sections, links,
    scripts and the meta tags."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.figures: list[Figure] = []
        self.tables: list[Table] = []
        self.sections: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.metas: list[dict[str, str | None]] = []
        self.facts: dict[str, str] = {}
        self._open: list[str] = []  # open sections' ids
        self._text: list[str] | None = None
        self._in: str | None = None
        self._term = ""
        self._in_svg = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.attributes += [(tag, k, v) for k, v in attrs]
        if tag == "svg":
            self._in_svg += 1
            if self.figures and self._in == "figure":
                self.figures[-1].svgs.append(a)
        if self._in_svg:
            return
        if tag == "section":
            self._open.append(a.get("id") or "")
            self.sections.append(a.get("id") or "")
        elif tag == "meta":
            self.metas.append(a)
        elif tag == "figure":
            self.figures.append(Figure())
            self._in = "figure"
        elif tag == "table":
            self.tables.append(Table(classes=a.get("class") or "", section=self._open[-1]))
        elif tag == "tr" and self._open_tag("tbody"):
            self.tables[-1].rows.append([])
        elif tag in ("th", "td"):
            if self._thead:
                self.tables[-1].column_headers.append({"tag": tag, **a})
            else:
                self.tables[-1].rows[-1].append({"tag": tag, **a})
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "dt", "dd"):
            self._text = []
        if tag in ("thead", "tbody"):
            self._thead = tag == "thead"
            self._body = tag

    _thead = False
    _body = ""

    def _open_tag(self, tag: str) -> bool:
        return self._body == tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, k, v) for k, v in attrs]
        if tag == "meta":
            self.metas.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_svg -= 1
            return
        if self._in_svg:
            return
        words = " ".join("".join(self._text or []).split())
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append((int(tag[1]), words))
        elif tag == "caption":
            self.tables[-1].caption = words
        elif tag == "figcaption":
            self.figures[-1].caption = words
        elif tag == "dt":
            self._term = words
        elif tag == "dd":
            self.facts[self._term] = words
        elif tag == "figure":
            self._in = None
        elif tag == "section":
            self._open.pop()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "dt", "dd"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._in_svg:
            self._text.append(data)

    def table_in(self, section: str) -> Table:
        """The first table of the section of id ``section``."""
        return next(t for t in self.tables if t.section == section)


def check_page(html: str) -> Page:
    """Everything every report must be: one h1 and no heading level skipped, each figure
    an inline SVG with role img, an aria-label, a <title> and a figcaption, each table
    sortable with a caption and column headers, nothing loaded from anywhere, the CSP."""
    page = Page(html)
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert all(text for _, text in page.headings)
    assert page.figures
    for figure in page.figures:
        (svg,) = figure.svgs[:1]
        assert svg.get("role") == "img"
        assert (svg.get("aria-label") or "").strip()
        assert figure.caption
    assert len(re.findall(r"<svg[^>]*>\s*<title>[^<]+</title>", html)) == len(page.figures)
    assert html.count("<svg") == len(page.figures)  # every svg in a figure
    assert page.tables
    for table in page.tables:
        assert "sortable" in table.classes.split()
        assert table.caption
        assert table.column_headers
        assert all(h["tag"] == "th" for h in table.column_headers)
        assert all(h.get("scope") == "col" for h in table.column_headers)
        assert table.rows
        assert all(len(r) == len(table.column_headers) for r in table.rows)
        for row in table.rows:
            assert row[0]["tag"] == "th"
            assert row[0].get("scope") == "row"
            for cell in row:
                value = cell.get("data-value")
                assert value is None or value == "" or float(value) == float(value)
    for tag, name, value in page.attributes:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base"), tag
        assert not (tag == "script" and name == "src")
        if name in ("src", "href", "xlink:href", "action", "srcset"):
            assert (value or "").startswith("#"), (tag, name, value)
    assert not re.search(r"https?://", html.split("<main>")[0])  # nothing in the head
    csp = [
        m for m in page.metas if (m.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert [m.get("content") for m in csp] == [CSP]
    assert "default-src 'none'" in CSP
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique in the page"
    return page


# --- a run ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_report(single: flowsim.Result) -> tuple[str, flowsim.Result]:
    """The report of the reference scenario (one member, priced)."""
    return run_report(single, single.scenario, run_seconds=1.5), single


def test_run_report_is_accessible_and_self_contained(
    reference_report: tuple[str, flowsim.Result],
) -> None:
    html, result = reference_report
    page = check_page(html)
    assert page.headings[0] == (1, "Scenario reference")
    assert result.scenario.description.split()[0] in html  # the question it answers
    sections = set(page.sections)
    for wanted in ("headline", "deliveries", "annual", "security", "assumptions", "provenance"):
        assert wanted in sections
    assert "value" in sections  # priced: trade value figures and table
    captions = [t.caption for t in page.tables]
    assert any(c.startswith("Trade value by exporter") for c in captions)
    assert any("security of supply" in c for c in captions)
    assert html.count("<figure>") == 10  # 3 volume figures x 2 commodities, 2 value x 2


def test_tables_sort_by_raw_numbers(reference_report: tuple[str, flowsim.Result]) -> None:
    """Numeric cells carry the unrounded number (what the script sorts by), right-aligned;
    the year heads each row."""
    html, result = reference_report
    table = Page(html).table_in("annual-gas")
    first = table.rows[0]
    assert first[0]["tag"] == "th"
    assert first[0]["data-value"] == "2015.0"
    a = result.annual
    routes = [r for r in a.route.values if a.route_commodity.sel(route=r) == "gas"]
    expected = [float(a.delivered.isel(member=0).sel(year=2015, route=r)) for r in routes]
    assert [float(c["data-value"] or "nan") for c in first[1:-1]] == expected
    assert all(c.get("class") == "num" for c in first[1:])


def test_provenance_shows_the_run(reference_report: tuple[str, flowsim.Result]) -> None:
    html, result = reference_report
    facts = Page(html).facts
    attrs = result.annual.attrs
    assert facts["Seed"] == str(attrs["seed"])
    assert facts["Members"] == "1"
    assert facts["Engine"] == attrs["engine"]
    assert facts["Scenario digest (SHA-256)"] == attrs["scenario_digest"]
    assert facts["flowsim version"] == attrs["flowsim_version"]
    assert facts["Run time"] == "1.5 s"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", facts["Report written"])


def test_assumptions_list_every_cite_by_kind(reference_report: tuple[str, flowsim.Result]) -> None:
    """Each kind's table holds as many rows as the scenario has cites of that kind, each
    with the key path of its figure."""
    html, result = reference_report
    page = Page(html)
    cites = _cites(result.scenario)
    expected = Counter(c.partition(":")[0].strip() for c in cites)
    found = {
        kind: len(page.table_in(f"cites-{kind}").rows)
        for kind in CITE_KINDS
        if f"cites-{kind}" in page.sections
    }
    assert found == dict(expected)
    assert sum(found.values()) == len(cites) == len(scenario_cites(result.scenario))
    headings = [text for level, text in page.headings if level == 3 and "(" in text]
    assert f"Agreement ({expected['agreement']})" in headings
    paths = {c.path for c in scenario_cites(result.scenario)}
    assert "routes.power_of_siberia.capacity[0]" in paths


def test_an_unpriced_run_has_no_value_section(tiny_result: flowsim.Result) -> None:
    page = check_page(run_report(tiny_result, tiny_result.scenario))
    assert "value" not in page.sections
    assert not any("Trade value" in t.caption for t in page.tables)
    assert page.facts["Run time"] == "not recorded"


def test_an_ensemble_report_has_fans_and_stays_small(
    shipped_run: Callable[[str, int], flowsim.Result],
) -> None:
    """50 Monte Carlo members: each commodity's fan chart, no per-route fans, medians in the
    tables, the seed and members in the provenance, and far below 5 MB (the figures and
    tables hold statistics over members: 1,000 members make a report of the same size,
    1.2 MB)."""
    result = shipped_run("monte_carlo", 50)
    html = run_report(result, result.scenario)
    page = check_page(html)
    size = len(html.encode())
    assert size < MAX_BYTES / 2, size
    fans = [
        f for f in page.figures if f.caption.endswith("P10-P90 over 50 members and the median.")
    ]
    assert len(fans) == 2
    assert page.facts["Members"] == "50"
    assert page.facts["Seed"] == "1"
    assert "P(shortfall)" in html


# --- the command line ---------------------------------------------------------------


def cli_run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _without_times(html: str) -> str:
    """A report without the lines that differ from one writing to the next."""
    return re.sub(r"<dt>(Run time|Report written)</dt><dd>[^<]*</dd>", "", html)


def test_flowsim_report_reproduces_the_report_of_a_run_folder(
    write_toml: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """`flowsim run --report` writes report.html (listed in the manifest); `flowsim report`
    writes the same from the folder; a later run without --report removes it."""
    scenario = write_toml("tiny.toml", tomli_w.dumps(tiny_doc()))
    out = tmp_path / "out"
    args = ("run", str(scenario), "--members", "3", "--engine", "numpy", "--no-figures")
    said = cli_run(*args, "--report", "--out", str(out))
    assert "report.html" in said
    first = (out / "report.html").read_text(encoding="utf-8")
    assert "report.html" in (out / MANIFEST).read_text().split()
    assert re.search(r"<dt>Run time</dt><dd>[0-9.,]+ s</dd>", first)
    (out / "report.html").unlink()
    said = cli_run("report", str(out))
    assert str(out / "report.html") in said
    again = (out / "report.html").read_text(encoding="utf-8")
    assert _without_times(again) == _without_times(first)
    check_page(again)
    cli_run(*args, "--out", str(out))
    assert not (out / "report.html").exists()
    cli_run("report", str(out))  # a folder's manifest lists a report written later too
    assert "report.html" in (out / MANIFEST).read_text().split()


def test_flowsim_report_needs_a_run_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code != 0
    assert "no results.nc" in result.stderr
    assert not (tmp_path / "report.html").exists()


def _tiny_pair(write_toml: Callable[[str, str], Path]) -> tuple[Path, Path]:
    doc = tiny_doc()
    first = write_toml("a.toml", tomli_w.dumps(doc))
    doc["name"] = "wider"
    doc["routes"]["pipe"]["capacity"][0]["value"] = 45.0
    return first, write_toml("b.toml", tomli_w.dumps(doc))


def test_compare_report_has_its_sections(
    write_toml: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """`flowsim compare A B --report` writes report.html: the results, what differs, the
    figures, the side-by-side and member-by-member tables; without --report a later
    comparison into the folder removes it."""
    a, b = _tiny_pair(write_toml)
    out = tmp_path / "compare"
    said = cli_run("compare", str(a), str(b), "--members", "3", "--report", "--out", str(out))
    assert "report.html" in said
    html = (out / "report.html").read_text(encoding="utf-8")
    page = check_page(html)
    for wanted in ("scenarios", "differences", "comparison-figures", "side-by-side", "paired"):
        assert wanted in page.sections
    differs = page.table_in("differences-B")
    paths = [row[0] for row in differs.rows]
    assert len(paths) == 2  # the name and the capacity
    assert "routes.pipe.capacity[0].value" in html
    assert page.headings[0] == (1, "tiny vs wider")
    cli_run("compare", str(a), str(b), "--members", "3", "--out", str(out))
    assert not (out / "report.html").exists()


def test_comparison_report_of_priced_results(single: flowsim.Result) -> None:
    """Results with prices also set trade value by exporter side by side."""
    other = flowsim.run(SCENARIOS / "kazakh_transit_halt.toml")
    page = check_page(comparison_report(compare(single, other)))
    assert "side-trade_value" in page.sections
    assert "paired" not in page.sections  # one member each: nothing to pair


def test_backtest_report_has_its_sections(tmp_path: Path) -> None:
    """`flowsim backtest --report`: scores, a figure per series, every reported figure,
    the assumptions and the provenance."""
    out = tmp_path / "backtest"
    said = cli_run("backtest", "--report", "--no-figures", "--out", str(out))
    assert "report.html" in said
    page = check_page((out / "report.html").read_text(encoding="utf-8"))
    for wanted in ("scores", "series", "figures", "assumptions", "provenance"):
        assert wanted in page.sections
    scores = page.table_in("scores")
    series = [p for p in page.sections if p.startswith("series-")]
    assert len(series) == len(scores.rows) == len(page.figures)
    assert "calibration" not in page.sections  # one member


def test_an_ensemble_backtest_report_has_its_calibration_curve() -> None:
    scenario = flowsim.load_scenario(f"{SCENARIOS / 'historical.toml'}#ensemble")
    result = flowsim.run(scenario, members=8, seed=2)
    routes = {rid: route.commodity for rid, route in result.scenario.routes.items()}
    check = backtest(result, read_reported(data_file("reported_flows.csv"), routes))
    page = check_page(backtest_report(check, result))
    assert "calibration" in page.sections
    assert any(f.caption.startswith("Calibration of") for f in page.figures)
    assert page.facts["Members"] == "8"


def test_the_svg_of_a_figure_is_text_and_scales(tiny_result: flowsim.Result) -> None:
    """Text stays text (searchable, small), ids are unique to each figure and nothing
    refers outside the page."""
    html = run_report(tiny_result, scenario_from_dict(tiny_doc()))
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert svgs
    assert all("<text" in s for s in svgs)
    assert all("viewBox=" in s for s in svgs)
    assert not any("<metadata" in s or "xmlns" in s for s in svgs)
    assert "Pipe" in html  # the legend's route name, as text
