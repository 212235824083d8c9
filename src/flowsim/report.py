"""Self-contained HTML reports of a run, a comparison and a back-test.

One file each, everything inline: the figures as SVG (text kept as text, so it
stays small and searchable), the style sheet and a few lines of script that sort
the tables. A Content-Security-Policy forbids loading anything else. The HTML
comes from the Jinja templates in ``flowsim/templates`` (autoescaped); what the
reports say is assembled in :mod:`flowsim.report_content`.

Figures are the ones ``flowsim run``, ``compare`` and ``backtest`` write as files,
without the per-route fan charts: an ensemble's report has each commodity's fan only.
Figures and tables hold statistics over members, so a report's size does not grow with
them (the 1,000-member ``monte_carlo.toml`` run's is about 1.2 MB, the limit 5 MB).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import matplotlib

from flowsim import plots, plots_value
from flowsim.compare import diff
from flowsim.errors import FlowsimError
from flowsim.labels import display_name
from flowsim.outputs import REPORT, write_report
from flowsim.report_content import (
    Facts,
    Figure,
    Section,
    Table,
    annual_sections,
    assumptions,
    backtest_tables,
    comparison_sections,
    headline,
    number,
    text,
    value_table,
)
from flowsim.results import open_result
from flowsim.variables import ANNUAL_UNITS, MONEY_UNIT
from flowsim.version import VERSION

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

    from flowsim.backtest import Backtest
    from flowsim.compare import Comparison
    from flowsim.results import Result
    from flowsim.scenario import Scenario

__all__ = [
    "CSP",
    "REPORT",
    "backtest_report",
    "comparison_report",
    "folder_report",
    "run_report",
    "write_report",
]

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""The reports' Content-Security-Policy: nothing is loaded from anywhere."""

_URL = re.compile(r"url\(#([^)]+)\)")
_NUMBER = re.compile(r"-?\d+\.\d+")


def _rounded(match: re.Match[str]) -> str:
    """A coordinate of a path to 0.01 pt (a hundredth of a point is below any screen's or
    printer's resolution; matplotlib writes six decimals)."""
    shown = f"{float(match.group()):.2f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


@functools.cache
def _environment() -> jinja2.Environment:
    """The Jinja environment of the templates shipped in ``flowsim.templates``."""
    folder = resources.files("flowsim.templates")

    def load(name: str) -> str | None:
        try:
            return folder.joinpath(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render(kind: str, title: str, lead: list[str], sections: list[Section]) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        kind=kind, title=title, lead=lead, sections=sections, version=VERSION, csp=CSP
    )


def svg(fig: MplFigure, alt: str, prefix: str) -> str:
    """``fig`` as inline SVG markup: text as text, ``role="img"``, ``aria-label`` and
    ``<title>`` set to ``alt`` (the style sheet scales it to the page), element ids
    prefixed with ``prefix`` (unique in the page) and unreferenced ones dropped."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        fig.savefig(buffer, format="svg", metadata=dict.fromkeys(("Date", "Creator", "Format")))
    source = buffer.getvalue()
    used = set(_URL.findall(source)) | set(re.findall(r'href="#([^"]+)"', source))
    root = ET.fromstring(source)
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
        for name, value in list(element.attrib.items()):
            del element.attrib[name]
            local = name.rpartition("}")[2]
            if local == "id" and value not in used:
                continue
            if local == "id" or (local == "href" and value.startswith("#")):
                value = f"{'#' if local == 'href' else ''}{prefix}-{value.lstrip('#')}"
            elif local == "d":
                value = _NUMBER.sub(_rounded, " ".join(value.split()))
            element.set(local, _URL.sub(rf"url(#{prefix}-\1)", value))
        if element.tag not in ("text", "style", "title", "tspan"):
            element.text = None
        element.tail = None
    for child in [c for c in root if c.tag == "metadata"]:
        root.remove(child)
    root.attrib.pop("version", None)  # width and height stay: they give the aspect ratio
    root.set("role", "img")
    root.set("aria-label", alt)
    title = ET.Element("title")
    title.text = alt
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")  # the template marks it safe


class _Drawer:
    """Adds matplotlib figures to report sections, each figure with ids of its own."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, section: Section, fig: MplFigure, caption: str, alt: str) -> None:
        self.count += 1
        section.items.append(Figure(svg(fig, alt, f"f{self.count}"), alt, caption))


def _paragraphs(description: str) -> list[str]:
    """A scenario description's paragraphs (blank lines apart), each on one line."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", description) if p.strip()]


def _span(result: Result) -> str:
    years = result.annual.year.values
    return f"{int(years[0])}-{int(years[-1])}"


RUN_FIGURES = {
    "deliveries": (
        "{C} deliveries to China by route, {unit}{median}.",
        "Stacked area chart of {c} deliveries to China by route, {span}, in {unit}{median}"
        "{demand}. Routes, bottom to top: {routes}. The table '{C} delivered to China by "
        "route' holds the values.",
    ),
    "fan": (
        "{C} imports through all routes: P10-P90 over {members} members and the median.",
        "Fan chart of {c} deliveries to China through all routes, {span}, in {unit}: a grey "
        "band from the 10th to the 90th percentile over {members} members and a black line at "
        "the median; open circles mark years where the members split into separate groups.",
    ),
    "share_of_demand": (
        "Share of China's {c} import demand met by each route{median}.",
        "Line chart of the share of China's {c} import demand met by each route, {span}, in "
        "percent{median}; one line per route: {routes}.",
    ),
    "capacity_vs_delivered": (
        "{C} routes: capacity (dashed) and deliveries (solid).",
        "Small multiples, one panel per {c} route ({routes}), {span}, in {unit}: nominal "
        "capacity as a dashed line and deliveries as a solid line{median}; where they meet "
        "the route runs full.",
    ),
    "value_by_route": (
        "Trade value of {c} deliveries to China by route{median}.",
        "Stacked area chart of the trade value of {c} deliveries to China by route, {span}, "
        "in {money} of the day{median}. Priced routes: {routes}.",
    ),
    "price_fan": (
        "{C} contract prices by route{band}.",
        "Line chart of the {c} contract price of each priced route, {span}{band}; routes "
        "priced alike share a line. Priced routes: {routes}.",
    ),
}
"""Caption and alt text of each figure of a run, filled in per commodity."""


def _run_figures(result: Result, draw: _Drawer, value: bool = False) -> Section:
    """Each commodity's figures: deliveries by route, the fan (ensembles), share of demand
    and capacity against deliveries; with ``value``, trade value by route and contract
    prices of each commodity with a price, and the value by exporter in every year."""
    a = result.annual
    members = a.sizes["member"]
    section = Section("value", "Trade value") if value else Section("deliveries", "Deliveries")
    for commodity in (str(c) for c in a.commodity.values):
        routes = (plots_value.priced_routes if value else plots.routes_of)(result, commodity)
        has_demand = not bool(a.demand.sel(commodity=commodity).isnull().all())
        names: list[tuple[str, MplFigure]] = []
        if value and routes:
            names += [("value_by_route", plots_value.value_by_route(result, commodity))]
            names += [("price_fan", plots_value.price_fan(result, commodity))]
        elif not value:
            names += [("deliveries", plots.deliveries(result, commodity))]
            if members > 1:
                names += [("fan", plots.fan(result, commodity=commodity))]
            if has_demand:
                names += [("share_of_demand", plots.share_of_demand(result, commodity))]
            names += [("capacity_vs_delivered", plots.capacity_vs_delivered(result, commodity))]
        words = {
            "c": commodity,
            "C": commodity.capitalize(),
            "unit": ANNUAL_UNITS[commodity],
            "span": _span(result),
            "members": members,
            "median": f"; the median of {members} members" if members > 1 else "",
            "band": f": the median and the P10-P90 band over {members} members"
            if members > 1
            else "",
            "routes": ", ".join(display_name(r) for r in routes),
            "demand": ", with import demand as a dashed line" if has_demand else "",
            "money": MONEY_UNIT,
        }
        part = Section(f"{section.id}-{commodity}", commodity.capitalize())
        for name, fig in names:
            caption, alt = RUN_FIGURES[name]
            draw(part, fig, caption.format(**words), alt.format(**words))
        if names:
            section.parts.append(part)
    if value:
        section.text.append(
            "Each month's deliveries at the month's contract price at China's border, in "
            f"{MONEY_UNIT} of the day."
        )
        section.parts.append(Section("value-exporters", "By exporter", items=[value_table(result)]))
    return section


def run_report(result: Result, scenario: Scenario, *, run_seconds: float | None = None) -> str:
    """The HTML report of a run: the scenario's question, headline numbers, figures,
    annual tables, security of supply, trade value (when priced), the cited assumptions
    and the provenance. ``run_seconds``: the run's wall time, where known."""
    a = result.annual
    members = a.sizes["member"]
    draw = _Drawer()
    is_priced = result.priced
    sections = [
        headline(result, is_priced),
        _run_figures(result, draw),
        *annual_sections(result),
        *([_run_figures(result, draw, value=True)] if is_priced else []),
        assumptions(scenario),
        Section("provenance", "Provenance", items=[Facts(provenance(result, run_seconds))]),
    ]
    run = f"{members:,} members, seed {a.attrs.get('seed')}" if members > 1 else "one member"
    lead = [
        *_paragraphs(scenario.description),
        f"Simulated {_span(result)}, {a.sizes['route']} routes, {run}, "
        f"{a.attrs.get('engine')} engine.",
    ]
    return _render("Run report", f"Scenario {scenario.name}", lead, sections)


def folder_report(folder: str | os.PathLike[str]) -> str:
    """The report of a run folder written by ``flowsim run`` (its ``results.nc``; the
    scenario is the one the results hold, as in its ``scenario.toml``)."""
    path = Path(folder) / "results.nc"
    if not path.is_file():
        raise FlowsimError(
            f"{folder}: no results.nc (a folder written by flowsim run, with --format nc)"
        )
    result = open_result(path)
    return run_report(result, result.scenario)


def comparison_report(comparison: Comparison) -> str:
    """The HTML report of a comparison: the results compared, how their scenarios differ,
    overlay and difference figures, the side-by-side table and the member-by-member one."""
    names = comparison.names
    letters = [chr(ord("A") + i) for i in range(len(names))]
    draw = _Drawer()
    figures = Section("comparison-figures", "Figures")
    for commodity in (str(c) for c in comparison.results[0].annual.commodity.values):
        part = Section(f"comparison-{commodity}", commodity.capitalize())
        unit = ANNUAL_UNITS[commodity]
        draw(
            part,
            comparison.overlay(commodity),
            f"{commodity.capitalize()} delivered to China through all routes, each result.",
            f"Line chart of total {commodity} deliveries to China, {unit}, one line per "
            f"result: {', '.join(names)}.",
        )
        draw(
            part,
            comparison.difference(commodity),
            f"Each result's {commodity} deliveries by route minus {names[0]}'s.",
            f"Line charts, one panel per result other than {names[0]}: the difference of "
            f"each {commodity} route's deliveries from {names[0]}, {unit}, per year.",
        )
        figures.parts.append(part)
    if comparison.paired is not None:
        figures.parts.append(_paired_figures(comparison, draw))
    provenance_section = Section("provenance", "Provenance")
    for letter, name, result in zip(letters, names, comparison.results, strict=True):
        part = Section(f"provenance-{letter}", name, items=[Facts(provenance(result))])
        provenance_section.parts.append(part)
    sections = [
        *compared_sections(comparison),
        figures,
        *comparison_sections(comparison),
        provenance_section,
    ]
    legend = "; ".join(f"{x} = {n}" for x, n in zip(letters, names, strict=True))
    lead = [f"{legend}. Differences are B - A."]
    return _render("Comparison report", " vs ".join(names), lead, sections)


def provenance(result: Result, run_seconds: float | None = None) -> list[tuple[str, str]]:
    """The run's provenance from the result's attributes, and when the report was written."""
    a = result.annual.attrs
    members = result.annual.sizes["member"]
    items = [
        ("Scenario", str(a.get("scenario_name", "?"))),
        ("Scenario digest (SHA-256)", str(a.get("scenario_digest", "not recorded"))),
        ("flowsim version", str(a.get("flowsim_version", "?"))),
        ("Engine", str(a.get("engine", "?"))),
        ("Members", f"{members:,}"),
        ("Seed", str(a.get("seed", "?"))),
    ]
    for key, label in (("sampling", "Sampling"), ("given", "Members given")):
        if a.get(key):
            items.append((label, str(a[key])))
    items.append(("Run time", "not recorded" if run_seconds is None else f"{run_seconds:,.1f} s"))
    return [*items, ("Report written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))]


def compared_sections(comparison: Comparison) -> list[Section]:
    """The results compared (with their scenarios' descriptions) and, for each later one,
    the parameters its scenario sets differently from the first's."""
    names, results = comparison.names, comparison.results
    letters = [chr(ord("A") + i) for i in range(len(names))]
    scenarios = [r.scenario for r in results]
    compared = Section("scenarios", "Results compared")
    compared.text += [f"Note: {note}." for note in comparison.notes]
    rows = [
        [
            text(f"{letter}: {name}"),
            number(result.annual.sizes["member"], ",.0f"),
            number(result.annual.attrs.get("seed", math.nan), ".0f"),
            text(_span(result)),
            text(result.annual.attrs.get("engine")),
            text(str(result.annual.attrs.get("scenario_digest", ""))[:12]),
        ]
        for letter, name, result in zip(letters, names, results, strict=True)
    ]
    columns = ["Result", "Members", "Seed", "Years", "Engine", "Digest"]
    compared.items.append(Table("The results compared (A is the baseline)", columns, rows))
    for letter, name, scenario in zip(letters, names, scenarios, strict=True):
        words = _paragraphs(scenario.description)
        compared.parts.append(Section(f"scenario-{letter}", f"{letter}: {name}", text=words))
    differs = Section("differences", "What differs between the scenarios")
    for letter, name, scenario in zip(letters[1:], names[1:], scenarios[1:], strict=True):
        found = diff(scenarios[0], scenario)
        part = Section(f"differences-{letter}", f"{letter} against A")
        cells = [[text(path), text(_value(x)), text(_value(y))] for path, x, y in found]
        caption = f"{len(found)} parameters differ between {names[0]} and {name}"
        part.items += [Table(caption, ["Key path", f"A: {names[0]}", f"{letter}: {name}"], cells)]
        differs.parts.append(part)
    return [compared, differs]


def _value(value: object) -> str:
    """A parameter's value as the difference table shows it (absent: a dash)."""
    return "-" if value is None else str(value)


def _paired_figures(comparison: Comparison, draw: _Drawer) -> Section:
    """The member-by-member differences of each commodity's total and balancing."""
    paired = comparison.paired
    assert paired is not None
    part = Section("paired-figures", "Member by member")
    for variable, name in dict.fromkeys(paired.index.droplevel(["result", "unit", "year"])):
        rows = paired.xs((variable, name), level=("variable", "name"))
        if variable in ("delivered_total", "balancing") and rows["p50"].notna().any():
            total = "deliveries through all routes"
            what = f"{name} {total if variable != 'balancing' else variable}"
            draw(
                part,
                comparison.paired_fan(variable, name),
                f"Differences from A member by member: {what}.",
                f"Fan chart per paired result of the difference from A member by member of "
                f"{what}: P10-P90 band and median per year against zero, and the share of "
                "members below A as a dotted line on the right axis.",
            )
    return part


def backtest_report(
    check: Backtest,
    result: Result,
    *,
    data: str = "reported_flows.csv",
    run_seconds: float | None = None,
) -> str:
    """The HTML report of a back-test: scores per series, the calibration curve
    (ensembles), a figure per series, every reported figure against the simulated one,
    the scenario's cited assumptions and the provenance. ``data`` names the reported file,
    ``run_seconds`` is the run's wall time (where known)."""
    draw = _Drawer()
    scores, figures_table, calibration = backtest_tables(check)
    lead = [
        f"Simulated annual flows of scenario {check.scenario} held against reported ones "
        f"({data}), series by series. Scores (MAPE, bias) count sourced years only."
    ]
    if check.coverage is not None:
        lead.append(
            f"P10-P90 coverage: {check.coverage:.0%} of the sourced volumes lie inside the band "
            f"of {check.members} members (about 80% if the uncertainty model is right)."
        )
    if check.left_out:
        lead.append(f"{check.left_out} reported figures of years outside the run left out.")
    sections = [Section("scores", "Scores per series", items=[scores])]
    if calibration is not None:
        curve = Section("calibration", "Calibration")
        draw(
            curve,
            plots.calibration(check),
            f"Calibration of {check.scenario} ({check.members} members).",
            "Line chart of the share of sourced figures inside each central band of the "
            "ensemble against the band's nominal width, with the diagonal of a calibrated "
            "ensemble; below the diagonal the bands are too narrow.",
        )
        curve.items.append(calibration)
        sections.append(curve)
    series = Section("series", "Series")
    band = " (median and P10-P90 band)" if check.members > 1 else ""
    for name in (str(s) for s in check.stats["series"]):
        part = Section(f"series-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}", name)
        draw(
            part,
            plots.backtest(check, result, name, data),
            f"{name}: simulated and reported.",
            f"Line chart of series {name}: the simulated values per year{band} and the "
            "reported figures as points: filled sourced, open derived, crosses estimates.",
        )
        series.parts.append(part)
    sections += [
        series,
        Section("figures", "Reported and simulated", items=[figures_table]),
        assumptions(result.scenario),
        Section("provenance", "Provenance", items=[Facts(provenance(result, run_seconds))]),
    ]
    return _render("Back-test report", f"Back-test of {check.scenario}", lead, sections)
