"""Tables of a Result for spreadsheets and model intercomparison: summary and IAMC.

``summary_frame`` is long (one row per route or commodity, variable, year and
statistic); ``iamc_frame`` is the IAMC wide format (Model, Scenario, Region,
Variable, Unit, then one column per year) that IAMC tools and pyam read.
Volumes are in the commodity's own unit (``units="native"``: bcm/yr, Mt/yr)
or in energy (``"PJ"``, ``"EJ"``, ``"Mtoe"``: PJ/yr, ...), converted with the
sourced factors of :mod:`flowsim.units`. Where routes have prices (or pay transit
fees), both tables add what the flows are worth: prices in USD/kcm (gas) or USD/bbl
(crude) and money in million US dollars of the day a year, which ``units`` leaves as is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from flowsim.errors import FlowsimError
from flowsim.labels import display_name
from flowsim.results import Result, member_statistics
from flowsim.stats import member_quantile
from flowsim.units import ENERGY_UNITS, energy_factor
from flowsim.variables import ANNUAL_MONEY_UNIT, ANNUAL_UNITS, BY_NAME

__all__ = ["iamc_frame", "summary_frame", "volume_unit"]

ROUTE_VARIABLES = ("delivered", "capacity", "utilisation", "share_of_demand", "contract_shortfall")
COMMODITY_VARIABLES = ("demand", "balancing", "unmet")
VALUE_ROUTE_VARIABLES = ("price", "trade_value", "take_or_pay_payment", "transit_fees")
"""Route variables of what the flows are worth in summary.csv (priced routes, and
routes paying transit fees, only)."""
VALUE_EXPORTER_VARIABLES = {
    "trade_value": "Trade",
    "importer_cost": "Importer Cost",
    "exporter_revenue": "Exporter Revenue",
    "take_or_pay_payment": "Take-or-Pay",
}
"""Route variables summed by exporter, with their IAMC names (``Value|<name>|...``);
summary.csv has the first three."""
COLUMNS = ["kind", "name", "commodity", "variable", "unit", "year", "statistic", "value"]
UnitOf = Callable[[str], tuple[str, float]]
"""A commodity's unit in a table and the factor to it."""


def _valued_routes(a: xr.Dataset) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether each route has a price (in any member and year) or pays transit fees,
    shape (routes,)."""
    valued = np.zeros(a.sizes["route"], dtype=bool)
    if "price" in a.data_vars:
        valued |= a.price.notnull().any(("member", "year")).values
    if "route_transit_fee" in a.coords:
        valued |= (a.route_transit_fee > 0).any("transit_country").values
    return valued


def volume_unit(commodity: str, units: str = "native") -> tuple[str, float]:
    """The unit of a year's volume of ``commodity`` in ``units``, and the factor to it."""
    if units == "native":
        return ANNUAL_UNITS[commodity], 1.0
    if units not in ENERGY_UNITS:
        raise FlowsimError(
            f"units must be native or one of {', '.join(ENERGY_UNITS)} (got {units!r})"
        )
    return f"{units}/yr", energy_factor(commodity, units)


def summary_frame(result: Result, *, units: str = "native") -> pd.DataFrame:
    """Ensemble statistics (or the single member's values) as a long table.

    Columns: scenario, kind (route, commodity, exporter or country), name, commodity,
    variable, unit, year, statistic (value, or mean/p10/p50/p90), value. Volumes are in
    ``units`` (see the module docstring); ratios and probabilities in ``1``. With prices:
    each priced route's ``price`` (USD/kcm, USD/bbl), ``trade_value``,
    ``take_or_pay_payment`` and ``transit_fees`` (million USD/yr), each exporter's
    ``trade_value``, ``importer_cost`` and ``exporter_revenue``, and each transit
    country's ``transit_fees`` (kind country) on each commodity.
    """
    a = result.annual
    members = a.sizes["member"]
    summary = result.summary() if members > 1 else None
    stats = (
        result.with_derived().isel(member=0).expand_dims(statistic=["value"])
        if summary is None
        else summary.drop_vars(["shortfall_probability", "expected_unmet"])
    )
    valued = _valued_routes(a)
    value_variables = VALUE_ROUTE_VARIABLES if valued.any() else ()
    rows = []
    for kind, names, variables in (
        ("route", a.route.values, ROUTE_VARIABLES),
        ("route", a.route.values[valued], value_variables),
        ("commodity", a.commodity.values, COMMODITY_VARIABLES),
    ):
        for variable in variables:
            table = stats[variable].to_dataframe(name="value").reset_index()
            table = table.rename(columns={kind: "name"})
            table = table[table["name"].isin(names)]
            table["kind"] = kind
            table["variable"] = variable
            if kind == "route":
                commodity = dict(zip(a.route.values, a.route_commodity.values, strict=True))
                table["commodity"] = table["name"].map(commodity)
            else:
                table["commodity"] = table["name"]
            rule = BY_NAME[variable].unit
            if rule == "ratio":
                table["unit"] = "1"
            elif rule == "money":  # NaN: no price (or no contract)
                table = table.dropna(subset=["value"]).assign(unit=ANNUAL_MONEY_UNIT)
            elif rule == "price":
                table = table.dropna(subset=["value"])
                table = table.assign(
                    unit=[str(a.route_price_unit.sel(route=r).values) for r in table["name"]]
                )
            else:
                chosen = [volume_unit(c, units) for c in table["commodity"]]
                table["unit"] = [unit for unit, _ in chosen]
                table["value"] *= [factor for _, factor in chosen]
            rows.append(table[COLUMNS])
    if "route_exporter" in a.coords:
        rows.append(_exporter_summary(result.by_exporter(), units))
        if result.priced:
            for variable in list(VALUE_EXPORTER_VARIABLES)[:3]:
                money = result.by_exporter(variable=variable)
                rows.append(_exporter_summary(money, units, variable))
    rows += _country_summary(result)
    out = pd.concat(rows, ignore_index=True)
    if summary is not None:
        short = summary.shortfall_probability.to_dataframe().reset_index()
        short = short.rename(columns={"commodity": "name", "shortfall_probability": "value"})
        short = short.assign(
            kind="commodity",
            commodity=short["name"],
            variable="shortfall_probability",
            unit="1",
            statistic="probability",
        )
        out = pd.concat([out, short[out.columns]], ignore_index=True)
    out.insert(0, "scenario", a.attrs.get("scenario_name", ""))
    return out


def _statistics(values: xr.DataArray) -> xr.DataArray:
    """The single member's values (statistic ``value``) or the ensemble's statistics
    (mean, p10, p50, p90) of ``values``, dims (member, ...) to (statistic, ...)."""
    if values.sizes["member"] == 1:
        return values.isel(member=0).expand_dims(statistic=["value"])
    stats: xr.DataArray = member_statistics(values)
    return stats


def _exporter_summary(
    exporters: xr.DataArray, units: str, variable: str = "delivered"
) -> pd.DataFrame:
    """Summary rows of ``variable`` per exporter: ``kind = "exporter"``, the name being
    the country; volumes in ``units``, money in million USD/yr."""
    stats = _statistics(exporters)
    table = stats.rename("value").to_dataframe().reset_index().dropna(subset=["value"])
    if variable == "delivered":
        chosen = [volume_unit(str(c), units) for c in table["commodity"]]
    else:
        chosen = [(ANNUAL_MONEY_UNIT, 1.0)] * len(table)
    return table.assign(
        kind="exporter",
        name=table["exporter"],
        variable=variable,
        unit=[unit for unit, _ in chosen],
        value=table["value"] * [factor for _, factor in chosen],
    )[COLUMNS]


def _country_summary(result: Result) -> list[pd.DataFrame]:
    """Summary rows of the transit fees each country charges on each commodity's routes
    (kind country, variable ``transit_fees``, million USD/yr); none without fees."""
    a = result.annual
    if "route_transit_fee" not in a.coords:
        return []
    rows = []
    for commodity in a.commodity.values:
        c = str(commodity)
        fee = a.route_transit_fee.isel(route=a.route_commodity.values == c)
        charging = (fee > 0).any("route").values
        if not charging.any():
            continue
        fees = result.transit_fees_by_country(c).isel(transit_country=charging)
        table = _statistics(fees).rename("value").to_dataframe().reset_index()
        table = table.assign(
            kind="country",
            name=table["transit_country"],
            commodity=c,
            variable="transit_fees",
            unit=ANNUAL_MONEY_UNIT,
        )
        rows.append(table[COLUMNS])
    return rows


def _exporter_rows(
    exporters: xr.DataArray, q: float | None, suffix: str, unit_of: UnitOf, prefix: str = "Trade"
) -> list[tuple[str, str, Any]]:
    """``<prefix>|<Commodity>|<Exporter>|China`` rows: the ``q`` quantile over members of
    each exporter's total (or the single member's), in ``unit_of(commodity)``."""
    values = exporters.isel(member=0) if q is None else member_quantile(exporters, q)
    rows = []
    for commodity in values.commodity.values:
        unit, factor = unit_of(str(commodity))
        for exporter in values.exporter.values:
            series = values.sel(commodity=commodity, exporter=exporter)
            if bool(series.isnull().all()):
                continue
            name = f"{prefix}|{str(commodity).capitalize()}|{exporter}|China{suffix}"
            rows.append((name, unit, series.values * factor))
    return rows


def _fee_rows(fees: xr.DataArray, q: float | None, suffix: str) -> list[tuple[str, str, Any]]:
    """``Value|Transit Fees|<Country>`` rows: the ``q`` quantile over members of the fees
    each country charges (or the single member's), from fees of dims (member, year,
    transit_country), million USD/yr."""
    values = fees.isel(member=0) if q is None else member_quantile(fees, q)
    return [
        (
            f"Value|Transit Fees|{country}{suffix}",
            ANNUAL_MONEY_UNIT,
            values.sel(transit_country=country).values,
        )
        for country in values.transit_country.values
    ]


def _money(commodity: str) -> tuple[str, float]:
    """Money is in million USD a year whatever the commodity."""
    return ANNUAL_MONEY_UNIT, 1.0


def iamc_frame(result: Result, *, model: str | None = None, units: str = "native") -> pd.DataFrame:
    """Deliveries per exporter and per route, the utilisation of each shared arc and the
    demand balance per commodity in IAMC wide format.

    Single members give their values; ensembles give the median (P50), with
    ``|P10`` and ``|P90`` variables beside it. Volumes are in ``units``. With prices,
    also ``Price|<Commodity>|<Kind>|<Route>`` (USD/kcm, USD/bbl) of each priced route,
    ``Value|Trade|<Commodity>|<Kind>|<Route>`` and, by exporter,
    ``Value|<Trade, Importer Cost, Exporter Revenue, Take-or-Pay>|<Commodity>|<Exporter>|China``;
    with transit fees ``Value|Transit Fees|<Country>``: money in million USD/yr.
    """
    a = result.annual
    model = model or f"flowsim {a.attrs.get('flowsim_version', '')}".strip()
    scenario = str(a.attrs.get("scenario_name", ""))
    quantiles: dict[str, float | None] = (
        {"": 0.5, "|P10": 0.1, "|P90": 0.9} if a.sizes["member"] > 1 else {"": None}
    )

    summary = result.summary() if a.sizes["member"] > 1 else None
    statistic = {0.5: "p50", 0.1: "p10", 0.9: "p90"}

    def reduce(name: str, q: float | None, **where: str) -> xr.DataArray:
        if summary is None or q is None:
            return a[name].sel(where).isel(member=0)
        return summary[name].sel({"statistic": statistic[q], **where})

    exporters = result.by_exporter() if "route_exporter" in a.coords else None
    money = (
        {
            f"Value|{label}": result.by_exporter(variable=variable)
            for variable, label in VALUE_EXPORTER_VARIABLES.items()
        }
        if exporters is not None and result.priced
        else {}
    )
    fees = result.transit_fees_by_country() if "route_transit_fee" in a.coords else None
    valued = dict(zip(a.route.values, _valued_routes(a), strict=True))

    def volume(commodity: str) -> tuple[str, float]:
        return volume_unit(commodity, units)

    rows = []
    for suffix, q in quantiles.items():
        if exporters is not None:
            rows += _exporter_rows(exporters, q, suffix, volume)
        for prefix, values in money.items():
            rows += _exporter_rows(values, q, suffix, _money, prefix)
        if fees is not None:
            rows += _fee_rows(fees, q, suffix)
        for arc in a.arc.values if "arc" in a.dims else []:
            flow = reduce("arc_flow", q, arc=str(arc))
            capacity = a.arc_capacity.sel(arc=arc).isel(member=0)
            used = (flow / capacity).where(capacity > 0)
            name = f"Capacity Utilisation|{display_name(str(arc))}{suffix}"
            rows.append((name, "1", used.values))
        for route in a.route.values:
            commodity = str(a.route_commodity.sel(route=route).values)
            kind = str(a.route_kind.sel(route=route).values).capitalize()
            unit, factor = volume_unit(commodity, units)
            series = reduce("delivered", q, route=str(route))
            path = f"{commodity.capitalize()}|{kind}|{display_name(str(route))}{suffix}"
            rows.append((f"Trade|{path}", unit, series.values * factor))
            if valued[route]:  # NaN rows (no price) are dropped below
                price_unit = str(a.route_price_unit.sel(route=route).values)
                rows.append((f"Price|{path}", price_unit, reduce("price", q, route=route).values))
                value = reduce("trade_value", q, route=str(route))
                rows.append((f"Value|Trade|{path}", ANNUAL_MONEY_UNIT, value.values))
        for commodity in a.commodity.values:
            c = str(commodity)
            unit, factor = volume_unit(c, units)
            for label, variable in (
                ("Import Demand", "demand"),
                ("Balancing", "balancing"),
                ("Unmet", "unmet"),
            ):
                series = reduce(variable, q, commodity=c)
                rows.append((f"{label}|{c.capitalize()}{suffix}", unit, series.values * factor))
    years = [int(y) for y in a.year.values]
    table = pd.DataFrame(
        [[model, scenario, "China", name, unit, *values] for name, unit, values in rows],
        columns=["Model", "Scenario", "Region", "Variable", "Unit", *years],
    )
    return table.dropna(subset=years, how="all").reset_index(drop=True)
