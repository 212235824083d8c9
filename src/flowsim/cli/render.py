"""Rich tables of ``flowsim run``: what it prints of a Result, and nothing else.

Each function takes a :class:`~flowsim.results.Result` and returns a
:class:`rich.table.Table`; the command prints them. The tables of the commands that
hold results against something are in :mod:`flowsim.cli.render_analysis`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.table import Table

from flowsim.compare import row_label
from flowsim.labels import report_years
from flowsim.results import member_statistics
from flowsim.stats import MODE_MIN_MEMBERS, by_slices, member_median, multimodal
from flowsim.variables import VOLUME_UNITS

if TYPE_CHECKING:
    from flowsim.results import Result

__all__ = [
    "arcs_table",
    "contracts_table",
    "exporters_table",
    "label_width",
    "routes_table",
    "security_table",
    "summary_table",
    "value_table",
]


def summary_table(result: Result) -> Table:
    """Delivered per route and demand balance per commodity, selected years."""
    a = result.annual
    years = report_years([int(y) for y in a.year.values])
    members = a.sizes["member"]
    title = f"{a.attrs['scenario_name']}: delivered volumes (bcm for gas, Mt for oil)"
    if members > 1:
        given = f" given {a.attrs['given']}" if a.attrs.get("given") else ""
        title += f", median of {members} members{given} (P10/P90 in results.nc)"
    table = Table(
        title=title,
        title_justify="left",
        caption=_modes_warning(result),
        caption_justify="left",
        caption_style="none",
    )
    table.add_column("route / commodity", min_width=label_width(a.route.values), no_wrap=True)
    for year in years:
        table.add_column(str(year), justify="right")

    summary = result.summary() if members > 1 else None

    def middle(name: str, **where: str) -> Any:
        if summary is None:
            return a[name].sel(where).isel(member=0)
        return summary[name].sel({"statistic": "p50", **where})

    def cells(values: Any) -> list[str]:
        return [f"{float(values.sel(year=year)):.1f}" for year in years]

    for commodity in a.commodity.values:
        for route in a.route.values[a.route_commodity.values == commodity]:
            table.add_row(str(route), *cells(middle("delivered", route=route)))
        demand = middle("demand", commodity=commodity)
        if not bool(demand.isnull().all()):
            table.add_row(f"[b]{commodity} demand[/b]", *cells(demand))
            balancing = middle("balancing", commodity=commodity)
            table.add_row(f"{commodity} balancing", *cells(balancing))
            table.add_row(f"{commodity} unmet", *cells(middle("unmet", commodity=commodity)))
            if summary is not None:
                short = summary.shortfall_probability.sel(commodity=commodity)
                table.add_row(
                    f"{commodity} P(shortfall)", *[f"{float(short.sel(year=y)):.0%}" for y in years]
                )
        table.add_section()
    return table


def _modes_warning(result: Result) -> str | None:
    """A warning naming the outputs of the summary (and each commodity's total, the fan
    chart's) whose members form separate groups, and the years they do
    (:func:`flowsim.stats.multimodal`); None where none do or the ensemble is too small."""
    a = result.annual
    if a.sizes["member"] < MODE_MIN_MEMBERS:
        return None
    routes = by_slices(a.delivered, multimodal, ("year", "route"))
    totals = by_slices(
        a.delivered, lambda d: multimodal(d.groupby("route_commodity").sum("route")), ("year",)
    )
    balance = ["demand", "balancing", "unmet"]
    balances = by_slices(a[balance], lambda d: d.map(multimodal), ("year", "commodity"))
    years = a.year.values
    found = []
    for commodity in a.commodity.values:
        flagged = [
            (str(r), routes.sel(route=r))
            for r in a.route.values[routes.route_commodity == commodity]
        ]
        flagged.append(
            (row_label("delivered_total", commodity), totals.sel(route_commodity=commodity))
        )
        flagged += [
            (row_label(v, commodity), balances[v].sel(commodity=commodity)) for v in balance
        ]
        found += [
            f"{label} {_spans(years[flags.values])}" for label, flags in flagged if flags.any()
        ]
    if not found:
        return None
    return (
        f"[b]Warning[/b]: the members split into separate groups (two or more modes) in "
        f"{'; '.join(found)}. There the median and the P10-P90 band describe none of the "
        "groups: read them apart (docs/ensembles.md)."
    )


def _spans(years: Any) -> str:
    """Years as runs: ``2017, 2026-2050``."""
    runs: list[list[int]] = []
    for year in (int(y) for y in years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _by_year(result: Result, title: str, label: str) -> tuple[Table, list[int]]:
    """An empty table of the report years (``label`` heads the first column; the title
    says "median" for an ensemble) and those years."""
    a = result.annual
    years = report_years([int(y) for y in a.year.values])
    median = ", median" if a.sizes["member"] > 1 else ""
    table = Table(title=title + median, title_justify="left")
    table.add_column(label, no_wrap=True)
    for year in years:
        table.add_column(str(year), justify="right")
    return table, years


def security_table(result: Result) -> Table:
    """Security of supply per commodity with demand, selected years: N-1 (Annex II), the
    corridors' cover, survival time, days with unmet demand and storage at winter's end
    (the median over members; with several, also the expected unmet days)."""
    a = result.annual
    members = a.sizes["member"]
    title = "Security of supply (N-1 and cover: share of peak-day demand)"
    table, years = _by_year(result, title, "commodity / metric")

    def row(label: str, values: Any, form: str) -> None:
        cells = [float(values.sel(year=y)) for y in years]
        table.add_row(label, *["-" if math.isnan(v) else format(v, form) for v in cells])

    for commodity in a.commodity.values:
        at = a.sel(commodity=commodity)
        if bool(at.demand.isnull().all()):
            continue
        unit = VOLUME_UNITS[str(commodity)]
        row(f"{commodity} N-1", member_median(at.n_minus_1), ".0%")
        row(f"{commodity} corridor cover", member_median(at.corridor_cover), ".0%")
        row(f"{commodity} survival (days)", member_median(at.survival_days), ".0f")
        row(f"{commodity} unmet days", member_median(at.unmet_days.astype(float)), ".0f")
        if members > 1:
            row(f"{commodity} expected unmet days", at.unmet_days.mean("member"), ".1f")
        if bool((at.storage_level_winter_end != 0).any()) or bool((at.storage_level != 0).any()):
            winter = member_median(at.storage_level_winter_end)
            row(f"{commodity} storage 31 Mar ({unit})", winter, ".1f")
        table.add_section()
    return table


def contracts_table(result: Result) -> Table | None:
    """Take-or-pay accounts of the routes whose buyer paid for volume it did not take in
    some member-year, selected contract years (None when no buyer did)."""
    a = result.annual
    paid = a.paid_not_taken.fillna(0.0)
    routes = [r for r in a.route.values if bool((paid.sel(route=r) > 0.0).any())]
    if not routes:
        return None
    title = "Take-or-pay by contract year (bcm for gas, Mt for oil)"
    table, years = _by_year(result, title, "route / account")
    for route in routes:
        at = a.sel(route=route)
        for name, label in (
            ("contract_take", "take"),
            ("paid_not_taken", "paid not taken"),
            ("make_up_recovered", "make-up recovered"),
            ("make_up_balance", "make-up balance"),
        ):
            values = member_median(at[name])
            cells = [float(values.sel(year=y)) for y in years]
            table.add_row(
                f"{route} {label}", *["-" if math.isnan(v) else f"{v:.2f}" for v in cells]
            )
        table.add_section()
    return table


def exporters_table(result: Result) -> Table:
    """Delivered to China per exporting country and commodity, selected years."""
    title = "Delivered to China by exporter (bcm for gas, Mt for oil)"
    return _by_exporter(result, title, "delivered", "{:.1f}", sections=True)


def value_table(result: Result) -> Table | None:
    """Trade value of what each exporter delivers to China, million USD, selected years
    (None: no route has a price)."""
    if bool(result.annual.trade_value.isnull().all()):
        return None
    title = "Trade value of deliveries to China by exporter (million USD of the day)"
    return _by_exporter(result, title, "trade_value", "{:,.0f}", sections=False)


def _by_exporter(result: Result, title: str, variable: str, cell: str, sections: bool) -> Table:
    """A route variable summed by exporter and commodity (member median), selected years;
    a section per commodity with ``sections``."""
    table, years = _by_year(result, title, "exporter")
    totals = member_median(result.by_exporter(variable=variable))
    for commodity in totals.commodity.values:
        for exporter in totals.exporter.values:
            values = totals.sel(exporter=exporter, commodity=commodity)
            if bool(values.isnull().all()):
                continue
            cells = [cell.format(float(values.sel(year=y))) for y in years]
            table.add_row(f"{exporter} {commodity}", *cells)
        if sections:
            table.add_section()
    return table


def arcs_table(result: Result) -> Table:
    """Each shared arc in the last year: capacity, flow, utilisation, days it ended full."""
    a = result.annual
    year = int(a.year.values[-1])
    last = a.sel(year=year)
    title = f"Shared arcs in {year}" + (" (median)" if a.sizes["member"] > 1 else "")
    table = Table(title=title, title_justify="left")
    table.add_column("arc", min_width=label_width(a.arc.values), no_wrap=True)
    for column in ("capacity", "flow", "utilisation", "days full"):
        table.add_column(column, justify="right")
    for arc in a.arc.values:
        unit = VOLUME_UNITS[str(a.arc_commodity.sel(arc=arc).values)]
        capacity = float(member_median(last.arc_capacity.sel(arc=arc)))
        flow = float(member_median(last.arc_flow.sel(arc=arc)))
        short = float(member_median(last.arc_binding_days.sel(arc=arc).astype(float)))
        used = f"{flow / capacity:.0%}" if capacity > 0 else "-"
        table.add_row(
            str(arc), f"{capacity:.1f} {unit}", f"{flow:.1f} {unit}", used, f"{short:.0f}"
        )
    return table


def routes_table(result: Result) -> Table:
    """Each route in the last year: capacity, deliveries, utilisation, share of demand."""
    a = result.annual
    year = int(a.year.values[-1])
    members = a.sizes["member"]
    shown = ["capacity", "delivered", "utilisation", "share_of_demand"]
    last = member_statistics(result.with_derived()[shown].sel(year=[year])).sel(year=year)
    table = Table(
        title=f"Routes in {year}" + (" (median, P10-P90 in brackets)" if members > 1 else ""),
        title_justify="left",
    )
    table.add_column("route", min_width=label_width(a.route.values), no_wrap=True)
    for column in ("capacity", "delivered", "utilisation", "share of demand"):
        table.add_column(column, justify="right")
    for route in a.route.values:
        r = last.sel(route=route)
        unit = VOLUME_UNITS[str(r.route_commodity.values)]

        def stat(name: str, suffix: str, scale: float = 1.0, fmt: str = ".1f", r: Any = r) -> str:
            """Median (and P10-P90) with its unit; '-' where undefined (a route never built)."""
            mid = float(r[name].sel(statistic="p50")) * scale
            if math.isnan(mid):
                return "-"
            if members == 1:
                return f"{mid:{fmt}}{suffix}"
            lo, hi = (float(r[name].sel(statistic=q)) * scale for q in ("p10", "p90"))
            return f"{mid:{fmt}} [{lo:{fmt}}-{hi:{fmt}}]{suffix}"

        table.add_row(
            str(route),
            stat("capacity", f" {unit}"),
            stat("delivered", f" {unit}"),
            stat("utilisation", "%", 100, ".0f"),
            stat("share_of_demand", "%", 100, ".1f"),
        )
    return table


def label_width(labels: Any) -> int:
    """Width that keeps every label whole (narrow terminals wrap the numbers instead)."""
    return max((len(str(label)) for label in labels), default=5)
