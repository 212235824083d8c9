"""What a reported series measures in a result: deliveries or trade value, summed over
the series' routes, per member and year (:mod:`flowsim.backtest` scores it, and
:func:`flowsim.plots.backtest` draws it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import xarray as xr

if TYPE_CHECKING:
    from flowsim.results import Result

from flowsim.variables import MONEY_UNIT as VALUE_UNIT

__all__ = ["VALUE_UNIT", "series_values"]


def series_values(result: Result, routes: str, unit: str) -> xr.DataArray:
    """What a reported series of ``unit`` measures in ``result``, per member and year:
    ``delivered`` summed over ``routes`` (ids joined by ``+``), or for a trade value
    (:data:`VALUE_UNIT`) ``trade_value`` summed (NaN if one of the routes has no price)."""
    variable = "trade_value" if unit == VALUE_UNIT else "delivered"
    values: xr.DataArray = result.annual[variable].sel(route=routes.split("+"))
    summed: xr.DataArray = values.sum("route", skipna=unit != VALUE_UNIT)
    return summed
