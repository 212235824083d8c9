"""Result: the annual (and optional daily) values of a run, with provenance and summaries.

``Result.annual`` is an xarray Dataset with dims ``(member, year, route)`` and
``(member, year, commodity)``; ``Result.daily`` the same with ``day`` instead of
``year`` (or None). Volumes are in the commodity's unit (bcm for gas, Mt for
oil); ``*_days`` variables count days. ``Result.annual`` also holds what each
member drew, ``figure_value`` (member, year, figure) and ``shock_happened``
(member, shock), with their provenance (:mod:`flowsim.conditions`);
:meth:`Result.given` keeps the members whose draws meet conditions.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from flowsim.conditions import Condition, draw_coordinates, given_text, members_given
from flowsim.errors import FlowsimError
from flowsim.io import atomic_path
from flowsim.plan_prices import fee_table
from flowsim.scenario.network import exporter_of
from flowsim.scenario.route import Route
from flowsim.scenario.tree import Scenario
from flowsim.stats import (
    SLICE_BUDGET,
    Values,
    by_slices,
    is_lazy,
    member_quantile,
    undefined_is_nan,
)
from flowsim.variables import BY_NAME, DERIVED, names, unit_coordinate

if TYPE_CHECKING:
    from flowsim.result_plots import Plots

__all__ = ["SHORTFALL_TOLERANCE", "Result", "member_statistics", "open_result"]

SHORTFALL_TOLERANCE = 1e-9
"""Unmet demand below this share of a year's demand does not count as a shortfall."""

QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
DERIVED_INPUTS = (
    "flow",
    "capacity",
    "delivered",
    "contract",
    "binding_demand_days",
    "demand",
    "consumption",
)
"""The annual variables the derived ones are computed from."""


def member_statistics(values: Values) -> Values:
    """Mean, P10, P50, P90 over members (along a new ``statistic`` dimension) of
    ``values``, a Dataset (every variable) or a DataArray."""
    if values.sizes.get("member") == 1:  # each statistic of one member is its value
        one = values.isel(member=0, drop=True).astype(float).drop_attrs(deep=False)
        names = ["mean", *QUANTILES]
        return xr.concat([one.expand_dims(statistic=[n]) for n in names], dim="statistic")
    with undefined_is_nan():
        stats = [values.mean("member").expand_dims(statistic=["mean"])]
    for name, q in QUANTILES.items():
        stats.append(member_quantile(values, q).expand_dims(statistic=[name]))
    return xr.concat(stats, dim="statistic", coords="minimal", compat="override")


def _not_yearly(values: xr.Dataset) -> list[Hashable]:
    """The variables of ``values`` without a year (drawn once per member: which shocks
    happened), which summaries leave out."""
    return [name for name, v in values.data_vars.items() if "year" not in v.dims]


def _shortfall(annual: xr.Dataset) -> xr.DataArray:
    """Per member and year: whether unmet demand counts as a shortfall."""
    shortfall: xr.DataArray = annual.unmet > SHORTFALL_TOLERANCE * annual.demand
    return shortfall


class Result:
    """Outcome of :func:`flowsim.run`.

    Attributes
    ----------
    annual
        Dataset of annual values, dims (member, year, route) and (member, year, commodity),
        and of the members' draws, ``figure_value`` (member, year, figure) and
        ``shock_happened`` (member, shock).
    daily
        Dataset of daily values, dims (member, day, route | commodity | source), or None.
    trace
        With ``engine="des", trace=True``: every event of the run, one row each
        (member, day, date, route, kind, size, detail), or None.
    """

    def __init__(
        self, annual: xr.Dataset, daily: xr.Dataset | None = None, trace: pd.DataFrame | None = None
    ) -> None:
        self.annual = annual
        self.daily = daily
        self.trace = trace
        self._summary: tuple[xr.Dataset, xr.Dataset] | None = None

    def __repr__(self) -> str:
        a = self.annual
        given = f" given {a.attrs['given']}" if a.attrs.get("given") else ""
        return (
            f"<Result {a.attrs.get('scenario_name')!r}: {a.sizes['member']} members{given}, "
            f"{int(a.year[0])}-{int(a.year[-1])}, {a.sizes['route']} routes, "
            f"engine={a.attrs.get('engine')}>"
        )

    @property
    def plot(self) -> Plots:
        """The figures: ``result.plot.deliveries("gas")``, ``.fan(route=...)``,
        ``.share_of_demand("oil")``, ``.capacity_vs_delivered("gas")``."""
        from flowsim.result_plots import Plots

        return Plots(self)

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario the result came from."""
        from flowsim.scenario import scenario_from_text

        return scenario_from_text(str(self.annual.attrs["scenario_toml"]), file="<result>")

    def derived(self) -> xr.Dataset:
        """Per-member derived variables, dims (member, year, route).

        ``utilisation`` (flow / capacity), ``share_of_demand`` (delivered / the
        commodity's import demand), ``share_of_consumption`` (delivered / China's
        consumption, NaN where the scenario gives none) and ``contract_shortfall`` (ACQ -
        delivered, >= 0). The take-or-pay accounts are annual variables
        (``paid_not_taken``, ``make_up_*``: :mod:`flowsim.contracts`).
        """
        a = self.annual
        per_route = {
            name: a[name]
            .sel(commodity=a.route_commodity)
            .drop_vars(["commodity", "commodity_unit", "commodity_stock_unit"], errors="ignore")
            for name in ("demand", "consumption")
        }
        route_demand, consumption = per_route["demand"], per_route["consumption"]
        has_contract = a.contract > 0
        values = {
            "utilisation": (a.flow / a.capacity).where(a.capacity > 0),
            "share_of_demand": (a.delivered / route_demand).where(route_demand > 0),
            "share_of_consumption": (a.delivered / consumption).where(consumption > 0),
            "contract_shortfall": (a.contract - a.delivered).clip(min=0).where(has_contract, 0.0),
        }
        return xr.Dataset(
            {name: v.assign_attrs(BY_NAME[name].attrs()) for name, v in values.items()}
        )

    @property
    def priced(self) -> bool:
        """Whether some route has a contract price (a ``price`` in some member and year)."""
        a = self.annual
        return "price" in a.data_vars and bool(a.price.notnull().any())

    def by_exporter(
        self,
        share_of: Literal["demand", "consumption"] | None = None,
        variable: str = "delivered",
    ) -> xr.DataArray:
        """Volume delivered to China by exporting country (the route's source's
        ``country``), dims (member, year, exporter, commodity): bcm/yr for gas, Mt/yr for
        oil; NaN where the exporter has no route of the commodity. With ``share_of``, as a
        share of China's import demand or of its consumption (NaN where not given). With
        ``variable``, that route variable summed instead (``trade_value``: million USD;
        NaN where none of the exporter's routes has a value)."""
        if share_of is not None:
            volumes = self.by_exporter()
            total = self.annual[share_of].drop_vars(
                ["commodity_unit", "commodity_stock_unit"], errors="ignore"
            )
            shares: xr.DataArray = (volumes / total).where(total > 0)
            return shares.assign_attrs(description=f"share of China's {share_of}", units="1")
        a = self.annual
        parts = []
        for commodity in a.commodity.values:
            routes = a[variable].sel(route=a.route_commodity.values == commodity)
            if routes.sizes["route"]:
                summed = routes.groupby("route_exporter").sum("route", min_count=1)
                parts.append(
                    summed.rename(route_exporter="exporter").expand_dims(commodity=[commodity])
                )
        if not parts:
            return xr.DataArray(np.zeros((a.sizes["member"], a.sizes["year"], 0, 0)))
        joined: xr.DataArray = xr.concat(parts, dim="commodity", join="outer")
        attrs = (
            {
                "description": "volume delivered to China by exporting country",
                "units_by_commodity": "gas: bcm/yr; oil: Mt/yr",
            }
            if variable == "delivered"
            else {**a[variable].attrs, "description": f"{variable} by exporting country"}
        )
        return joined.transpose("member", "year", "exporter", "commodity").assign_attrs(attrs)

    def transit_fees_by_country(self, commodity: str | None = None) -> xr.DataArray:
        """Transit fees by charging country, dims (member, year, transit_country), in
        million USD a year: each route's annual ``flow`` (bcm or Mt) times its fee per
        unit of volume (``route_transit_fee``), summed over routes (with ``commodity``,
        over that commodity's routes only). No country where no route pays fees."""
        a = self.annual
        if "route_transit_fee" not in a.coords:
            fee = xr.DataArray(np.zeros((a.sizes["route"], 0)), dims=("route", "transit_country"))
        else:
            fee = a.route_transit_fee.reset_coords(drop=True)
        flow = a.flow.reset_coords(drop=True)
        if commodity is not None:
            keep = a.route_commodity.values == commodity
            flow, fee = flow.isel(route=keep), fee.isel(route=keep)
        fees: xr.DataArray = (flow * fee).sum("route") / 1e6
        return (
            fees.transpose("member", "year", "transit_country")
            .rename("transit_fees")
            .drop_attrs()
            .assign_attrs(
                description="transit fees by charging country", units="1e6", currency="USD"
            )
        )

    def with_derived(self) -> xr.Dataset:
        """The annual values and the derived variables in one Dataset."""
        return xr.merge([self.annual, self.derived()], compat="override")

    def summary(self) -> xr.Dataset:
        """Ensemble statistics: mean, P10, P50, P90 over members of every annual variable
        (the drawn figure values too; not ``shock_happened``, which has no year).

        Also ``shortfall_probability`` (share of members with unmet demand in a
        year) and ``expected_unmet`` (mean unmet volume), dims (year, commodity).

        Computed once and kept (a new ``annual`` Dataset computes it anew). Values
        read lazily from a file are reduced variable by variable and slice by slice
        along year and route (see :func:`flowsim.stats.by_slices`): memory stays
        flat in the number of members, and the statistics are the same as in memory.
        """
        if self._summary is not None and self._summary[0] is self.annual:
            return self._summary[1].copy()
        out = self._summary_by_slices() if is_lazy(self.annual) else self._summary_at_once()
        out.attrs = dict(self.annual.attrs)
        self._summary = (self.annual, out)
        return out.copy()

    def _summary_at_once(self) -> xr.Dataset:
        values = self.with_derived()
        out = member_statistics(values.drop_vars(_not_yearly(values)))
        a = self.annual
        out["shortfall_probability"] = _shortfall(a).mean("member")
        out["expected_unmet"] = a.unmet.mean("member")
        return out

    def _summary_by_slices(self, budget: int = SLICE_BUDGET) -> xr.Dataset:
        a = self.annual
        # the layout (dims, coordinates, attributes) of the summary, from one member
        out = Result(a.isel(member=slice(0, 1)).load())._summary_at_once()
        parts: dict[Hashable, Any] = {}
        for name, v in a.data_vars.items():
            if name in _not_yearly(a):
                continue
            if not v.size:  # nothing to read (no uncertain figure, no shared arc)
                parts[name] = out[name]
                continue
            dims = ("year", str(v.dims[-1]))
            parts[name] = by_slices(a[[name]], member_statistics, dims, budget=budget)[name]
        derived = by_slices(
            a[[*DERIVED_INPUTS]],
            lambda block: member_statistics(Result(block).derived()),
            ("year", "route"),
            value_bytes=8 * (len(DERIVED_INPUTS) + len(DERIVED) + 1),
            budget=budget,
        )
        parts.update({name: derived[name] for name in names(DERIVED)})
        shortfall = by_slices(
            a[["unmet", "demand"]],
            lambda block: xr.Dataset(
                {
                    "shortfall_probability": _shortfall(block).mean("member"),
                    "expected_unmet": block.unmet.mean("member"),
                }
            ),
            ("year", "commodity"),
            value_bytes=16,
            budget=budget,
        )
        parts.update({name: shortfall[name] for name in shortfall.data_vars})
        for name, layout in out.data_vars.items():
            values = parts.pop(name).transpose(*layout.dims)
            for dim in layout.dims:
                if not values.indexes[dim].equals(layout.indexes[dim]):
                    raise AssertionError(f"summary of {name}: {dim} out of order")
            out[name] = layout.copy(data=values.values)
        if parts:
            raise AssertionError(f"summary: {', '.join(map(str, parts))} left over")
        return out

    def given(
        self, conditions: Mapping[str, Condition] | None = None, /, **named: Condition
    ) -> Result:
        """The members whose draws meet every condition, a Result of its own (member
        numbers kept; its ``given`` attribute says the conditions).

        A condition names a shock and whether it happened (``altai_not_built=False``)
        or a ``choice`` uncertain figure by key path and its value (``{"routes.altai.
        capacity_factor": 0.0}``; a figure drawn each year: in every year). See
        :mod:`flowsim.conditions`; ``--given NAME=VALUE`` reads one with
        :func:`~flowsim.conditions.parse_given`.

        Raises
        ------
        FlowsimError
            An unknown name, a condition on a continuous figure, or conditions no
            member meets.
        """
        wanted = {**(conditions or {}), **named}
        keep = members_given(self.annual, wanted)
        earlier = self.annual.attrs.get("given")
        said = ", ".join(str(t) for t in (earlier, given_text(wanted)) if t)
        annual = self.annual.isel(member=keep)
        trace = self.trace
        if trace is not None:
            trace = trace[trace["member"].isin(annual.member.values)].reset_index(drop=True)
        return Result(
            annual.assign_attrs(given=said) if said else annual,
            None if self.daily is None else self.daily.isel(member=keep),
            trace,
        )

    def to_netcdf(self, path: str | os.PathLike[str]) -> Path:
        """Write to netCDF (HDF5 via h5netcdf) atomically: complete file or none.

        Daily values, when present, go to the group ``daily``.
        """
        with atomic_path(path) as tmp:
            annual = self.annual.assign_attrs(has_daily=int(self.daily is not None))
            annual.to_netcdf(tmp, engine="h5netcdf", mode="w")
            if self.daily is not None:
                self.daily.to_netcdf(tmp, engine="h5netcdf", mode="a", group="daily")
        return Path(path)


def open_result(path: str | os.PathLike[str], *, lazy: bool = False) -> Result:
    """Read a result written by :meth:`Result.to_netcdf` (``lazy``: annual values on access)."""
    if not Path(path).is_file():
        raise FlowsimError(f"{path}: no such result file")
    try:
        if lazy:
            annual = xr.open_dataset(path, engine="h5netcdf")
        else:
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                annual = ds.load()
        daily = None
        if annual.attrs.pop("has_daily", 0):
            with xr.open_dataset(path, engine="h5netcdf", group="daily") as ds:
                daily = ds.load()
    except (OSError, ValueError) as exc:
        raise FlowsimError(f"{path}: not a flowsim result file ({exc})") from None
    if "scenario_toml" not in annual.attrs:
        raise FlowsimError(f"{path}: not a flowsim result file (no provenance)")
    return Result(annual, daily)


def build_annual(
    arrays: dict[str, np.ndarray[Any, Any]],
    *,
    scenario: Scenario,
    members: np.ndarray[Any, Any],
    years: np.ndarray[Any, Any],
    routes: tuple[str, ...],
    commodities: tuple[str, ...],
    attrs: dict[str, Any],
) -> xr.Dataset:
    """Wrap the engine's annual arrays and the members' draws in a Dataset with
    coordinates, units and the draws' provenance."""
    data: dict[str, Any] = {}
    for name, values in arrays.items():
        variable = BY_NAME[name]
        data[name] = (
            variable.dims,
            values.astype(variable.dtype, copy=False),
            variable.attrs(),
        )
    route_objs = [scenario.routes[r] for r in routes]
    arcs = sorted(scenario.arcs)
    arc_objs = [scenario.arcs[a] for a in arcs]
    return xr.Dataset(
        data,
        coords={
            "member": members,
            "year": years,
            "route": list(routes),
            "commodity": list(commodities),
            "route_commodity": ("route", [r.commodity for r in route_objs]),
            "route_unit": unit_coordinate("route", [r.commodity for r in route_objs]),
            "route_stock_unit": unit_coordinate(
                "route", [r.commodity for r in route_objs], stock=True
            ),
            "route_price_unit": unit_coordinate(
                "route", [r.commodity for r in route_objs], price=True
            ),
            "commodity_unit": unit_coordinate("commodity", list(commodities)),
            "commodity_stock_unit": unit_coordinate("commodity", list(commodities), stock=True),
            "route_label": (
                "route",
                [r.label or rid for rid, r in zip(routes, route_objs, strict=True)],
            ),
            "route_source": ("route", [r.source for r in route_objs]),
            "route_exporter": ("route", [exporter_of(scenario, r) for r in routes]),
            "route_kind": ("route", [r.kind for r in route_objs]),
            "arc": arcs,
            "arc_commodity": ("arc", [a.commodity for a in arc_objs]),
            "arc_unit": unit_coordinate("arc", [a.commodity for a in arc_objs]),
            "arc_label": ("arc", [a.label or aid for aid, a in zip(arcs, arc_objs, strict=True)]),
            "arc_kind": ("arc", [a.kind for a in arc_objs]),
            "min_take_fraction": (
                "route",
                [r.contract.min_take_fraction if r.contract else 0.0 for r in route_objs],
            ),
            **draw_coordinates(scenario),
            **_transit_fee_coordinates(route_objs),
        },
        attrs=attrs,
    )


def _transit_fee_coordinates(route_objs: list[Route]) -> dict[str, Any]:
    """``transit_country`` (the countries charging fees, sorted) and ``route_transit_fee``
    (route, transit_country), each route's fee per unit of volume, USD per bcm (gas) or
    Mt (crude); none where no route pays fees."""
    countries, fee = fee_table(route_objs)
    if not countries:
        return {}
    attrs = {
        "description": "transit fee per unit of the route's volume by charging country",
        "units_by_commodity": "gas: USD per bcm; oil: USD per Mt",
        "currency": "USD",
    }
    return {
        "transit_country": list(countries),
        "route_transit_fee": (("route", "transit_country"), fee, attrs),
    }
