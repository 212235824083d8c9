"""Paired differences of ensembles sampled with common random numbers: B - A member by member.

Two ensembles run with the same seed and the same members share their random
numbers: member k of A and member k of B draw the same realisations of the
random elements the scenarios share (a route's outages, a demand path), so
``B - A`` of member k is what the scenarios' difference does in one world of
draws. Its quantiles over members, and the share of members where B is lower,
say how likely B is below A, which the difference of the medians cannot.

A member's B and A *tie* when ``|B - A| <= TIE_TOLERANCE x max(|A|, |B|, 1)``
(volumes in bcm or Mt, money in million USD: below one unit the tolerance is
absolute); ties are counted apart, so ``p_lower + p_equal + p_higher = 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from flowsim.stats import member_quantile

if TYPE_CHECKING:
    from flowsim.results import Result

__all__ = [
    "STATISTICS",
    "TIE_TOLERANCE",
    "Quantity",
    "member_differences",
    "paired_table",
    "unpaired_reason",
]

TIE_TOLERANCE = 1e-9
"""B and A tie in a member when they differ by at most this share of the larger of |A|,
|B| and 1 (one bcm or Mt; one million USD)."""

STATISTICS = ("p10", "p50", "p90", "p_lower", "p_equal", "p_higher")
"""P10, P50, P90 of B - A over members; shares of members with B below, tied with, above A."""


class Quantity(NamedTuple):
    """One compared output of one result: ``values`` (member, year) in ``unit``."""

    variable: str
    name: str
    unit: str
    values: xr.DataArray


def unpaired_reason(a: Result, b: Result, name_a: str, name_b: str) -> str | None:
    """Why member k of ``b`` cannot be set against member k of ``a`` (None when it can):
    a deterministic result, other members, or another seed (no common random numbers)."""
    members = {name_a: a.annual.member.values, name_b: b.annual.member.values}
    single = [name for name, m in members.items() if m.size == 1]
    if single:
        return f"{' and '.join(single)} is one deterministic member, not an ensemble"
    if members[name_a].size != members[name_b].size:
        return (
            f"{name_b} has {members[name_b].size} members and {name_a} {members[name_a].size}; "
            "run both with --members N --seed S"
        )
    if not np.array_equal(members[name_a], members[name_b]):
        return f"{name_b} and {name_a} hold differently numbered members"
    seeds = (a.annual.attrs.get("seed"), b.annual.attrs.get("seed"))
    if None not in seeds and seeds[0] != seeds[1]:
        return (
            f"{name_b} was sampled with seed {seeds[1]} and {name_a} with seed {seeds[0]}, "
            "so member k of each drew other numbers; run both with --seed S"
        )
    return None


def member_differences(a: xr.DataArray, b: xr.DataArray) -> xr.DataArray:
    """:data:`STATISTICS` of ``b - a`` member by member, along a new first dimension
    ``statistic``; the other dimensions are those of ``a`` and ``b`` less ``member``.

    Quantiles in the values' unit, shares in [0, 1] of the members where both have a
    value (NaN where none has).
    """
    a, b = xr.align(a, b, join="exact")
    difference = b - a
    scale = np.maximum(np.maximum(abs(a), abs(b)), 1.0)
    tie = abs(difference) <= TIE_TOLERANCE * scale
    defined = difference.notnull()
    count = defined.sum("member")
    per_member = count.where(count > 0)  # NaN where no member has a value: no 0/0
    parts = [member_quantile(difference, q) for q in (0.1, 0.5, 0.9)]
    for side in (defined & ~tie & (difference < 0), tie, defined & ~tie & (difference > 0)):
        parts.append(side.sum("member") / per_member)
    stacked: xr.DataArray = xr.concat(parts, dim="statistic", coords="minimal", compat="override")
    return stacked.assign_coords(statistic=list(STATISTICS))


def paired_table(
    baseline: Sequence[Quantity], others: Mapping[str, Sequence[Quantity]], years: Sequence[int]
) -> pd.DataFrame:
    """The paired differences of each of ``others`` (by name) against ``baseline``, over
    ``years``, for the quantities both have.

    Rows (result, variable, name, unit, year), ``result`` naming B; columns
    :data:`STATISTICS`.
    """
    first = {(q.variable, q.name, q.unit): q.values for q in baseline}
    frames = []
    for result, quantities in others.items():
        for q in quantities:
            key = (q.variable, q.name, q.unit)
            if key not in first:
                continue
            stats = member_differences(
                first[key].sel(year=list(years)).reset_coords(drop=True),
                q.values.sel(year=list(years)).reset_coords(drop=True),
            )
            frame = stats.transpose("year", "statistic").to_pandas()
            frame.index = pd.MultiIndex.from_tuples(
                [(result, *key, int(y)) for y in frame.index],
                names=["result", "variable", "name", "unit", "year"],
            )
            frames.append(frame)
    table = pd.concat(frames).sort_index()
    table.columns.name = None
    return table
