"""Tables of a Result for spreadsheets and model intercomparison: summary and IAMC.

``summary_frame`` is long (one row per route or commodity, variable, year and
statistic); ``iamc_frame`` is the IAMC wide format (Model, Scenario, Region,
Variable, Unit, then one column per year) that IAMC tools and pyam read.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from flowsim.results import Result, member_quantile

__all__ = ["display_name", "iamc_frame", "summary_frame"]

UNITS = {"gas": "bcm/yr", "oil": "Mt/yr"}
"""Annual unit of each commodity (gas at 20 °C reference conditions)."""

ROUTE_VARIABLES = ("delivered", "capacity", "utilisation", "share_of_demand", "contract_shortfall")
COMMODITY_VARIABLES = ("demand", "balancing", "unmet")

_ACRONYMS = {"lng": "LNG", "espo": "ESPO", "pos2": "PoS2", "cagp": "CAGP"}
_SMALL = {"of", "and", "to", "via"}


def display_name(identifier: str) -> str:
    """A readable name from an id: ``power_of_siberia`` -> ``Power of Siberia``."""
    words = identifier.split("_")
    out = []
    for i, word in enumerate(words):
        if word in _ACRONYMS:
            out.append(_ACRONYMS[word])
        elif word in _SMALL and i > 0:
            out.append(word)
        else:
            out.append(word.capitalize())
    return " ".join(out)


def summary_frame(result: Result) -> pd.DataFrame:
    """Ensemble statistics (or the single member's values) as a long table.

    Columns: scenario, kind (route or commodity), name, commodity, variable,
    unit, year, statistic (value, or mean/p10/p50/p90), value.
    """
    a = result.annual
    members = a.sizes["member"]
    values = result.with_derived()
    stats = (
        values.isel(member=0).expand_dims(statistic=["value"])
        if members == 1
        else result.summary().drop_vars(["shortfall_probability", "expected_unmet"])
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
                ratio = variable in ("utilisation", "share_of_demand")
                table["unit"] = "1" if ratio else table["commodity"].map(UNITS)
            else:
                table["commodity"] = table["name"]
                table["unit"] = table["commodity"].map(UNITS)
            rows.append(
                table[
                    ["kind", "name", "commodity", "variable", "unit", "year", "statistic", "value"]
                ]
            )
    out = pd.concat(rows, ignore_index=True)
    if members > 1:
        short = result.summary().shortfall_probability.to_dataframe().reset_index()
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


def iamc_frame(result: Result, *, model: str | None = None) -> pd.DataFrame:
    """Deliveries per route and the demand balance per commodity in IAMC wide format.

    Single members give their values; ensembles give the median (P50), with
    ``|P10`` and ``|P90`` variables beside it.
    """
    a = result.annual
    model = model or f"flowsim {a.attrs.get('flowsim_version', '')}".strip()
    scenario = str(a.attrs.get("scenario_name", ""))
    quantiles: dict[str, float | None] = (
        {"": 0.5, "|P10": 0.1, "|P90": 0.9} if a.sizes["member"] > 1 else {"": None}
    )

    def reduce(values: xr.DataArray, q: float | None) -> xr.DataArray:
        return values.isel(member=0) if q is None else member_quantile(values, q)

    rows = []
    for suffix, q in quantiles.items():
        for route in a.route.values:
            commodity = str(a.route_commodity.sel(route=route).values)
            kind = str(a.route_kind.sel(route=route).values).capitalize()
            series = reduce(a.delivered.sel(route=route), q)
            name = f"Trade|{commodity.capitalize()}|{kind}|{display_name(str(route))}{suffix}"
            rows.append((name, UNITS[commodity], series.values))
        for commodity in a.commodity.values:
            c = str(commodity)
            for label, variable in (
                ("Import Demand", "demand"),
                ("Balancing", "balancing"),
                ("Unmet", "unmet"),
            ):
                series = reduce(a[variable].sel(commodity=commodity), q)
                rows.append((f"{label}|{c.capitalize()}{suffix}", UNITS[c], series.values))
    years = [int(y) for y in a.year.values]
    table = pd.DataFrame(
        [[model, scenario, "China", name, unit, *values] for name, unit, values in rows],
        columns=["Model", "Scenario", "Region", "Variable", "Unit", *years],
    )
    return table.dropna(subset=years, how="all").reset_index(drop=True)
