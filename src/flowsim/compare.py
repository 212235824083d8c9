"""Set projections side by side (``compare``) and list how two scenarios differ (``diff``)."""

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
from flowsim.results import Result, open_result
from flowsim.scenario import Scenario, load_scenario
from flowsim.stats import member_median
from flowsim.variables import ANNUAL_UNITS as UNITS
from flowsim.version import VERSION

__all__ = ["Comparison", "compare", "diff"]

Item = Scenario | Result | str | os.PathLike[str]


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
    ensembles), then ``<name> - <first>`` for the others."""
    notes: tuple[str, ...] = ()
    """What the reader should know about the comparison (years left out, ...)."""

    def _footnote(self, fig: Figure) -> None:
        from flowsim.plots import footnote

        named = "; ".join(f"{chr(ord('A') + i)} = {n}" for i, n in enumerate(self.names))
        footnote(
            fig,
            f"{named}. Source: flowsim {VERSION}; inputs as cited in the scenario files; "
            "ensembles shown as medians.",
        )

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


def _frame(result: Result) -> pd.Series:
    a = result.annual
    pieces = []
    delivered = member_median(a.delivered)
    for route in a.route.values:
        commodity = str(a.route_commodity.sel(route=route).values)
        pieces.append(("delivered", str(route), UNITS[commodity], delivered.sel(route=route)))
    for commodity in (str(c) for c in a.commodity.values):
        routes = a.route.values[a.route_commodity.values == commodity]
        total = member_median(a.delivered.sel(route=routes).sum("route"))
        pieces.append(("delivered_total", commodity, UNITS[commodity], total))
        for variable in ("demand", "balancing", "unmet"):
            values = member_median(a[variable].sel(commodity=commodity))
            pieces.append((variable, commodity, UNITS[commodity], values))
    rows = {
        (variable, name, unit, int(year)): float(v)
        for variable, name, unit, values in pieces
        for year, v in zip(values.year.values, values.values, strict=True)
    }
    index = pd.MultiIndex.from_tuples(rows, names=["variable", "name", "unit", "year"])
    return pd.Series(list(rows.values()), index=index)


def compare(*items: Item, members: int | None = None, seed: int | None = None) -> Comparison:
    """Compare scenarios (files, ``file#NAME``, Scenario objects) or results (``results.nc``).

    Scenarios are run with the core engine (``members`` and ``seed`` default to
    their own run settings). The first item is the baseline of the differences.
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
    frames = [_frame(r) for r in results]
    frames = [f[f.index.get_level_values("year").isin(sorted(common))] for f in frames]
    table = pd.concat(frames, axis=1, keys=names)
    for name in names[1:]:
        table[f"{name} - {names[0]}"] = table[name] - table[names[0]]
    return Comparison(tuple(names), results, table.sort_index(), tuple(notes))


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
