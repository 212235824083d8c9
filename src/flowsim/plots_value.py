"""Figures of what the flows are worth: trade value by route and contract prices by route.

Only routes with a price (a ``trade_value`` in some year) are drawn, and ``flowsim run``
writes these figures (:func:`figures`) only for a run with priced routes. Money is in
million US dollars of the day; prices are in each commodity's unit (the coordinate
``route_price_unit``: USD/kcm for gas, USD/bbl for crude), so each commodity has its own
figure. Styles follow :mod:`flowsim.plots`: greys and hatches, medians over members.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from flowsim.errors import FlowsimError
from flowsim.labels import display_name
from flowsim.plots import (
    HATCHES,
    LINESTYLES,
    median,
    member_band,
    new_axes,
    routes_of,
    stack,
)
from flowsim.variables import MONEY_UNIT

if TYPE_CHECKING:
    from flowsim.results import Result

__all__ = ["MONEY_LABEL", "figures", "price_fan", "priced_routes", "value_by_route"]

MONEY_LABEL = f"Trade value ({MONEY_UNIT} of the day)"
"""The y label of trade value figures."""


def priced_routes(result: Result, commodity: str) -> list[str]:
    """The routes of ``commodity`` with a price (a trade value in some year), in dispatch
    order. Judged on the first member: whether a route has a price is the scenario's, the
    same in every member; none in a result without trade value."""
    a = result.annual
    if "trade_value" not in a:
        return []
    priced = a.trade_value.isel(member=0).notnull().any("year").load()
    return [r for r in routes_of(result, commodity) if bool(priced.sel(route=r))]


def _priced(result: Result, commodity: str) -> list[str]:
    routes = priced_routes(result, commodity)
    if not routes:
        raise FlowsimError(f"no {commodity} route of this result has a price")
    return routes


def value_by_route(result: Result, commodity: str) -> Figure:
    """Stacked area of each priced route's trade value per year, million USD of the day
    (for an ensemble, each route's median over members)."""
    routes = _priced(result, commodity)
    members = result.annual.sizes["member"]
    fig, ax = new_axes(
        result,
        f"Trade value of {commodity} deliveries to China by route",
        MONEY_LABEL,
        note="Trade value: each month's deliveries at the month's contract price at China's "
        "border" + ("; each route's median over members." if members > 1 else "."),
    )
    years = result.annual.year.values
    stack(ax, years, {r: median(result, "trade_value", route=r) for r in routes})
    ax.legend(loc="upper left", fontsize=7, ncols=2, frameon=False)
    ax.set_xlim(years[0], years[-1])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 25,000 million USD
    return fig


def price_fan(result: Result, commodity: str) -> Figure:
    """Each priced route's contract price per year (its mean monthly price), in the
    commodity's price unit: a line per price, for an ensemble its P50 with the P10-P90 band
    over members (years where the members split into groups marked with open circles).
    Routes priced alike in every member and year (one formula) share a line, labelled
    with all their names."""
    a = result.annual
    groups = _alike(a.price, _priced(result, commodity))
    routes = [group[0] for group in groups]
    (unit,) = {str(u) for u in a.route_price_unit.sel(route=routes).values}
    members = a.sizes["member"]
    title = f"{commodity.capitalize()} contract prices by route"
    fig, ax = new_axes(
        result,
        title + (": P50 and P10-P90 over members" if members > 1 else ""),
        f"Contract price ({unit})",
        note="Price: the route's mean monthly contract price over the year, of the day.",
    )
    years = a.year.values
    split_shown = False
    for i, (route, group) in enumerate(zip(routes, groups, strict=True)):
        shade = str(0.55 * i / max(len(routes) - 1, 1))
        name = textwrap.fill(", ".join(display_name(r) for r in group), 48)  # legend width
        if members > 1:
            band = member_band(a.price.sel(route=route))
            ax.fill_between(
                years,
                band.p10,
                band.p90,
                facecolor=shade,
                edgecolor=shade,
                alpha=0.25,
                hatch=HATCHES[i % len(HATCHES)],
                linewidth=0,
                label=f"{name} P10-P90",
            )
            p50 = band.p50
            if band.split.any():
                ax.plot(
                    years[band.split],
                    p50[band.split],
                    linestyle="none",
                    marker="o",
                    markerfacecolor="white",
                    markeredgecolor="black",
                    label=None if split_shown else "P50 where the members split into groups",
                )
                split_shown = True
        else:
            p50 = median(result, "price", route=route)
        ax.plot(
            years,
            p50,
            color=shade,
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            linewidth=1.6,
            label=f"{name} P50" if members > 1 else name,
        )
    ax.legend(loc="upper left", fontsize=7, ncols=2, frameon=False)
    ax.set_xlim(years[0], years[-1])
    ax.set_ylim(bottom=0)
    return fig


def _alike(price: xr.DataArray, routes: list[str]) -> list[list[str]]:
    """``routes`` grouped by identical ``price`` (member, year, route) arrays, in order."""
    groups: list[list[str]] = []
    for route in routes:
        values = price.sel(route=route).values

        def alike(group: list[str], values: np.ndarray = values) -> bool:
            return np.array_equal(price.sel(route=group[0]).values, values, equal_nan=True)

        same = next((g for g in groups if alike(g)), None)
        if same is None:
            groups.append([route])
        else:
            same.append(route)
    return groups


def figures(result: Result) -> Iterator[tuple[str, Figure]]:
    """The value figures ``flowsim run`` writes, by file stem, one at a time:
    ``value_by_route_<commodity>`` and ``price_fan_<commodity>`` of each commodity with a
    priced route; none for a run without prices."""
    for commodity in (str(c) for c in result.annual.commodity.values):
        if priced_routes(result, commodity):
            yield f"value_by_route_{commodity}", value_by_route(result, commodity)
            yield f"price_fan_{commodity}", price_fan(result, commodity)
