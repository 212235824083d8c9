"""Rich tables of the commands that hold results against something: ``compare`` (and
its paired differences), ``backtest``, ``crosscheck`` and ``bench``.

Each function takes a library object (a Comparison, a Backtest, a Crosscheck, a Bench)
and returns a :class:`rich.table.Table`; the commands print them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table

from flowsim.cli.render import label_width
from flowsim.compare import row_label
from flowsim.labels import report_years
from flowsim.paired import TIE_TOLERANCE
from flowsim.variables import MONEY_UNIT

if TYPE_CHECKING:
    from flowsim.backtest import Backtest
    from flowsim.bench import Bench, Measurement
    from flowsim.compare import Comparison
    from flowsim.crosscheck import Crosscheck

__all__ = [
    "backtest_stats",
    "backtest_table",
    "bench_table",
    "comparison_table",
    "crosscheck_table",
    "paired_table",
    "scaling_table",
]


def comparison_table(comparison: Comparison) -> Table:
    """Baseline deliveries and the others' differences, selected years; where the results
    have prices, also trade value by exporter (comparison.csv has importer cost and
    exporter revenue too). Routes and exporters the same in every result are left out."""
    table_data = comparison.table
    money = MONEY_UNIT in set(table_data.index.get_level_values("unit"))
    years = report_years(sorted({int(y) for y in table_data.index.get_level_values("year")}))
    first = comparison.names[0]
    letters = {name: chr(ord("A") + i) for i, name in enumerate(comparison.names)}
    legend = "; ".join(f"{letter} = {name}" for name, letter in letters.items())
    table = Table(
        title="Deliveries (bcm for gas, Mt for oil)"
        + ("; trade value by exporter (million USD)" if money else "")
        + f" of A, and each other's difference from A. {legend}",
        title_justify="left",
    )
    table.add_column("route / commodity")
    for year in years:
        table.add_column(str(year), justify="right")
    differences = [f"{other} - {first}" for other in comparison.names[1:]]
    for variable in ("delivered", "delivered_total", "balancing", "unmet", "trade_value"):
        if variable not in table_data.index.get_level_values("variable"):
            continue  # money of results without prices
        rows = table_data.xs(variable, level="variable")
        form = ",.0f" if variable == "trade_value" else ".1f"  # money in whole millions
        for name in dict.fromkeys(rows.index.get_level_values("name")):
            values = rows.xs(name, level="name").droplevel("unit")
            same = not (values[differences].abs() > 1e-9).any().any()
            if variable in ("delivered", "trade_value") and same:
                continue  # a route or an exporter the same in every result
            table.add_row(
                f"[b]{row_label(variable, name)}[/b]",
                *[f"{values.loc[y, first]:{form}}" for y in years],
            )
            for other in comparison.names[1:]:
                column = values[f"{other} - {first}"]
                cells = [f"{column.loc[y]:+{form}}" for y in years]
                table.add_row(f"  {letters[other]} - A", *cells)
        table.add_section()
    return table


def paired_table(comparison: Comparison) -> Table:
    """Each paired result's difference from A member by member, selected years: P10, P50,
    P90 of B - A, the share of members with B below A, and (where some tie) with B equal
    to A. Routes whose every member ties in every year are left out."""
    paired = comparison.paired
    if paired is None:
        raise ValueError("no paired differences: " + "; ".join(comparison.notes))
    years = report_years(sorted({int(y) for y in paired.index.get_level_values("year")}))
    letters = {name: chr(ord("A") + i) for i, name in enumerate(comparison.names)}
    legend = "; ".join(f"{letter} = {name}" for name, letter in letters.items())
    members = comparison.results[0].annual.sizes["member"]
    table = Table(
        title=f"Member by member ({members} members drawn alike, common random numbers): "
        f"P10, P50, P90 of B - A and the share of members with B below A (tied within "
        f"{TIE_TOLERANCE:.0e} relative: B = A). {legend}",
        title_justify="left",
    )
    table.add_column("route / commodity", no_wrap=True)
    for year in years:
        table.add_column(str(year), justify="right")
    others = [name for name in comparison.names[1:] if name in paired.index.levels[0]]
    shown: list[str] = []
    for variable in ("delivered", "delivered_total", "balancing", "unmet", "trade_value"):
        if variable not in paired.index.get_level_values("variable"):
            continue  # money of results without prices
        rows = paired.xs(variable, level="variable")
        for name in dict.fromkeys(rows.index.get_level_values("name")):
            values = rows.xs(name, level="name").droplevel("unit")
            if variable in ("delivered", "trade_value") and bool((values["p_equal"] == 1).all()):
                continue  # the same in every member of every result
            table.add_row(f"[b]{row_label(variable, name)}[/b]")
            shown.append(row_label(variable, name))
            for other in others:
                at, b = values.loc[other], letters[other]
                for statistic in ("p10", "p50", "p90"):
                    cells = [_signed(at.loc[y, statistic], variable) for y in years]
                    table.add_row(f"  {b} - A {statistic.upper()}", *cells)
                table.add_row(f"  P({b} < A)", *[_share(at.loc[y, "p_lower"]) for y in years])
                if bool((at.loc[years, "p_equal"] > 0).any()):
                    table.add_row(f"  P({b} = A)", *[_share(at.loc[y, "p_equal"]) for y in years])
            table.add_section()
    table.columns[0].min_width = label_width(shown)  # names whole, numbers wrap instead
    return table


def _signed(value: float, variable: str) -> str:
    """A signed difference: volumes to 0.1, money (trade value) in whole millions."""
    form = "+,.0f" if variable == "trade_value" else "+.1f"
    return "-" if math.isnan(value) else f"{value:{form}}"


def _share(value: float) -> str:
    """A share of members in percent; '<1%' and '>99%' where some, but not all or none."""
    if math.isnan(value):
        return "-"
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 < value < 1:
        return ">99%"
    return f"{value:.0%}"


def bench_table(result: Bench) -> Table:
    """One row per engine: wall and CPU time, rates, peak memory, speed-up over the DES, and
    the distance from the memory floor (wall time) and the compute floor (CPU time)."""
    table = Table(title="flowsim bench")
    for name in ("engine", "members", "years", "routes", "wall s", "CPU s", "member-years/s"):
        table.add_column(name, justify="left" if name == "engine" else "right")
    for name in ("route-days/s", "peak MiB", "x DES", "x memory", "x compute"):
        table.add_column(name, justify="right")
    for r in result.rows:
        engine = "DES" if r.spec.engine == "des" else f"core {r.spec.engine}"
        table.add_row(
            engine,
            f"{r.spec.members:,}",
            str(r.years),
            str(r.routes),
            f"{r.seconds:.2f}",
            f"{r.cpu_seconds:.2f}",
            f"{r.member_years_per_s:,.0f}",
            f"{r.route_days_per_s / 1e6:,.1f} M",
            f"{r.peak_mib:,.0f}",
            f"{result.speedup(r):,.0f}",
            f"{r.seconds / result.floor_seconds(r):,.1f}",
            f"{result.over_compute_floor(r):,.1f}",
        )
    return table


def backtest_table(check: Backtest) -> Table:
    """Every reported figure beside the simulated one, with error and status."""
    ensemble = check.members > 1
    table = Table(
        title=f"{check.scenario}: simulated vs reported deliveries"
        + (f" (median of {check.members} members)" if ensemble else ""),
        title_justify="left",
    )
    columns = ["series", "year", "status", "reported", "simulated", "error", "error %"]
    for column in [*columns, *(["P10-P90", "inside"] if ensemble else [])]:
        table.add_column(column, justify="left" if column in ("series", "status") else "right")
    for series, rows in check.table.groupby("series", sort=False):
        for row in rows.itertuples():
            cells = [
                str(series),
                str(row.year),
                str(row.status),
                f"{row.reported:.2f} {row.unit}",
                f"{row.simulated:.2f}",
                f"{row.error:+.2f}",
                f"{row.error_pct:+.1f}%",
            ]
            if ensemble:
                cells += [f"{row.p10:.1f}-{row.p90:.1f}", "yes" if row.inside else "no"]
            table.add_row(*cells)
        table.add_section()
    return table


def backtest_stats(check: Backtest) -> Table:
    """Error statistics per series over its sourced years."""
    table = Table(title="Errors over sourced years (bias > 0: model high)", title_justify="left")
    for column in ("series", "routes", "sourced", "MAPE", "bias", "worst", "MAPE all years"):
        table.add_column(column, justify="left" if column in ("series", "routes") else "right")
    for row in check.stats.itertuples():
        scored = row.sourced_years > 0
        table.add_row(
            str(row.series),
            str(row.route),
            str(row.sourced_years),
            f"{row.mape_pct:.1f}%" if scored else "-",
            f"{row.bias_pct:+.1f}%" if scored else "-",
            f"{row.worst_error_pct:+.1f}% ({row.worst_year})" if scored else "-",
            f"{row.mape_all_pct:.1f}%",
        )
    return table


def scaling_table(rows: list[Measurement], engine: str) -> Table:
    """One row per scaling measurement: axis, value, members, wall time, rate, memory."""
    from flowsim.bench import axis_of

    table = Table(title=f"Scaling, core ({engine}), results streamed to a file")
    for name in ("axis", "value", "members", "wall s", "member-years/s", "peak MiB"):
        table.add_column(name, justify="left" if name == "axis" else "right")
    for r in rows:
        axis, value = axis_of(r)
        table.add_row(
            axis,
            f"{value:,}",
            f"{r.spec.members:,}",
            f"{r.seconds:.2f}",
            f"{r.member_years_per_s:,.0f}",
            f"{r.peak_mib:,.0f}",
        )
    return table


def crosscheck_table(check: Crosscheck) -> Table:
    """The largest relative difference between the engines, variable by variable."""
    table = Table(
        title=f"{check.scenario}: core ({check.engines[0]}) against {check.engines[1]}, "
        f"{check.members} members (tolerance {check.tolerance:.0e})",
        title_justify="left",
    )
    for column in ("variable", "largest relative difference", ""):
        table.add_column(column, justify="left" if column == "variable" else "right")
    for name, value in check.differences.items():
        table.add_row(name, f"{value:.2e}", "" if value <= check.tolerance else "exceeds")
    return table
