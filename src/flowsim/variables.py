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
    "ANNUAL_ROUTE",
    "ANNUAL_UNITS",
    "ARC_FULL",
    "BINDING",
    "CF_UNITS",
    "COMMODITIES",
    "DAILY",
    "DAILY_UNITS",
    "DERIVED",
    "VOLUME_UNITS",
    "Variable",
    "names",
    "unit_coordinate",
]

COMMODITIES: tuple[Commodity, ...] = typing.get_args(Commodity)
"""Every commodity, in the order results list them."""

VOLUME_UNITS: dict[str, str] = {"gas": "bcm", "oil": "Mt"}
"""Unit of a volume of each commodity (gas at 20 °C and 101.325 kPa)."""

ANNUAL_UNITS: dict[str, str] = {c: f"{u}/yr" for c, u in VOLUME_UNITS.items()}
"""Unit of a year's volume of each commodity: ``bcm/yr``, ``Mt/yr``."""

DAILY_UNITS: dict[str, str] = {c: f"{u}/d" for c, u in VOLUME_UNITS.items()}
"""Unit of a day's volume of each commodity: ``bcm/d``, ``Mt/d``."""

CF_UNITS: dict[str, str] = {
    "bcm/yr": "km3 yr-1",
    "Mt/yr": "Mt yr-1",
    "bcm/d": "km3 d-1",
    "Mt/d": "Mt d-1",
}
"""The CF/UDUNITS spelling of each unit coordinate value (1 bcm = 1 km³)."""

BINDING = ("capacity", "outage", "contract", "arc", "source", "demand")
"""What set a route's flow on a day, in the order ties are resolved (docs/model.md)."""

Axis = Literal["route", "commodity", "source", "arc"]
UnitRule = Literal["volume", "days", "ratio"]


@dataclass(frozen=True)
class Variable:
    """One output variable.

    ``axis`` is its last dimension (after ``member`` and ``year`` or ``day``);
    ``unit`` is its rule: ``volume`` (the commodity's unit, by unit coordinate),
    ``days`` (a count of days, ``"d"``) or ``ratio`` (dimensionless, ``"1"``).
    """

    name: str
    axis: Axis
    unit: UnitRule
    description: str
    dtype: str = "float64"

    def attrs(self) -> dict[str, str]:
        """The netCDF attributes: description and ``units`` or ``unit_coordinate``."""
        if self.unit == "volume":
            return {"description": self.description, "unit_coordinate": f"{self.axis}_unit"}
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
)
"""Annual route variables, dims (member, year, route), in the engines' order."""

ANNUAL_COMMODITY: tuple[Variable, ...] = (
    Variable("demand", "commodity", "volume", "import demand served by routes and balancing"),
    Variable("balancing", "commodity", "volume", "demand covered by balancing supply"),
    Variable("unmet", "commodity", "volume", "demand neither routes nor balancing covered"),
    Variable(
        "n_minus_1",
        "commodity",
        "ratio",
        "peak-day route capacity without the largest route, over peak-day demand",
    ),
)
"""Annual commodity variables, dims (member, year, commodity)."""

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

ANNUAL = ANNUAL_ROUTE + ANNUAL_COMMODITY + ANNUAL_ARC
"""Every annual variable an engine returns."""

DAILY: tuple[Variable, ...] = (
    _route_volume("flow", "volume entering the route"),
    _route_volume("delivered", "volume arriving in China"),
    _route_volume("available", "capacity times availability"),
    _route_volume("contract_limit", "most the contract allows (inf: no contract)"),
    Variable("demand", "commodity", "volume", "import demand (NaN: no demand block)"),
    Variable("balancing", "commodity", "volume", "demand covered by balancing supply"),
    Variable("unmet", "commodity", "volume", "demand neither routes nor balancing covered"),
    Variable("production", "source", "volume", "production available (inf: not limited)"),
)
"""Daily variables, dims (member, day, route | commodity | source); engines name their
arrays ``daily_<name>``."""

DERIVED: tuple[Variable, ...] = (
    Variable("utilisation", "route", "ratio", "flow over capacity"),
    Variable("share_of_demand", "route", "ratio", "delivered over the commodity's demand"),
    _route_volume("contract_shortfall", "ACQ less delivered, at least 0"),
    _route_volume(
        "take_or_pay_exposure",
        "take-or-pay floor less delivered, at least 0, in years the route was demand-limited",
    ),
)
"""Per-member variables derived from the annual ones (:meth:`flowsim.Result.derived`)."""

BY_NAME: dict[str, Variable] = {v.name: v for v in (*ANNUAL, *DERIVED)}
"""Annual and derived variables by name."""


def names(variables: tuple[Variable, ...]) -> tuple[str, ...]:
    """The names of ``variables``, in order."""
    return tuple(v.name for v in variables)


def unit_coordinate(
    axis: Axis, commodities: list[str], *, daily: bool = False
) -> tuple[str, list[str], dict[str, str]]:
    """The unit coordinate of ``axis`` whose entries carry ``commodities``, for xarray.

    Its values are :data:`ANNUAL_UNITS` (or :data:`DAILY_UNITS`) by commodity.
    """
    units = DAILY_UNITS if daily else ANNUAL_UNITS
    used = dict.fromkeys(units[c] for c in commodities)
    return (
        axis,
        [units[c] for c in commodities],
        {
            "description": f"unit of the volumes of each {axis}",
            "cf_units": "; ".join(f"{u} = {CF_UNITS[u]}" for u in used),
        },
    )
