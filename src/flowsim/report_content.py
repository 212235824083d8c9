"""What the HTML reports say, as plain data: sections of paragraphs, tables and facts.

:mod:`flowsim.report` adds the figures and hands these to the Jinja templates; nothing
here writes HTML. Table cells keep the raw number beside the text shown, for sorting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from flowsim.compare import row_label
from flowsim.errors import format_path
from flowsim.labels import display_name, report_years
from flowsim.scenario import CITE_KINDS
from flowsim.stats import member_median
from flowsim.variables import ANNUAL_UNITS, MONEY_UNIT, VOLUME_UNITS

if TYPE_CHECKING:
    import pandas as pd

    from flowsim.backtest import Backtest
    from flowsim.compare import Comparison
    from flowsim.results import Result
    from flowsim.scenario import Scenario

__all__ = [
    "Cell",
    "Cite",
    "Facts",
    "Figure",
    "Section",
    "Table",
    "annual_sections",
    "assumptions",
    "backtest_tables",
    "comparison_sections",
    "headline",
    "scenario_cites",
]

MISSING = "-"
"""What a table shows where a value is undefined (NaN)."""


@dataclass(frozen=True)
class Cell:
    """A table cell: ``text`` as shown and ``value``, the raw number (or text) to sort by;
    None where the cell sorts by its text, ``""`` where it has no value (sorts last)."""

    text: str
    value: float | str | None = None

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, float)


@dataclass(frozen=True)
class Table:
    """A sortable table: ``caption``, column headings, rows of cells (the first cell of a
    row heads it)."""

    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    kind: Literal["table"] = "table"

    @property
    def numeric(self) -> list[bool]:
        """Per column: whether its cells hold numbers (right-aligned)."""
        return [
            bool(self.rows) and all(row[i].numeric or row[i].value == "" for row in self.rows)
            for i in range(len(self.columns))
        ]


@dataclass(frozen=True)
class Figure:
    """A figure: inline SVG markup, its alt text and a visible caption."""

    svg: str
    alt: str
    caption: str
    kind: Literal["figure"] = "figure"


@dataclass(frozen=True)
class Facts:
    """A definition list of (term, description) pairs."""

    items: list[tuple[str, str]]
    kind: Literal["facts"] = "facts"


Item = Table | Figure | Facts


@dataclass
class Section:
    """A section (``<h2>``) or one of its parts (``<h3>``): paragraphs, then items, then parts."""

    id: str
    title: str
    text: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    parts: list[Section] = field(default_factory=list)


def number(value: Any, form: str = ".1f", suffix: str = "") -> Cell:
    """A numeric cell: ``value`` formatted with ``form`` (NaN or NA: a dash, no value)."""
    try:
        v = float(value)
    except TypeError:  # pandas' NA
        v = math.nan
    if math.isnan(v):
        return Cell(MISSING, "")
    return Cell(format(v, form) + suffix, v)


def text(value: Any) -> Cell:
    """A text cell, sorted by its text."""
    return Cell(str(value))


def year_cell(year: Any) -> Cell:
    return Cell(str(int(year)), float(int(year)))


def _ensemble(result: Result) -> str:
    """The words ", median of N members" for an ensemble, else nothing."""
    members = result.annual.sizes["member"]
    return f", median of {members} members" if members > 1 else ""


# --- a run -------------------------------------------------------------------------


def _by_exporter(result: Result, variable: str) -> dict[tuple[str, str], Any]:
    """A route variable summed by exporter and commodity (member median), by (exporter,
    commodity) where it has a value."""
    totals = member_median(result.by_exporter(variable=variable))
    return {
        (str(e), str(c)): totals.sel(exporter=e, commodity=c)
        for c in totals.commodity.values
        for e in totals.exporter.values
        if not bool(totals.sel(exporter=e, commodity=c).isnull().all())
    }


def headline(result: Result, priced: bool) -> Section:
    """Deliveries (and, when priced, trade value) by exporter in the first, a middle and the
    last year, and each commodity's demand balance in the last year."""
    a = result.annual
    all_years = [int(y) for y in a.year.values]
    years = sorted({all_years[0], all_years[len(all_years) // 2], all_years[-1]})
    section = Section("headline", "Headline numbers")
    last = all_years[-1]
    for commodity in (str(c) for c in a.commodity.values):
        at = a.sel(commodity=commodity, year=last)
        demand = float(member_median(at.demand))
        if math.isnan(demand):
            continue
        routes = a.delivered.sel(year=last, route=a.route_commodity.values == commodity)
        delivered = float(member_median(routes.sum("route")))
        unmet = float(member_median(at.unmet))
        unit = ANNUAL_UNITS[commodity]
        share = f" ({delivered / demand:.0%} of it)" if demand > 0 else ""
        section.text.append(
            f"{commodity.capitalize()} in {last}{_ensemble(result)}: import demand "
            f"{demand:,.1f} {unit}, delivered through the routes {delivered:,.1f} {unit}"
            f"{share}, balancing {float(member_median(at.balancing)):,.1f} {unit}, "
            f"unmet {unmet:,.1f} {unit}."
        )
    for variable in ("delivered", "trade_value") if priced else ("delivered",):
        form = ",.1f" if variable == "delivered" else ",.0f"
        rows = [
            [text(f"{exporter} {commodity}"), *[number(v.sel(year=y), form) for y in years]]
            for (exporter, commodity), v in _by_exporter(result, variable).items()
        ]
        what = "Delivered to China" if variable == "delivered" else "Trade value of deliveries"
        unit = "bcm/yr for gas, Mt/yr for oil" if variable == "delivered" else f"{MONEY_UNIT}/yr"
        caption = f"{what} by exporter, {unit}{_ensemble(result)}"
        table = Table(caption, ["Exporter", *map(str, years)], rows)
        section.items += [table] if rows else []
    return section


def _yearly(result: Result, caption: str, columns: dict[str, Any], form: str) -> Table:
    """A table with a row per year and a column per entry of ``columns`` (each values over
    years, already reduced over members)."""
    years = [int(y) for y in result.annual.year.values]
    rows = [[year_cell(y), *[number(v.sel(year=y), form) for v in columns.values()]] for y in years]
    return Table(caption, ["Year", *columns], rows)


def annual_sections(result: Result) -> list[Section]:
    """The annual tables: deliveries by route and the demand balance of each commodity, and
    security of supply (medians for an ensemble)."""
    a = result.annual
    members = a.sizes["member"]
    tables = Section("annual", "Annual values")
    tables.text.append(
        "Every simulated year; select a column heading to sort by it."
        + (f" Ensemble values are medians over the {members} members." if members > 1 else "")
    )
    summary = result.summary() if members > 1 else None
    delivered = member_median(a.delivered)
    for commodity in (str(c) for c in a.commodity.values):
        routes = [str(r) for r in a.route.values[a.route_commodity.values == commodity]]
        unit = ANNUAL_UNITS[commodity]
        part = Section(f"annual-{commodity}", f"{commodity.capitalize()}")
        columns = {display_name(r): delivered.sel(route=r) for r in routes}
        columns["All routes"] = member_median(a.delivered.sel(route=routes).sum("route"))
        caption = f"{commodity.capitalize()} delivered to China by route, {unit}{_ensemble(result)}"
        part.items.append(_yearly(result, caption, columns, ",.1f"))
        at = a.sel(commodity=commodity)
        if not bool(at.demand.isnull().all()):
            balance = {
                name.capitalize(): member_median(at[name])
                for name in ("demand", "balancing", "unmet")
            }
            caption = f"{commodity.capitalize()} import demand, balancing and unmet, {unit}"
            table = _yearly(result, caption + _ensemble(result), balance, ",.1f")
            if summary is not None:
                short = summary.shortfall_probability.sel(commodity=commodity)
                for row, y in zip(table.rows, a.year.values, strict=True):
                    row.append(number(float(short.sel(year=y)) * 100, ".0f", "%"))
                table.columns.append("P(shortfall)")
            part.items.append(table)
        tables.parts.append(part)
    return [tables, _security(result)]


def _security(result: Result) -> Section:
    """N-1, corridor cover, survival days, unmet days and winter-end storage per commodity
    with demand."""
    a = result.annual
    section = Section("security", "Security of supply")
    section.text.append(
        "N-1 follows EU Regulation 2017/1938, Annex II: the capacity of all supply less the "
        "largest infrastructure, over peak-day demand (compare with 100%). Corridor cover: "
        "the routes' capacity less the largest route, over peak-day import demand. "
        "Survival: days the storage pool covers the shortfall with the largest infrastructure "
        "lost and demand at its peak (365: a year or more)."
    )
    for commodity in (str(c) for c in a.commodity.values):
        at = a.sel(commodity=commodity)
        if bool(at.demand.isnull().all()):
            continue
        part = Section(f"security-{commodity}", commodity.capitalize())
        stock = VOLUME_UNITS[commodity]
        columns = {
            "N-1 (%)": member_median(at.n_minus_1) * 100,
            "Corridor cover (%)": member_median(at.corridor_cover) * 100,
            "Survival (days)": member_median(at.survival_days),
            "Unmet days": member_median(at.unmet_days.astype(float)),
        }
        if bool((at.storage_level != 0).any()):
            columns[f"Storage 31 March ({stock})"] = member_median(at.storage_level_winter_end)
        caption = f"{commodity.capitalize()} security of supply{_ensemble(result)}"
        part.items.append(_yearly(result, caption, columns, ",.0f"))
        section.parts.append(part)
    if not section.parts:
        section.text.append("No commodity of this scenario has a demand block: nothing to show.")
    return section


def value_table(result: Result) -> Table:
    """Trade value by exporter and commodity in every year (member median)."""
    columns = {f"{e} {c}": v for (e, c), v in _by_exporter(result, "trade_value").items()}
    caption = f"Trade value by exporter, {MONEY_UNIT} of the day{_ensemble(result)}"
    return _yearly(result, caption, columns, ",.0f")


# --- assumptions -------------------------------------------------------------------


@dataclass(frozen=True)
class Cite:
    """Where one figure of a scenario comes from: the key path of the table holding it, the
    figure itself (its other keys), the cite's kind and text."""

    path: str
    figure: str
    kind: str
    text: str


def scenario_cites(scenario: Scenario) -> list[Cite]:
    """Every ``cite`` of ``scenario``, in file order, with the key path of its table."""
    found: list[Cite] = []

    def walk(value: object, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            cite = value.get("cite")
            if isinstance(cite, str):
                kind, _, rest = cite.partition(":")
                figure = ", ".join(
                    f"{k} = {v}"
                    for k, v in value.items()
                    if k != "cite" and isinstance(v, str | int | float) and not isinstance(v, bool)
                )
                found.append(Cite(format_path(path), figure, kind.strip(), rest.strip()))
            for key, item in value.items():
                if key != "cite":
                    walk(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i))

    walk(scenario.model_dump(mode="json", by_alias=True, exclude_none=True), ())
    return found


def assumptions(scenario: Scenario) -> Section:
    """The scenario's cites grouped by kind, each with the key path of its figure."""
    cites = scenario_cites(scenario)
    section = Section("assumptions", "Assumptions and sources")
    counts = ", ".join(
        f"{sum(c.kind == k for c in cites)} {k}"
        for k in CITE_KINDS
        if any(c.kind == k for c in cites)
    )
    section.text.append(
        f"Every figure of scenario {scenario.name} says where it comes from: {len(cites)} cites "
        f"({counts}). Key paths read as in the scenario file; the figure column shows the "
        "table's other values."
    )
    for kind in CITE_KINDS:
        mine = [c for c in cites if c.kind == kind]
        if not mine:
            continue
        part = Section(f"cites-{kind}", f"{kind.capitalize()} ({len(mine)})")
        rows = [[text(c.path), text(c.figure or MISSING), text(c.text)] for c in mine]
        caption = f"{len(mine)} figures cited as {kind}"
        part.items.append(Table(caption, ["Key path", "Figure", "Source"], rows))
        section.parts.append(part)
    return section


# --- comparisons and back-tests ----------------------------------------------------

COMPARED = (
    ("delivered", "Deliveries by route"),
    ("delivered_total", "Deliveries of each commodity through all routes"),
    ("balancing", "Balancing supply"),
    ("unmet", "Unmet demand"),
    ("trade_value", "Trade value by exporter"),
)
"""The comparison's variables shown in the report, in order, with their headings."""


def comparison_sections(comparison: Comparison) -> list[Section]:
    """The side-by-side table and (when present) the member-by-member one, by variable, in
    selected years (routes and exporters the same in every result left out)."""
    names, paired = list(comparison.names), comparison.paired
    years = report_years(sorted({int(y) for y in comparison.table.index.get_level_values("year")}))
    differences = [f"{other} - {names[0]}" for other in names[1:]]
    side = Section("side-by-side", "Side by side")
    side.text.append(
        "Selected years (comparison.csv has every year); ensembles as medians. Routes and "
        "exporters the same in every result are left out."
    )
    sections = [side]
    if paired is not None:
        members = comparison.results[0].annual.sizes["member"]
        why = (
            f"{members} members drawn alike (common random numbers): P10, P50 and P90 over "
            "members of each result's difference from A, and the shares of members with B "
            "below, equal to and above A."
        )
        sections.append(Section("paired", "Member by member", text=[why]))
    for variable, heading in COMPARED:
        form = ",.0f" if variable == "trade_value" else ",.1f"
        table = _rows(comparison.table, variable, years, differences)
        spec = [*[(n, n, form) for n in names], *[(d, d, f"+{form}") for d in differences]]
        part = Section(f"side-{variable}", heading)
        if len(table):
            caption = f"{heading}: each result and B - A"
            part.items.append(frame_table(caption, table, (*QUANTITY, *spec)))
        elif variable in set(comparison.table.index.get_level_values("variable")):
            part.text.append("The same in every result.")
        side.parts.append(part)
        if paired is not None and len(table := _rows(paired, variable, years)):
            caption = f"{heading}: differences member by member"
            shares = table[["p_lower", "p_equal", "p_higher"]] * 100
            table = table.assign(**{k: v for k, v in shares.items()})
            columns = (*QUANTITY, ("B", "result", ""), *_paired_columns(f"+{form}"))
            part = Section(f"paired-{variable}", heading)
            part.items.append(frame_table(caption, table, columns))
            sections[1].parts.append(part)
    return sections


QUANTITY = (("Quantity", "quantity", ""), ("Year", "year", ".0f"), ("Unit", "unit", ""))


def _paired_columns(form: str) -> tuple[tuple[str, str, str], ...]:
    """The paired table's statistics columns, differences in ``form``."""
    stats = tuple((f"{q.upper()} B - A", q, form) for q in ("p10", "p50", "p90"))
    shares = (("P(B < A)", "p_lower"), ("P(B = A)", "p_equal"), ("P(B > A)", "p_higher"))
    return stats + tuple((h, key, ".0f%") for h, key in shares)


def _rows(
    frame: pd.DataFrame, variable: str, years: list[int], differences: Sequence[str] = ()
) -> pd.DataFrame:
    """The rows of ``variable`` in ``years`` of the comparison's table (or its paired table),
    a ``quantity`` column naming each; quantities of routes and exporters the same in every
    result (every member) left out."""
    if variable not in set(frame.index.get_level_values("variable")):
        return frame.iloc[:0]
    rows = frame.xs(variable, level="variable")
    if variable in ("delivered", "trade_value"):
        same = (
            ((rows[differences].abs() <= 1e-9).all(axis=1) if differences else rows["p_equal"] == 1)
            .groupby(level="name")
            .transform("all")
        )
        rows = rows[~same.to_numpy()]
    rows = rows[rows.index.get_level_values("year").isin(years)].reset_index()
    return rows.assign(quantity=[row_label(variable, str(n)) for n in rows["name"]])


SCORES = (
    ("Series", "series", ""), ("Sourced years", "sourced_years", ".0f"),
    ("MAPE", "mape_pct", ".1f%"), ("Bias", "bias_pct", "+.1f%"),
    ("Worst error", "worst_error_pct", "+.1f%"), ("Worst year", "worst_year", ".0f"),
    ("MAPE all years", "mape_all_pct", ".1f%"), ("Unit", "unit", ""), ("Routes", "route", ""),
)  # fmt: skip
"""The back-test's scores table: (heading, column of ``Backtest.stats``, format: empty for
text, a trailing % for a percentage)."""

FIGURES = (
    ("Series", "series", ""), ("Year", "year", ".0f"), ("Status", "status", ""),
    ("Unit", "unit", ""), ("Reported", "reported", ",.2f"), ("Simulated", "simulated", ",.2f"),
    ("Error", "error", "+,.2f"), ("Error %", "error_pct", "+.1f%"), ("P10", "p10", ",.2f"),
    ("P90", "p90", ",.2f"), ("Inside P10-P90", "inside", ""), ("Source", "source", ""),
)  # fmt: skip
"""The back-test's table of reported figures (the P10-P90 columns for ensembles only)."""


def frame_table(caption: str, frame: Any, columns: tuple[tuple[str, str, str], ...]) -> Table:
    """A table of ``frame``'s rows: (heading, column, format) per column, where the frame
    has that column (see :data:`SCORES`)."""
    shown = [c for c in columns if c[1] in frame.columns]
    rows = [
        [
            number(row[key], form.rstrip("%"), "%" if form.endswith("%") else "")
            if form
            else text({True: "yes", False: "no"}.get(row[key], row[key]))
            for _, key, form in shown
        ]
        for _, row in frame.iterrows()
    ]
    return Table(caption, [heading for heading, _, _ in shown], rows)


def backtest_tables(check: Backtest) -> tuple[Table, Table, Table | None]:
    """The back-test's scores per series, every reported figure against the simulated one,
    and (ensembles) the calibration curve."""
    caption = "Errors per series over its sourced years (bias > 0: the model runs high)"
    stats, table = (
        f.assign(route=f["route"].str.replace("+", " + ")) for f in (check.stats, check.table)
    )
    scores = frame_table(caption, stats, SCORES)
    median = f" (median of {check.members} members)" if check.members > 1 else ""
    caption = f"Every reported figure beside the simulated one{median}"
    figures = frame_table(caption, table, FIGURES)
    calibration = None
    if check.calibration is not None:
        curve = check.calibration.assign(
            width=check.calibration["width"] * 100, inside=check.calibration["inside"] * 100
        )
        n = int(curve["figures"].iloc[0])
        caption = f"Share of the {n} sourced figures inside each central band"
        spec = (("Nominal width", "width", ".0f%"), ("Share inside", "inside", ".0f%"))
        calibration = frame_table(caption, curve, spec)
    return scores, figures, calibration
