"""Set projections side by side (``compare``) and list how two scenarios differ (``diff``).

Ensembles sampled with the same members and seed are also compared member by member
(``Comparison.paired``, :mod:`flowsim.paired`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from flowsim.errors import FlowsimError, format_path
from flowsim.labels import display_name
from flowsim.paired import Quantity, paired_table, unpaired_reason
from flowsim.results import Result, open_result
from flowsim.scenario import Scenario, load_scenario
from flowsim.stats import member_median
from flowsim.variables import ANNUAL_UNITS as UNITS
from flowsim.variables import MONEY_UNIT
from flowsim.version import VERSION

__all__ = ["VALUE_COMPARED", "Comparison", "compare", "diff", "row_label"]

Item = Scenario | Result | str | os.PathLike[str]

VALUE_COMPARED = ("trade_value", "importer_cost", "exporter_revenue")
"""The route variables compared by exporter when every result has prices
(:data:`flowsim.variables.VALUE`)."""

"""The unit of the money compared (US dollars of the day)."""


def row_label(variable: str, name: str) -> str:
    """How a compared quantity is named in tables and figures: a route's deliveries by the
    route, the others by commodity (or exporter and commodity) and variable (``gas delivered
    total``, ``gas balancing``, ``Russia gas trade value``)."""
    return name if variable == "delivered" else f"{name} {variable.replace('_', ' ')}"


def _result(item: Item, members: int | None, seed: int | None) -> Result:
    """A result from a Result, a results.nc, or a scenario (file, file#NAME, Scenario) run now."""
    from flowsim.simulate import run

    if isinstance(item, Result):
        return item
    if not isinstance(item, Scenario) and Path(os.fspath(item)).suffix == ".nc":
        return open_result(item)
    return run(item, members=members, seed=seed)


@dataclass(frozen=True)
class Comparison:
    """Results set side by side; ``table`` has one column per result and one per difference."""

    names: tuple[str, ...]
    results: tuple[Result, ...]
    table: pd.DataFrame
    """Rows (variable, name, unit, year); columns: each result's value (median for
    ensembles), then ``<name> - <first>`` for the others. Variables: ``delivered`` (name: the
    route), ``delivered_total``, ``demand``, ``balancing``, ``unmet`` (name: the commodity),
    and where every result has prices :data:`VALUE_COMPARED` by exporter (name:
    ``<exporter> <commodity>``, unit :data:`~flowsim.variables.MONEY_UNIT`)."""
    notes: tuple[str, ...] = ()
    """What the reader should know about the comparison (years left out, results not
    paired, ...)."""
    paired: pd.DataFrame | None = None
    """Differences from the first result member by member, for the later results sampled
    with the same members and seed (:mod:`flowsim.paired`): rows (result, variable, name,
    unit, year), columns p10, p50, p90 (of B - A), p_lower, p_equal, p_higher (shares of
    members). None when no result pairs with the first (``notes`` say why, if one is an
    ensemble)."""

    def _footnote(self, fig: Figure, shown: str = "ensembles shown as medians") -> None:
        from flowsim.plots import footnote

        named = "; ".join(f"{self._letter(n)} = {n}" for n in self.names)
        footnote(
            fig,
            f"{named}. Source: flowsim {VERSION}; inputs as cited in the scenario files; {shown}.",
        )

    def _letter(self, name: str) -> str:
        return chr(ord("A") + self.names.index(name))

    def overlay(self, commodity: str) -> Figure:
        """Total deliveries of ``commodity`` through all routes, one line per result."""
        fig = Figure(figsize=(8, 4.5), layout=ConstrainedLayoutEngine(rect=(0, 0.06, 1, 0.94)))
        ax = fig.add_subplot()
        styles = ("-", "--", "-.", ":")
        rows = self.table.xs(("delivered_total", commodity), level=("variable", "name"))
        for i, name in enumerate(self.names):
            years = rows.index.get_level_values("year")
            ax.plot(
                years,
                rows[name].values,
                linestyle=styles[i % 4],
                color=str(0.6 * i / max(1, len(self.names) - 1)),
                linewidth=1.6,
                label=name,
            )
        ax.set_title(f"{commodity.capitalize()} delivered to China through all routes", loc="left")
        ax.set_xlabel("Year")
        ax.set_ylabel(f"Deliveries ({UNITS[commodity]})")
        ax.grid(True, color="0.85", linewidth=0.6)
        ax.legend(frameon=False, fontsize=8)
        self._footnote(fig)
        return fig

    def difference(self, commodity: str) -> Figure:
        """Per-route difference of deliveries against the first result, one panel per other."""
        others = self.names[1:]
        fig = Figure(
            figsize=(8, 3.2 * max(1, len(others)) + 0.4),
            layout=ConstrainedLayoutEngine(rect=(0, 0.06, 1, 0.94)),
        )
        axes = fig.subplots(max(1, len(others)), 1, squeeze=False).ravel()
        routes = [
            r
            for r, c in zip(
                self.results[0].annual.route.values,
                self.results[0].annual.route_commodity.values,
                strict=True,
            )
            if c == commodity
        ]
        for ax, name in zip(axes, others, strict=False):
            for i, route in enumerate(routes):
                rows = self.table.xs(("delivered", str(route)), level=("variable", "name"))
                ax.plot(
                    rows.index.get_level_values("year"),
                    rows[f"{name} - {self.names[0]}"].values,
                    color=str(0.7 * i / max(1, len(routes) - 1)),
                    linestyle=("-", "--", "-.", ":")[i % 4],
                    label=display_name(str(route)),
                )
            ax.axhline(0, color="black", linewidth=0.6)
            ax.set_title(
                f"{name} minus {self.names[0]}: {commodity} deliveries", loc="left", fontsize=10
            )
            ax.set_xlabel("Year")
            ax.set_ylabel(f"Difference ({UNITS[commodity]})")
            ax.grid(True, color="0.85", linewidth=0.6)
            ax.legend(frameon=False, fontsize=7, ncols=2)
        self._footnote(fig)
        return fig

    def paired_fan(self, variable: str, name: str) -> Figure:
        """Differences from the first result member by member of ``variable`` of ``name``
        (as in ``paired``: ``"balancing", "gas"``), one panel per paired result: the P10-P90
        band and P50 of B - A per year against zero, and the share of members with B below
        A (dotted, right axis, %)."""
        if self.paired is None:
            why = [n for n in self.notes if n.startswith("no paired")] or ["no ensemble"]
            raise FlowsimError("; ".join(why))
        try:
            rows = self.paired.xs((variable, name), level=("variable", "name"))
        except KeyError:
            raise FlowsimError(f"no paired differences of {row_label(variable, name)}") from None
        others = list(dict.fromkeys(rows.index.get_level_values("result")))
        unit = str(rows.index.get_level_values("unit")[0])
        fig = Figure(
            figsize=(8, 3.2 * len(others) + 0.4),
            layout=ConstrainedLayoutEngine(rect=(0, 0.06, 1, 0.94)),
        )
        for ax, other in zip(
            fig.subplots(len(others), 1, squeeze=False).ravel(), others, strict=True
        ):
            at = rows.xs(other, level="result").droplevel("unit")
            years, b = at.index.values, self._letter(other)
            ax.fill_between(
                years, at.p10, at.p90, color="0.8", linewidth=0, label=f"P10-P90 of {b} - A"
            )
            ax.plot(years, at.p50, color="black", linewidth=1.6, label=f"P50 of {b} - A")
            ax.axhline(0, color="black", linewidth=0.6)
            share = ax.twinx()
            share.plot(
                years,
                100 * at.p_lower,
                color="0.4",
                linestyle=":",
                linewidth=1.4,
                label=f"P({b} < A), right axis",
            )
            share.set_ylim(0, 100)
            share.set_ylabel(f"Members with {b} below A (%)")
            ax.set_title(
                f"{other} minus {self.names[0]}, member by member: {row_label(variable, name)}",
                loc="left",
                fontsize=10,
            )
            ax.set_xlabel("Year")
            ax.set_ylabel(f"Difference ({unit})")
            ax.grid(True, color="0.85", linewidth=0.6)
            lines, labels = ax.get_legend_handles_labels()
            more, named = share.get_legend_handles_labels()
            ax.legend(lines + more, labels + named, loc="best", frameon=False, fontsize=7)
        self._footnote(fig, "differences of the same member, drawn with common random numbers")
        return fig


def _quantities(result: Result, value: bool = False) -> list[Quantity]:
    """The compared outputs of ``result``, per member: deliveries of each route, and of each
    commodity its deliveries in total, demand, balancing and unmet; with ``value``, also
    :data:`VALUE_COMPARED` of each exporter and commodity with a priced route."""
    a = result.annual
    out = []
    for route in a.route.values:
        unit = UNITS[str(a.route_commodity.sel(route=route).values)]
        out.append(Quantity("delivered", str(route), unit, a.delivered.sel(route=route)))
    for commodity in (str(c) for c in a.commodity.values):
        routes = a.route.values[a.route_commodity.values == commodity]
        total = a.delivered.sel(route=routes).sum("route")
        out.append(Quantity("delivered_total", commodity, UNITS[commodity], total))
        for variable in ("demand", "balancing", "unmet"):
            values = a[variable].sel(commodity=commodity)
            out.append(Quantity(variable, commodity, UNITS[commodity], values))
    return out + (_value_quantities(result) if value else [])


def _value_quantities(result: Result) -> list[Quantity]:
    """:data:`VALUE_COMPARED` summed by exporter (:meth:`Result.by_exporter`), million USD,
    one quantity per exporter and commodity with a value in some member and year."""
    out = []
    for variable in VALUE_COMPARED:
        by = result.by_exporter(variable=variable)
        for commodity in (str(c) for c in by.commodity.values):
            for exporter in (str(e) for e in by.exporter.values):
                values = by.sel(exporter=exporter, commodity=commodity, drop=True)
                if bool(values.notnull().any()):  # an exporter without a priced route: none
                    out.append(Quantity(variable, f"{exporter} {commodity}", MONEY_UNIT, values))
    return out


def _frame(quantities: list[Quantity]) -> pd.Series:
    """Each quantity's median over members (a single member's value), one row per year."""
    medians = [(q, member_median(q.values)) for q in quantities]
    rows = {
        (q.variable, q.name, q.unit, int(year)): float(v)
        for q, values in medians
        for year, v in zip(values.year.values, values.values, strict=True)
    }
    index = pd.MultiIndex.from_tuples(rows, names=["variable", "name", "unit", "year"])
    return pd.Series(list(rows.values()), index=index)


def compare(*items: Item, members: int | None = None, seed: int | None = None) -> Comparison:
    """Compare scenarios (files, ``file#NAME``, Scenario objects) or results (``results.nc``).

    Scenarios are run with the core engine (``members`` and ``seed`` default to
    their own run settings). The first item is the baseline of the differences. Where
    every result has prices, trade value, importer cost and exporter revenue by exporter
    are compared too (million USD).
    """
    if len(items) < 2:
        raise FlowsimError("compare needs at least two scenarios or results")
    results = tuple(_result(item, members, seed) for item in items)
    names: list[str] = []
    for result in results:
        name = str(result.annual.attrs.get("scenario_name", "result"))
        names.append(name if name not in names else f"{name} ({len(names) + 1})")
    spans = [{int(y) for y in r.annual.year.values} for r in results]
    common = set.intersection(*spans)
    if not common:
        raise FlowsimError("the results share no year: nothing to compare")
    notes: list[str] = []
    if any(span != common for span in spans):
        notes.append(
            f"compared over the years all results cover, {min(common)}-{max(common)}; "
            + ", ".join(f"{n} covers {min(s)}-{max(s)}" for n, s in zip(names, spans, strict=True))
        )
    value = all(r.priced for r in results)  # money side by side only where all have it
    quantities = [_quantities(r, value) for r in results]
    frames = [_frame(q) for q in quantities]
    frames = [f[f.index.get_level_values("year").isin(sorted(common))] for f in frames]
    table = pd.concat(frames, axis=1, keys=names)
    for name in names[1:]:
        table[f"{name} - {names[0]}"] = table[name] - table[names[0]]
    paired = _paired(results, names, quantities, sorted(common), notes)
    return Comparison(tuple(names), results, table.sort_index(), tuple(notes), paired)


def _paired(
    results: tuple[Result, ...],
    names: list[str],
    quantities: list[list[Quantity]],
    years: list[int],
    notes: list[str],
) -> pd.DataFrame | None:
    """The paired differences of the later results that pair with the first (a note in
    ``notes`` for each that does not); None when none does or all are deterministic."""
    if all(r.annual.sizes["member"] == 1 for r in results):
        return None
    others = {}
    for result, name, values in zip(results[1:], names[1:], quantities[1:], strict=True):
        reason = unpaired_reason(results[0], result, names[0], name)
        if reason is None:
            others[name] = values
        else:
            notes.append(f"no paired differences of {name} against {names[0]}: {reason}")
    return paired_table(quantities[0], others, years) if others else None


def _flatten(value: Any, path: tuple[str | int, ...] = ()) -> dict[tuple[str | int, ...], Any]:
    if isinstance(value, dict):
        out: dict[tuple[str | int, ...], Any] = {}
        for key, item in value.items():
            out |= _flatten(item, (*path, key))
        return out
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        # schedules and windows entry by entry; an empty one has no entries to show
        out = {}
        for i, item in enumerate(value):
            out |= _flatten(item, (*path, i))
        return out
    return {path: value}


def diff(
    a: Scenario | str | os.PathLike[str], b: Scenario | str | os.PathLike[str]
) -> list[tuple[str, Any, Any]]:
    """The parameters that differ between two resolved scenarios: (key path, in a, in b).

    A key present in one only shows ``None`` for the other; so do the entries of
    a schedule that is empty in the other (a route never built).
    """
    first = a if isinstance(a, Scenario) else load_scenario(a)
    second = b if isinstance(b, Scenario) else load_scenario(b)
    left = _flatten(first.model_dump(mode="json", by_alias=True, exclude_none=True))
    right = _flatten(second.model_dump(mode="json", by_alias=True, exclude_none=True))
    return [
        (format_path(path), left.get(path), right.get(path))
        for path in sorted(left.keys() | right.keys(), key=lambda p: [str(x) for x in p])
        if left.get(path) != right.get(path)
    ]
