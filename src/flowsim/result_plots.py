"""``Result.plot``: one result's figures as methods (:mod:`flowsim.plots` for volumes,
:mod:`flowsim.plots_value` for what the flows are worth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim.plots import capacity_vs_delivered, deliveries, fan, share_of_demand
from flowsim.plots_value import price_fan, value_by_route

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from flowsim.results import Result

__all__ = ["Plots"]


class Plots:
    """``Result.plot``: the figures of one result."""

    def __init__(self, result: Result) -> None:
        self._result = result

    def deliveries(self, commodity: str) -> Figure:
        return deliveries(self._result, commodity)

    def fan(self, route: str | None = None, commodity: str | None = None) -> Figure:
        return fan(self._result, route, commodity)

    def share_of_demand(self, commodity: str) -> Figure:
        return share_of_demand(self._result, commodity)

    def capacity_vs_delivered(self, commodity: str) -> Figure:
        return capacity_vs_delivered(self._result, commodity)

    def value_by_route(self, commodity: str) -> Figure:
        return value_by_route(self._result, commodity)

    def price_fan(self, commodity: str) -> Figure:
        return price_fan(self._result, commodity)
