"""Tables of a Result for spreadsheets and model intercomparison: summary and IAMC.

``summary_frame`` is long (one row per route or commodity, variable, year and
statistic); ``iamc_frame`` is the IAMC wide format (Model, Scenario, Region,
Variable, Unit, then one column per year) that IAMC tools and pyam read.
Volumes are in the commodity's own unit (``units="native"``: bcm/yr, Mt/yr)
or in energy (``"PJ"``, ``"EJ"``, ``"Mtoe"``: PJ/yr, ...), converted with the
sourced factors of :mod:`flowsim.units`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import xarray as xr

from flowsim.errors import FlowsimError
from flowsim.labels import display_name
from flowsim.results import Result, member_statistics
from flowsim.stats import member_quantile
from flowsim.units import ENERGY_UNITS, energy_factor
from flowsim.variables import ANNUAL_UNITS, BY_NAME

__all__ = ["iamc_frame", "summary_frame", "volume_unit"]

ROUTE_VARIABLES = ("delivered", "capacity", "utilisation", "share_of_demand", "contract_shortfall")
COMMODITY_VARIABLES = ("demand", "balancing", "unmet")


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

    Columns: scenario, kind (route, commodity or exporter), name, commodity, variable,
    unit, year, statistic (value, or mean/p10/p50/p90), value. Volumes are in
    ``units`` (see the module docstring); ratios and probabilities in ``1``.
    """
    a = result.annual
    members = a.sizes["member"]
    summary = result.summary() if members > 1 else None
    stats = (
        result.with_derived().isel(member=0).expand_dims(statistic=["value"])
        if summary is None
        else summary.drop_vars(["shortfall_probability", "expected_unmet"])
    )
    rows = []
    for kind, names, variables in (
        ("route", a.route.values, ROUTE_VARIABLES),
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
            if BY_NAME[variable].unit == "ratio":
                table["unit"] = "1"
            else:
                chosen = [volume_unit(c, units) for c in table["commodity"]]
                table["unit"] = [unit for unit, _ in chosen]
                table["value"] *= [factor for _, factor in chosen]
            rows.append(
                table[
                    ["kind", "name", "commodity", "variable", "unit", "year", "statistic", "value"]
                ]
            )
    if "route_exporter" in a.coords:
        rows.append(_exporter_summary(result.by_exporter(), units))
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


def _exporter_summary(exporters: xr.DataArray, units: str) -> pd.DataFrame:
    """Summary rows of the volume delivered per exporter: ``kind = "exporter"``, the name
    being the country, variable ``delivered``."""
    if exporters.sizes["member"] == 1:
        stats = exporters.isel(member=0).expand_dims(statistic=["value"])
    else:
        stats = member_statistics(exporters)
    table = stats.rename("value").to_dataframe().reset_index().dropna(subset=["value"])
    chosen = [volume_unit(str(c), units) for c in table["commodity"]]
    return table.assign(
        kind="exporter",
        name=table["exporter"],
        variable="delivered",
        unit=[unit for unit, _ in chosen],
        value=table["value"] * [factor for _, factor in chosen],
    )[["kind", "name", "commodity", "variable", "unit", "year", "statistic", "value"]]


def _exporter_rows(
    exporters: xr.DataArray, q: float | None, suffix: str, units: str
) -> list[tuple[str, str, Any]]:
    """``Trade|<Commodity>|<Exporter>|China`` rows: the ``q`` quantile over members of
    each exporter's total (or the single member's)."""
    values = exporters.isel(member=0) if q is None else member_quantile(exporters, q)
    rows = []
    for commodity in values.commodity.values:
        unit, factor = volume_unit(str(commodity), units)
        for exporter in values.exporter.values:
            series = values.sel(commodity=commodity, exporter=exporter)
            if bool(series.isnull().all()):
                continue
            name = f"Trade|{str(commodity).capitalize()}|{exporter}|China{suffix}"
            rows.append((name, unit, series.values * factor))
    return rows


def iamc_frame(result: Result, *, model: str | None = None, units: str = "native") -> pd.DataFrame:
    """Deliveries per exporter and per route, the utilisation of each shared arc and the
    demand balance per commodity in IAMC wide format.

    Single members give their values; ensembles give the median (P50), with
    ``|P10`` and ``|P90`` variables beside it. Volumes are in ``units``.
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
    rows = []
    for suffix, q in quantiles.items():
        if exporters is not None:
            rows += _exporter_rows(exporters, q, suffix, units)
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
            name = f"Trade|{commodity.capitalize()}|{kind}|{display_name(str(route))}{suffix}"
            rows.append((name, unit, series.values * factor))
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
