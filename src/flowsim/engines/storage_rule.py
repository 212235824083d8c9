"""The day's storage and balancing rule, written once for every engine.

docs/model.md, "Storage": before the routes, a pool offers its *room* (what it
can take in today) as demand on top of China's; after them, what the routes
delivered beyond demand is injected, and what they left short is served by the
pool down to its floor, balancing supply, then the pool below its floor (an
emergency draw); the rest is unmet. A pool with a target rule buys what
balancing has left to climb back to its target.

The functions use only arithmetic, comparisons and :func:`numpy.minimum` /
:func:`numpy.maximum`, so that one definition serves the numpy engine (arrays
of members), the DES (floats) and the numba engine (compiled, one lane at a
time): the engines agree because they run the same operations in the same
order. Quantities are annual rates (bcm/yr, Mt/yr) except levels and volumes
(bcm, Mt); ``days`` is the number of days in the year, so a rate moves a level
by ``rate / days`` in a day.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["clear_day", "fill_of", "room"]


def fill_of(level: Any, volume: float) -> Any:
    """Fill fraction of a pool at ``level`` with working ``volume`` (1 when it has none)."""
    return level / volume if volume > 0.0 else level * 0.0 + 1.0


def room(level: Any, volume: float, injection: Any, days: int) -> Any:
    """What a pool can take in today, annual rate: its injection rate (``injection``, the
    day's rate times its fill curve's factor) or what fills it, the smaller."""
    return np.minimum(injection, np.maximum(volume - level, 0.0) * days)


def clear_day(
    rest: Any,
    offered: Any,
    level: Any,
    volume: Any,
    withdrawal: Any,
    floor: Any,
    target: Any,
    injection: Any,
    balancing_cap: Any,
    days: int,
    after_balancing: bool,
) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Settle a commodity's day after its routes.

    ``rest``: what the routes left of demand plus the pool's room; ``offered``: that
    room; ``withdrawal`` and ``injection``: the day's rates times the fill curves'
    factors; ``floor`` and ``target``: fill fractions. Each a float or an array of days
    (the numpy engine settles a whole window at once). Returns ``(injected,
    withdrawn, emergency, balancing, unmet, level)``: what went in (the routes'
    surplus and purchases), what came out (``emergency`` of it below the floor),
    balancing supplied (purchases included), demand left unmet, and the level at the
    end of the day.
    """
    surplus = np.maximum(offered - rest, 0.0)
    short = np.maximum(rest - offered, 0.0)
    usable = np.maximum(level - floor * volume, 0.0) * days
    if after_balancing:
        bought = np.minimum(short, balancing_cap)
        short = short - bought
        drawn = np.minimum(np.minimum(short, withdrawal), usable)
        short = short - drawn
    else:
        drawn = np.minimum(np.minimum(short, withdrawal), usable)
        short = short - drawn
        bought = np.minimum(short, balancing_cap)
        short = short - bought
    emergency = np.minimum(
        np.minimum(short, withdrawal - drawn), np.maximum(level * days - drawn, 0.0)
    )
    short = short - emergency
    climb = np.maximum((target * volume - level) * days - surplus, 0.0)
    purchase = np.minimum(np.minimum(balancing_cap - bought, injection - surplus), climb)
    purchase = np.maximum(purchase, 0.0)
    injected = surplus + purchase
    withdrawn = drawn + emergency
    level = np.maximum(level + (injected - withdrawn) / days, 0.0)
    return injected, withdrawn, emergency, bought + purchase, short, level
