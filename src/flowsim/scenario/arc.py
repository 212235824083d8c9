"""An arc: a stretch of the supply network that several routes may share.

A pipeline section, a sea lane, a port or a border crossing, with a capacity
schedule, planned maintenance, forced outages and losses of its own. A route
runs over its own capacity (its private stretch) and the shared arcs it
lists, upstream first (docs/model.md, "Supply network"). Part of the scenario
tree (:mod:`flowsim.scenario.tree`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from flowsim.scenario.fields import Cite, Commodity, Model
from flowsim.scenario.route import ForcedOutages, Maintenance
from flowsim.scenario.schedules import Schedule

__all__ = ["Arc"]


class Arc(Model):
    """A shared stretch of the network: every route through it draws on one capacity."""

    label: str | None = None
    """Name for tables and figures (default: the arc id)."""
    commodity: Commodity
    """What it carries (every route through it carries the same)."""
    kind: Literal["pipeline", "seaborne", "port", "border"] = "pipeline"
    """Pipeline section, sea lane, loading port or border crossing."""
    capacity: Schedule
    """Most it carries, as volume entering it: bcm/yr for gas, Mt/yr for oil."""
    own_use_loss_fraction: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Share of what enters the arc that does not leave it (fuel gas, losses)."""
    maintenance: list[Maintenance] = []
    """Planned maintenance windows."""
    forced_outages: ForcedOutages | None = None
    """Unplanned outage model (omitted: none)."""
    cite: Cite
    """Where the arc's own figures (kind, loss) come from."""
    notes: str = ""
    """Free text for readers of the file."""
