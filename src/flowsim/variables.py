"""The output vocabulary: every variable a run produces, once, with its dims, dtype and unit.

Engines fill arrays named here, stores and results wrap them with the dims
and units given here, and the writers read names and units from here; no
other module spells a variable's name, shape or unit.

Units. A volume in flowsim is in its commodity's unit: bcm (10^9 m³ at 20 °C,
101.325 kPa) for gas and Mt for crude. A volume variable therefore mixes two
units along its ``route`` or ``commodity`` axis; its unit is given per entry
by a *unit coordinate* on that axis (``route_unit``, ``commodity_unit``,
``source_unit``), whose values are :data:`ANNUAL_UNITS` or :data:`DAILY_UNITS`
(``"bcm/yr"``, ``"Mt/yr"``; ``"bcm/d"``, ``"Mt/d"``), and the variable's
attribute ``unit_coordinate`` names that coordinate. Every other variable has
one unit, a CF/UDUNITS string in its ``units`` attribute (``"d"``, ``"1"``).
:data:`CF_UNITS` gives the CF/UDUNITS spelling of each unit coordinate value.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

from flowsim.scenario.fields import Commodity

__all__ = [
    "ANNUAL",
    "ANNUAL_ARC",
    "ANNUAL_COMMODITY",
    "ANNUAL_MONEY_UNIT",
    "ANNUAL_ROUTE",
    "ANNUAL_UNITS",
    "ARC_FULL",
    "BINDING",
    "CF_UNITS",
    "COMMODITIES",
    "CONTRACTS",
    "DAILY",
    "DAILY_UNITS",
    "DERIVED",
    "DRAWS",
    "ENGINE_ANNUAL",
    "MONEY_UNIT",
    "MONTHLY",
    "PEAK_DAY",
    "PRICE_UNITS",
    "SECURITY",
    "STOCK_UNITS",
    "UNMET_SHARE",
    "VALUE",
    "VOLUME_UNITS",
    "Variable",
    "names",
    "unit_coordinate",
]

COMMODITIES: tuple[Commodity, ...] = typing.get_args(Commodity)
"""Every commodity, in the order results list them."""

VOLUME_UNITS: dict[str, str] = {"gas": "bcm", "oil": "Mt"}
"""Unit of a volume of each commodity (gas at 20 °C and 101.325 kPa)."""

PRICE_UNITS: dict[str, str] = {"gas": "USD/kcm", "oil": "USD/bbl"}
"""Unit of a price of each commodity in results: US dollars per 1000 m³ of gas, per
barrel of crude (of the day)."""

STOCK_UNITS: dict[str, str] = dict(VOLUME_UNITS)
"""Unit of a level held at a moment (a storage level): ``bcm``, ``Mt``."""

ANNUAL_UNITS: dict[str, str] = {c: f"{u}/yr" for c, u in VOLUME_UNITS.items()}
"""Unit of a year's volume of each commodity: ``bcm/yr``, ``Mt/yr``."""

DAILY_UNITS: dict[str, str] = {c: f"{u}/d" for c, u in VOLUME_UNITS.items()}
"""Unit of a day's volume of each commodity: ``bcm/d``, ``Mt/d``."""

CF_UNITS: dict[str, str] = {
    "bcm/yr": "km3 yr-1",
    "Mt/yr": "Mt yr-1",
    "bcm/d": "km3 d-1",
    "Mt/d": "Mt d-1",
    "bcm": "km3",
    "Mt": "Mt",
    "USD/kcm": "1e-3 m-3",
    "USD/bbl": "bbl-1",
}
"""The CF/UDUNITS spelling of each unit coordinate value (1 bcm = 1 km³; a price's
currency, which UDUNITS cannot spell, is the coordinate's ``currency``)."""

BINDING = ("capacity", "outage", "contract", "arc", "source", "demand")
"""What set a route's flow on a day, in the order ties are resolved (docs/model.md)."""

Axis = Literal["route", "commodity", "source", "arc", "figure", "shock"]
UnitRule = Literal["volume", "stock", "days", "ratio", "money", "price"]


@dataclass(frozen=True)
class Variable:
    """One output variable.

    ``axis`` is its last dimension (after ``member`` and ``year`` or ``day``; after
    ``member`` alone where not ``yearly``); ``unit`` is its rule: ``volume`` (a year's or
    a day's volume in the commodity's unit, by unit coordinate ``<axis>_unit``),
    ``stock`` (a level held at a moment, bcm or Mt, by unit coordinate
    ``<axis>_stock_unit``), ``days`` (a count of days, ``"d"``), ``ratio``
    (dimensionless, ``"1"``; also a flag), ``money`` (million US dollars of the day:
    ``units`` ``"1e6"`` and ``currency`` ``"USD"``, since UDUNITS knows no currency) or
    ``price`` (:data:`PRICE_UNITS` by commodity, by unit coordinate
    ``<axis>_price_unit``).
    """

    name: str
    axis: Axis
    unit: UnitRule
    description: str
    dtype: str = "float64"
    yearly: bool = True

    @property
    def dims(self) -> tuple[str, ...]:
        """Its dimensions in an annual Dataset: (member, year, axis) or (member, axis)."""
        return ("member", "year", self.axis) if self.yearly else ("member", self.axis)

    def attrs(self) -> dict[str, str]:
        """The netCDF attributes: description and ``units`` or ``unit_coordinate``."""
        if self.unit == "volume":
            return {"description": self.description, "unit_coordinate": f"{self.axis}_unit"}
        if self.unit == "stock":
            return {
                "description": self.description,
                "unit_coordinate": f"{self.axis}_stock_unit",
            }
        if self.unit == "price":
            return {
                "description": self.description,
                "unit_coordinate": f"{self.axis}_price_unit",
            }
        if self.unit == "money":  # UDUNITS has no currency: a scale, and the currency apart
            return {"description": self.description, "units": "1e6", "currency": "USD"}
        return {"description": self.description, "units": "d" if self.unit == "days" else "1"}


def _route_volume(name: str, description: str) -> Variable:
    return Variable(name, "route", "volume", description)


ANNUAL_ROUTE: tuple[Variable, ...] = (
    _route_volume("delivered", "volume arriving in China (after own-use loss)"),
    _route_volume("flow", "volume entering the route"),
    _route_volume("capacity", "nominal capacity (sum of daily capacity)"),
    _route_volume("available", "capacity times availability (after maintenance, outages, shocks)"),
    _route_volume("contract", "annual contract quantity (ACQ)"),
    Variable("outage_days", "route", "days", "days with availability below 1", "int16"),
    *(
        Variable(f"binding_{b}_days", "route", "days", f"days the {b} bound set the flow", "int16")
        for b in BINDING
    ),
    _route_volume(
        "contract_take",
        "volume entering the route in the contract year starting in this year (0: no contract)",
    ),
    _route_volume(
        "contract_unavailable",
        "contract volume the route could not make available in that contract year "
        "(daily contract quantity less what it could carry, summed)",
    ),
)
"""Annual route variables, dims (member, year, route), in the engines' order; the
``contract_*`` ones are by contract year (docs/model.md, "Contracts over time")."""

ANNUAL_COMMODITY: tuple[Variable, ...] = (
    Variable("demand", "commodity", "volume", "import demand served by routes and balancing"),
    Variable("balancing", "commodity", "volume", "demand covered by balancing supply"),
    Variable("unmet", "commodity", "volume", "demand neither routes nor balancing covered"),
    Variable(
        "unmet_days",
        "commodity",
        "days",
        "days with unmet demand above UNMET_SHARE of the day's demand",
        "int16",
    ),
    Variable("storage_injection", "commodity", "volume", "volume put into storage"),
    Variable("storage_withdrawal", "commodity", "volume", "volume drawn from storage"),
    Variable(
        "storage_emergency",
        "commodity",
        "volume",
        "volume drawn from storage below its floor (reserve or target), after balancing",
    ),
    Variable("storage_level", "commodity", "stock", "storage level at the end of the year"),
    Variable(
        "storage_level_winter_end",
        "commodity",
        "stock",
        "storage level at the end of 31 March (the end of winter)",
    ),
    Variable("consumption", "commodity", "volume", "China's consumption (NaN: not given)"),
    Variable(
        "domestic_production", "commodity", "volume", "China's own production (NaN: not given)"
    ),
    Variable("peak_demand", "commodity", "volume", "import demand on the year's peak day (a rate)"),
    Variable("peak_day", "commodity", "days", "the year's (first) peak day, days from 1 January"),
    Variable(
        "peak_route_capacity",
        "commodity",
        "volume",
        "nominal capacity of the commodity's routes on the peak day (a rate)",
    ),
    Variable(
        "peak_largest_route",
        "commodity",
        "volume",
        "nominal capacity of the largest route on the peak day (a rate)",
    ),
    Variable(
        "peak_storage_level", "commodity", "stock", "storage level at the start of the peak day"
    ),
)
"""Annual commodity variables, dims (member, year, commodity)."""

UNMET_SHARE = 1e-9
"""A day (or a year) has unmet demand when what is unmet exceeds this share of its
demand: rounding in the engines is far below it."""

ARC_FULL = 1e-9
"""An arc ends a day *full* (a binding day) when what is left of it after the day's
dispatch is at most this share of its available capacity (docs/model.md)."""

ANNUAL_ARC: tuple[Variable, ...] = (
    Variable("arc_flow", "arc", "volume", "volume entering the arc, all routes over it together"),
    Variable("arc_capacity", "arc", "volume", "nominal capacity (sum of daily capacity)"),
    Variable("arc_available", "arc", "volume", "capacity times availability"),
    Variable("arc_outage_days", "arc", "days", "days with availability below 1", "int16"),
    Variable(
        "arc_binding_days",
        "arc",
        "days",
        "days the arc ended full (what was left at most ARC_FULL of its available capacity)",
        "int16",
    ),
)
"""Annual arc variables, dims (member, year, arc): the shared stretches of the network."""

PEAK_DAY = tuple(v.name for v in ANNUAL_COMMODITY if v.name.startswith("peak_"))
"""The values each year records of its (first) peak-demand day, in ANNUAL_COMMODITY
order: demand, the day, the routes' capacity and the largest's, the storage level."""

ENGINE_ANNUAL = ANNUAL_ROUTE + ANNUAL_COMMODITY + ANNUAL_ARC
"""Every annual variable an engine returns."""

SECURITY: tuple[Variable, ...] = (
    Variable(
        "corridor_cover",
        "commodity",
        "ratio",
        "peak-day route capacity without the largest route, over peak-day import demand",
    ),
    Variable(
        "n_minus_1",
        "commodity",
        "ratio",
        "EU 2017/1938 Annex II N-1: (routes + production + storage + LNG - largest) / demand",
    ),
    Variable(
        "survival_days",
        "commodity",
        "days",
        "days storage covers the peak without the largest infrastructure (365: a year or more)",
    ),
)
"""Security-of-supply variables (flowsim.security), dims (member, year, commodity):
computed from the engines' peak-day values, the same way for every engine."""

CONTRACTS: tuple[Variable, ...] = (
    _route_volume(
        "paid_not_taken",
        "take-or-pay volume the buyer paid for but did not take in the contract year",
    ),
    _route_volume(
        "make_up_recovered", "paid-not-taken volume of earlier contract years taken back"
    ),
    _route_volume("make_up_expired", "paid-not-taken volume whose make-up right ran out"),
    Variable(
        "make_up_balance",
        "route",
        "stock",
        "paid-not-taken volume still recoverable at the end of the contract year",
    ),
)
"""Take-or-pay accounts (flowsim.contracts) of each contract year, dims (member, year,
route): NaN for a route without contract and a contract year the horizon cuts short."""

VALUE: tuple[Variable, ...] = (
    Variable(
        "trade_value",
        "route",
        "money",
        "value of what the route delivers to China at its contract price: each month's "
        "deliveries at the month's price (NaN: no price)",
    ),
    Variable(
        "transit_fees",
        "route",
        "money",
        "fees transit countries charge on the volume entering the route",
    ),
    Variable(
        "take_or_pay_payment",
        "route",
        "money",
        "what the buyer paid for volume it did not take in the contract year starting in "
        "this year, at the year's mean contract price (NaN: no contract or no price)",
    ),
    Variable(
        "price",
        "route",
        "price",
        "the route's mean monthly contract price over the year (NaN: no price)",
    ),
    Variable(
        "importer_cost",
        "route",
        "money",
        "what China's buyer pays: trade value plus take-or-pay payment (NaN: no price)",
    ),
    Variable(
        "exporter_revenue",
        "route",
        "money",
        "what the exporter keeps: the importer's cost less transit fees (NaN: no price)",
    ),
)
"""What the flows are worth, from the routes' prices (:mod:`flowsim.value`)."""

MONEY_UNIT = "million USD"
"""Unit of money in tables, reported figures and comparisons: million US dollars of the
day (no deflator); results.nc spells it ``units = "1e6"``, ``currency = "USD"``."""

ANNUAL_MONEY_UNIT = f"{MONEY_UNIT}/yr"
"""Unit of a year's money in summary.csv and iamc.csv."""

MONTHLY = "monthly_delivered"
"""What engines add for a run with prices: each route's deliveries in each month (a
month's volume, bcm or Mt), shape (members, months, routes); trade value is built of it
(:mod:`flowsim.value`)."""

ANNUAL = ENGINE_ANNUAL + SECURITY + CONTRACTS + VALUE
"""Every annual variable of a result."""

DAILY: tuple[Variable, ...] = (
    _route_volume("flow", "volume entering the route"),
    _route_volume("delivered", "volume arriving in China"),
    _route_volume("available", "capacity times availability"),
    _route_volume("contract_limit", "most the contract allows (inf: no contract)"),
    Variable("demand", "commodity", "volume", "import demand (NaN: no demand block)"),
    Variable("balancing", "commodity", "volume", "demand covered by balancing supply"),
    Variable("unmet", "commodity", "volume", "demand neither routes nor balancing covered"),
    Variable("storage_injection", "commodity", "volume", "volume put into storage"),
    Variable("storage_withdrawal", "commodity", "volume", "volume drawn from storage"),
    Variable("storage_level", "commodity", "stock", "storage level at the end of the day"),
    Variable("production", "source", "volume", "production available (inf: not limited)"),
)
"""Daily variables, dims (member, day, route | commodity | source); engines name their
arrays ``daily_<name>``."""

DERIVED: tuple[Variable, ...] = (
    Variable("utilisation", "route", "ratio", "flow over capacity"),
    Variable("share_of_demand", "route", "ratio", "delivered over the commodity's demand"),
    Variable("share_of_consumption", "route", "ratio", "delivered over China's consumption"),
    _route_volume("contract_shortfall", "ACQ less delivered, at least 0"),
)
"""Per-member variables derived from the annual ones (:meth:`flowsim.Result.derived`)."""

DRAWS: tuple[Variable, ...] = (
    Variable(
        "figure_value",
        "figure",
        "ratio",
        "drawn value of each uncertain figure (a factor; the same each year where drawn "
        "per member)",
    ),
    Variable(
        "shock_happened",
        "shock",
        "ratio",
        "whether the shock occurred in the member (a fixed-date one: its probability "
        "draw; a random one: at least once)",
        "bool",
        yearly=False,
    ),
)
"""What each member drew (:mod:`flowsim.conditions`): the uncertain figures' values, dims
(member, year, figure), and which shocks happened, dims (member, shock); annual variables
of a result besides :data:`ANNUAL`."""

BY_NAME: dict[str, Variable] = {v.name: v for v in (*ANNUAL, *DRAWS, *DERIVED)}
"""Annual, draw and derived variables by name."""


def names(variables: tuple[Variable, ...]) -> tuple[str, ...]:
    """The names of ``variables``, in order."""
    return tuple(v.name for v in variables)


def unit_coordinate(
    axis: Axis,
    commodities: list[str],
    *,
    daily: bool = False,
    stock: bool = False,
    price: bool = False,
) -> tuple[str, list[str], dict[str, str]]:
    """The unit coordinate of ``axis`` whose entries carry ``commodities``, for xarray.

    Its values are :data:`ANNUAL_UNITS` (or :data:`DAILY_UNITS`, or with ``stock``
    :data:`STOCK_UNITS`, or with ``price`` :data:`PRICE_UNITS`) by commodity.
    """
    units = (
        PRICE_UNITS if price else STOCK_UNITS if stock else DAILY_UNITS if daily else ANNUAL_UNITS
    )
    used = dict.fromkeys(units[c] for c in commodities)
    extra = {"currency": "USD"} if price else {}
    return (
        axis,
        [units[c] for c in commodities],
        {
            "description": f"unit of the {'prices' if price else 'volumes'} of each {axis}",
            "cf_units": "; ".join(f"{u} = {CF_UNITS[u]}" for u in used),
            **extra,
        },
    )
