"""Figures of a Result: matplotlib, readable in greyscale, units on every axis.

Each function returns a :class:`matplotlib.figure.Figure` (no global pyplot
state); ``Result.plot.<name>(...)`` calls them. Ensembles show the median
(P50) where one line or area is drawn; fan charts show the P10-P90 band.
Every figure carries a footnote naming the scenario, the run and flowsim.
Figures of what the flows are worth are in :mod:`flowsim.plots_value`.
"""

from __future__ import annotations

import os
import textwrap
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import matplotlib

matplotlib.use("Agg")

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator

from flowsim.errors import FlowsimError
from flowsim.io import atomic_path
from flowsim.labels import display_name
from flowsim.series import VALUE_UNIT, series_values
from flowsim.stats import by_slices, member_median, member_quantile, split_members
from flowsim.variables import ANNUAL_UNITS as UNITS
from flowsim.variables import DERIVED, names

if TYPE_CHECKING:
    from flowsim.attribution import Sensitivity
    from flowsim.backtest import Backtest
    from flowsim.results import Result

__all__ = [
    "HATCHES",
    "LINESTYLES",
    "Band",
    "backtest",
    "calibration",
    "capacity_vs_delivered",
    "deliveries",
    "fan",
    "footnote",
    "grey",
    "median",
    "member_band",
    "new_axes",
    "result_footnote",
    "routes_of",
    "save",
    "share_of_demand",
    "stack",
    "tornado",
]

HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---", "|||")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 3)))
matplotlib.rcParams["svg.hashsalt"] = "flowsim"  # reproducible SVG element ids

FALLBACK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Noto Sans")
"""Fonts used, where installed, for characters DejaVu Sans lacks (Chinese names, say);
characters no installed font has are drawn as boxes."""


def _fonts() -> list[str]:
    """DejaVu Sans, then the :data:`FALLBACK_FONTS` installed here."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(f for f in FALLBACK_FONTS if f in installed)]


matplotlib.rcParams["font.family"] = _fonts()


def grey(i: int, n: int) -> str:
    """The ``i``-th of ``n`` greys, from near black to light grey (a matplotlib colour)."""
    return str(0.15 + 0.7 * i / max(n - 1, 1))


def footnote(fig: Figure, text: str) -> None:
    """Write ``text`` small and grey at the bottom left of ``fig`` (wrapped to its width)."""
    width = int(fig.get_figwidth() * 20)  # about 20 characters of 7-point text per inch
    fig.text(0.01, 0.01, textwrap.fill(text, width), fontsize=7, color="0.3")


def result_footnote(fig: Figure, result: Result, note: str = "") -> None:
    """The footnote of a figure of ``result``: ``note`` (if any), then the scenario, the
    run and flowsim."""
    a = result.annual.attrs
    members = result.annual.sizes["member"]
    run = "1 member" if members == 1 else f"{members} members, seed {a.get('seed')}"
    footnote(
        fig,
        f"{note}{' ' if note else ''}"
        f"Scenario: {a.get('scenario_name')} ({run}). Source: flowsim {a.get('flowsim_version')}, "
        f"{a.get('engine')} engine; input figures as cited in the scenario file.",
    )


def median(result: Result, name: str, **where: str) -> Any:
    """The median over members (of a single member: its value) of an annual or derived
    variable, from the result's summary (computed once, a slice of members at a time)."""
    if result.annual.sizes["member"] == 1:
        values = result.derived()[name] if name in names(DERIVED) else result.annual[name]
        return member_median(values.sel(where)).values
    return result.summary()[name].sel({"statistic": "p50", **where}).values


class Band(NamedTuple):
    """P10, P50 and P90 over members per year (arrays over years), and ``split``: whether the
    members split into groups that year (:func:`flowsim.stats.split_members`)."""

    p10: Any
    p50: Any
    p90: Any
    split: Any


def member_band(values: xr.DataArray) -> Band:
    """The band over members of ``values`` (dims member, year, and maybe route: summed over
    routes first), a slice of years at a time (see :func:`flowsim.stats.by_slices`)."""
    routes = values.sizes.get("route", 1)

    def reduce(values: xr.DataArray) -> xr.DataArray:
        total = values.sum("route") if "route" in values.dims else values
        split = split_members(total).astype(float)
        parts = [member_quantile(total, q) for q in (0.1, 0.5, 0.9)] + [split]
        stacked: xr.DataArray = xr.concat(parts, dim="q")
        return stacked

    # each route, their total, its quantile's copy
    stacked = by_slices(values, reduce, ("year",), value_bytes=8 * (routes + 2))
    p10, p50, p90, split = (stacked.isel(q=i).values for i in range(4))
    return Band(p10, p50, p90, split > 0)


def _band(result: Result, routes: list[str]) -> Band:
    """The band of the deliveries summed over ``routes``."""
    return member_band(result.annual.delivered.sel(route=routes))


def routes_of(result: Result, commodity: str) -> list[str]:
    """The routes of ``commodity`` in dispatch order (the first dispatched stacks at the bottom)."""
    a = result.annual
    ids = {str(r) for r in a.route.values[a.route_commodity.values == commodity]}
    try:
        order = result.scenario.routes_of(commodity)  # type: ignore[arg-type]
    except (KeyError, FlowsimError):  # a result file without its scenario: by id
        order = []
    return [r for r in order if r in ids] + sorted(ids - set(order))


def _layout(bottom: float) -> ConstrainedLayoutEngine:
    """Constrained layout leaving ``bottom`` (figure fraction) free for the footnote."""
    return ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom))


def new_axes(result: Result, title: str, ylabel: str, note: str = "") -> tuple[Figure, Axes]:
    """A figure of ``result`` with one axes: title, year axis, ``ylabel``, grid, footnote."""
    fig = Figure(figsize=(8, 4.8), layout=_layout(0.04))
    ax = fig.add_subplot()
    ax.set_title(title, loc="left")
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no 2022.5 on a short horizon
    ax.grid(True, color="0.85", linewidth=0.6)
    result_footnote(fig, result, note)
    return fig, ax


def deliveries(result: Result, commodity: str) -> Figure:
    """Stacked area of annual deliveries by route, with import demand as a line.

    Routes that flow first stack at the bottom (ties in dispatch order), so a
    route that starts later never lifts one that runs flat.
    """
    a = result.annual
    unit = UNITS[commodity]
    fig, ax = new_axes(
        result, f"{commodity.capitalize()} deliveries to China by route", f"Deliveries ({unit})"
    )
    years = a.year.values
    stack(
        ax, years, {r: median(result, "delivered", route=r) for r in routes_of(result, commodity)}
    )
    if not np.isnan(median(result, "demand", commodity=commodity)).all():
        ax.plot(
            years,
            median(result, "demand", commodity=commodity),
            color="black",
            linewidth=1.6,
            linestyle="--",
            label="Import demand",
        )
    ax.legend(loc="upper left", fontsize=7, ncols=2, frameon=False)
    ax.set_xlim(years[0], years[-1])
    ax.set_ylim(bottom=0)
    return fig


def stack(ax: Axes, years: Any, medians: dict[str, Any]) -> None:
    """Stacked areas on ``ax`` of each route's values over ``years`` (arrays by route id,
    NaN drawn as 0), greys and hatches, labelled by display name. Routes with a value first
    stack at the bottom (ties in the order given), so a route that starts later never
    lifts one that runs flat."""
    first = {r: int(np.argmax(v > 0)) if (v > 0).any() else len(years) for r, v in medians.items()}
    routes = sorted(medians, key=first.__getitem__)  # stable: dispatch order among equals
    polys = ax.stackplot(
        years,
        *[np.nan_to_num(medians[r]) for r in routes],
        labels=[display_name(r) for r in routes],
        colors=[grey(i, len(routes)) for i in range(len(routes))],
        edgecolor="black",
        linewidth=0.4,
    )
    for poly, hatch in zip(polys, HATCHES, strict=False):
        poly.set_hatch(hatch)


def fan(result: Result, route: str | None = None, commodity: str | None = None) -> Figure:
    """P10-P90 band and P50 line over members: of one route, or of all routes of a commodity.

    Years where the members split into groups (an empty stretch across the band)
    have their P50 marked with open circles: there it describes one group, or none.
    """
    a = result.annual
    if route is not None:
        commodity = str(a.route_commodity.sel(route=route).values)
        title = f"{display_name(route)}: deliveries to China"
    elif commodity is not None:
        title = f"{commodity.capitalize()} imports through all routes"
    else:
        raise ValueError("give a route or a commodity")
    fig, ax = new_axes(result, title, f"Deliveries ({UNITS[commodity]})")
    years = a.year.values
    routes = [route] if route is not None else routes_of(result, commodity)
    p10, p50, p90, split = _band(result, routes)
    ax.fill_between(years, p10, p90, color="0.8", label="P10-P90", linewidth=0)
    ax.plot(years, p50, color="black", linewidth=1.6, label="P50")
    if split.any():
        ax.plot(
            years[split],
            p50[split],
            linestyle="none",
            marker="o",
            markerfacecolor="white",
            markeredgecolor="black",
            label="P50 where the members split into groups (the band spans a gap)",
        )
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_xlim(years[0], years[-1])
    ax.set_ylim(bottom=0)
    return fig


def share_of_demand(result: Result, commodity: str) -> Figure:
    """Share of China's import demand met by each route, percent."""
    a = result.annual
    fig, ax = new_axes(
        result, f"Share of China's {commodity} import demand by route", "Share of import demand (%)"
    )
    routes = routes_of(result, commodity)
    for i, route in enumerate(routes):
        share = median(result, "share_of_demand", route=route) * 100
        ax.plot(
            a.year.values,
            share,
            color=grey(i, len(routes)),
            linewidth=1.4,
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            label=display_name(route),
        )
    ax.legend(loc="upper left", fontsize=7, ncols=2, frameon=False)
    ax.set_ylim(bottom=0)
    return fig


def capacity_vs_delivered(result: Result, commodity: str) -> Figure:
    """Nominal capacity (dashed) and deliveries (solid) of each route: utilisation at a glance."""
    a = result.annual
    routes = routes_of(result, commodity)
    cols = min(3, len(routes))
    rows = -(-len(routes) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.6), layout=_layout(0.05))
    fig.suptitle(
        f"{commodity.capitalize()} routes: capacity and deliveries ({UNITS[commodity]})",
        x=0.01,
        ha="left",
    )
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
    for ax, route in zip(axes, routes, strict=False):
        ax.plot(
            a.year.values,
            median(result, "capacity", route=route),
            color="black",
            linestyle="--",
            linewidth=1.2,
            label="Capacity",
            zorder=3,  # over deliveries: a full route shows both lines
        )
        ax.plot(
            a.year.values,
            median(result, "delivered", route=route),
            color="0.35",
            linewidth=1.6,
            label="Delivered",
        )
        ax.set_title(display_name(route), fontsize=9, loc="left")
        ax.set_ylabel(UNITS[commodity], fontsize=8)
        ax.set_xlabel("Year", fontsize=8)
        ax.tick_params(labelsize=7, labelbottom=True)  # year labels on every panel
        ax.set_ylim(bottom=0)  # a fall from 13 to 10 Mt is not a collapse
        ax.grid(True, color="0.85", linewidth=0.6)
    for ax in axes[len(routes) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, frameon=False)
    result_footnote(fig, result)
    return fig


STATUS_MARKERS: dict[str, dict[str, Any]] = {
    "sourced": {"marker": "o", "color": "black", "markerfacecolor": "black"},
    "derived": {"marker": "s", "color": "black", "markerfacecolor": "white"},
    "estimate": {"marker": "x", "color": "0.45", "markerfacecolor": "0.45"},
}
"""How each status of a reported figure is drawn: filled, open, cross."""


def backtest(check: Backtest, result: Result, series: str, data: str) -> Figure:
    """One reported series against the simulation: points by status, the simulated line
    (P50 and P10-P90 band for an ensemble), from the series' first reported year.

    ``check`` is ``flowsim.backtest.backtest(result, ...)``; ``data`` names the
    reported-flows file for the footnote.
    """
    rows = check.table[check.table["series"] == series]
    route, unit = str(rows["route"].iloc[0]), str(rows["unit"].iloc[0])
    a = result.annual
    years = a.year.values
    what = "trade value" if unit == VALUE_UNIT else "deliveries"
    fig = Figure(figsize=(8, 4.8), layout=_layout(0.08))
    ax = fig.add_subplot()
    ax.set_title(f"{series}: simulated and reported {what}", loc="left")
    ax.set_xlabel("Year")
    ax.set_ylabel(f"{what.capitalize()} ({unit}/yr)")
    ax.grid(True, color="0.85", linewidth=0.6)
    values = series_values(result, route, unit)
    if check.members > 1:
        p10, p50, p90, _ = member_band(values)
        ax.fill_between(years, p10, p90, color="0.85", linewidth=0, label="Simulated P10-P90")
    else:
        p50 = member_median(values).values
    label = "Simulated" + (" P50" if check.members > 1 else "")
    ax.plot(years, p50, color="0.3", linewidth=1.6, label=label)
    for status, style in STATUS_MARKERS.items():
        points = rows[rows["status"] == status]
        if len(points):
            ax.plot(
                points["year"],
                points["reported"],
                linestyle="none",
                markersize=6,
                label=f"Reported ({status})",
                **style,
            )
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_xlim(int(rows["year"].min()) - 0.5, years[-1] + 0.5)
    ax.set_ylim(bottom=0)
    stats = check.stats.set_index("series").loc[series]
    score = (
        f"over {stats['sourced_years']} sourced years MAPE {stats['mape_pct']:.1f}%, "
        f"bias {stats['bias_pct']:+.1f}%"
        if stats["sourced_years"]
        else "no sourced year"
    )
    members = a.sizes["member"]
    run = "1 member" if members == 1 else f"{members} members, seed {a.attrs.get('seed')}"
    footnote(
        fig,
        f"Scenario: {a.attrs.get('scenario_name')} ({run}), route ids {route}; {score}. "
        f"Reported: {data}, series {series}, each figure's source in the file. "
        f"Source: flowsim {a.attrs.get('flowsim_version')}, {a.attrs.get('engine')} engine.",
    )
    return fig


def calibration(check: Backtest) -> Figure:
    """An ensemble back-test's calibration curve: the share of sourced figures inside each
    central band against the band's nominal width (on the diagonal: calibrated; below:
    bands too narrow)."""
    curve = check.calibration
    if curve is None:
        raise FlowsimError("a calibration curve needs an ensemble (more than one member)")
    fig = Figure(figsize=(5.5, 5.0), layout=_layout(0.09))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="calibrated")
    ax.plot(curve.width, curve.inside, color="0.1", marker="o", label="this ensemble")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Nominal width of the central band (0.8: P10-P90)")
    ax.set_ylabel(f"Share of the {int(curve.figures.iloc[0])} sourced figures inside")
    ax.set_title(f"Calibration of {check.scenario} ({check.members} members)")
    ax.legend(loc="upper left", fontsize=8)
    footnote(fig, "Source: flowsim backtest; reported flows as cited in data/reported_flows.csv.")
    return fig


def tornado(found: Sensitivity, output: str) -> Figure:
    """What drives one output: a bar per input, most important on top (Sobol': the
    total index in grey and the first-order index in black, each with its interval;
    Morris: mu*, the output's mean absolute change per unit of the input's quantile)."""
    rows = found.ranking(output)[::-1]
    height = 2.0 + 0.4 * len(rows)
    fig = Figure(figsize=(7.0, height), layout=_layout(0.45 / height))
    ax = fig.add_subplot()
    at = np.arange(len(rows))
    if found.method == "sobol":
        bars = (("total", "0.65", 0.18, "total"), ("first", "0.1", -0.18, "first-order"))
        for key, shade, offset, label in bars:
            low = (rows[key] - rows[f"{key}_low"]).clip(lower=0)
            high = (rows[f"{key}_high"] - rows[key]).clip(lower=0)
            ax.barh(at + offset, rows[key], height=0.34, color=shade, label=f"{label} index",
                    xerr=[low, high], error_kw={"ecolor": "0.35", "capsize": 2})  # fmt: skip
        ax.set_xlabel(f"Sobol' index (share of the output's variance; {found.evaluations} runs)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize=8)
    else:
        ax.barh(at, rows["mu_star"], color="0.4")
        ax.set_xlabel(
            f"Morris mu* (change per unit of the input's quantile; {found.evaluations} runs)"
        )
    ax.set_yticks(at, list(rows.index), fontsize=8)
    ax.set_title(f"What drives {output} ({found.scenario})")
    footnote(
        fig,
        f"Scenario: {found.scenario}, seed {found.seed}. Source: flowsim; inputs as cited in "
        "the scenario file; other random elements replayed per base point.",
    )
    return fig


def save(fig: Figure, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.svg`` atomically; returns the paths."""
    paths = []
    for suffix in (".png", ".svg"):
        path = Path(f"{os.fspath(stem)}{suffix}")
        with atomic_path(path) as tmp, warnings.catch_warnings():
            # Characters no installed font has (see FALLBACK_FONTS) are drawn as boxes.
            warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
            fig.savefig(
                tmp, format=suffix[1:], dpi=200, metadata={"Date": None} if suffix == ".svg" else {}
            )
        paths.append(path)
    return paths
