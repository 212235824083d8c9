"""Statistics over an ensemble's members (the ``member`` dimension) of xarray values.

Values undefined in every member (a route never built gives NaN utilisation)
give NaN statistics, without warnings.

Values read lazily from a file (a streamed run's ``results.nc``) are reduced
slice by slice (:func:`by_slices`): each slice holds every member of a few
cells (years, routes), at most :data:`SLICE_BUDGET` bytes, so memory stays
flat however many members there are, and statistics stay exact (each cell's
quantile is computed from all its members, as in memory).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import xarray as xr

__all__ = [
    "SLICE_BUDGET",
    "SPLIT_GAP",
    "SPLIT_LEVEL",
    "SPLIT_MIN_MEMBERS",
    "SPLIT_STRAGGLERS",
    "by_slices",
    "is_lazy",
    "member_median",
    "member_quantile",
    "slice_grid",
    "split_members",
    "undefined_is_nan",
]

SLICE_BUDGET = 16 * 2**20
"""Bytes of values loaded at a time when reducing values read lazily from a file."""

Values = TypeVar("Values", xr.DataArray, xr.Dataset)


@contextlib.contextmanager
def undefined_is_nan() -> Iterator[None]:
    """Statistics of values undefined in every member (a route never built) are NaN, quietly."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        yield


def member_quantile(values: xr.DataArray | xr.Dataset, q: float) -> Any:
    """The ``q`` quantile over members (NaN where no member has a value)."""
    if isinstance(values, xr.Dataset) and any(v.size == 0 for v in values.data_vars.values()):
        return values.map(member_quantile, q=q)  # xarray cannot take quantiles of nothing
    if isinstance(values, xr.DataArray) and values.size == 0:
        return values.isel(member=0, drop=True).astype(float)
    with undefined_is_nan():
        return values.quantile(q, dim="member").drop_vars("quantile")


def member_median(values: xr.DataArray) -> xr.DataArray:
    """The median over members, or the value of a single member."""
    if values.sizes["member"] == 1:
        return values.isel(member=0)
    result: xr.DataArray = member_quantile(values, 0.5)
    return result


SPLIT_GAP = 0.4
"""A stretch of the P10-P90 band wider than this share of it (and than :data:`SPLIT_LEVEL`
of the band's level) that holds at most :data:`SPLIT_STRAGGLERS` of the members splits them."""

SPLIT_STRAGGLERS = 0.02
"""Share of the members that may lie in a gap between groups (a few delayed or cut members)."""

SPLIT_LEVEL = 0.05
"""Gaps smaller than this share of the band's level (its larger end) are steps, not splits."""

SPLIT_MIN_MEMBERS = 200
"""Ensembles smaller than this are not judged: their bands have gaps by chance."""


def split_members(values: xr.DataArray) -> xr.DataArray:
    """Where the members split into groups: True in a cell whose P10-P90 band has a
    stretch wider than :data:`SPLIT_GAP` of the band and :data:`SPLIT_LEVEL` of its
    level that holds at most :data:`SPLIT_STRAGGLERS` of the members.

    There the band spans groups with no member between them (say, a route built
    in half the members), and the median describes one group, or none. The
    level rule keeps small steps (a few outage days off a route at capacity)
    from counting. Judged only with at least :data:`SPLIT_MIN_MEMBERS` members;
    False where a member has no value. Shape: ``values`` without ``member``.
    """

    def judge(members: np.ndarray) -> np.ndarray:  # (..., member) -> (...)
        ordered = np.sort(members, axis=-1)
        p10, p90 = np.quantile(ordered, [0.1, 0.9], axis=-1, keepdims=True)
        k = 1 + int(SPLIT_STRAGGLERS * ordered.shape[-1])  # members i+1 .. i+k-1 inside
        empty = np.minimum(ordered[..., k:], p90) - np.maximum(ordered[..., :-k], p10)
        gap = empty.max(axis=-1)
        width = (p90 - p10)[..., 0]
        level = np.maximum(abs(p10), abs(p90))[..., 0]
        with np.errstate(invalid="ignore"):
            split = (gap > SPLIT_GAP * width) & (gap > SPLIT_LEVEL * level)
        judged: np.ndarray = split & np.isfinite(members).all(axis=-1)
        return judged

    if values.sizes["member"] < SPLIT_MIN_MEMBERS:
        return xr.zeros_like(values.isel(member=0), dtype=bool)
    split: xr.DataArray = xr.apply_ufunc(
        judge, values, input_core_dims=[["member"]], output_dtypes=[bool]
    )
    return split


def is_lazy(values: xr.DataArray | xr.Dataset) -> bool:
    """Whether some of ``values`` is still in a file (read on access), not in memory."""
    if isinstance(values, xr.DataArray):
        variables = [values.variable]
    else:
        variables = [v.variable for v in values.data_vars.values()]
    return any(not getattr(v, "_in_memory", True) for v in variables)


def slice_grid(
    members: int, shape: Sequence[int], *, value_bytes: int = 8, budget: int = SLICE_BUDGET
) -> list[list[slice]]:
    """Slices of each dimension of ``shape`` (the dimensions besides ``member``) such that
    every member of one slice of each, ``members x value_bytes`` bytes a cell, fits in
    ``budget`` bytes; where not even two cells fit, slices hold two (or three) cells.

    The last dimensions stay whole as long as they fit; the first one that does not is
    cut in steps, and the ones before it cell by cell. Slices of at least two cells
    (where there are two) keep means bit-identical to those over all values at once:
    numpy adds up a single cell's members pairwise, several cells' members in order.
    """
    cell = max(members, 1) * value_bytes
    grid: list[list[slice]] = []
    whole = len(shape)  # dimensions from here on stay whole
    inner = 1  # cells of one step of the dimensions after the one being cut
    while whole > 0 and (cell * inner * shape[whole - 1] <= budget or shape[whole - 1] <= 1):
        whole -= 1
        inner *= shape[whole]
    for i, size in enumerate(shape):
        if i >= whole:
            step = max(size, 1)
        elif i == whole - 1:
            step = max(1, -(-2 // inner), budget // (cell * inner))
        else:
            step = 1
        cuts = list(range(0, size, step)) or [0]  # an empty dimension: one empty slice
        if i == whole - 1 and len(cuts) > 1 and (size - cuts[-1]) * inner < 2:
            # no last slice of a single cell: it takes one from the slice before, or
            # joins it where that has only two
            cuts[-1] -= 1
            if cuts[-1] - cuts[-2] < 2:
                cuts.pop()
        grid.append([slice(a, b) for a, b in zip(cuts, [*cuts[1:], size], strict=True)])
    return grid


def by_slices(
    values: Values,
    reduce: Callable[[Values], Any],
    dims: Sequence[str],
    *,
    value_bytes: int = 8,
    budget: int = SLICE_BUDGET,
) -> Any:
    """``reduce(values)`` (over ``member``), computed slice by slice along ``dims`` where
    ``values`` are read lazily from a file: each slice of every member is loaded, reduced,
    and the results put together along ``dims``. Values in memory are reduced at once.

    ``reduce`` must treat each cell of ``dims`` on its own (statistics over members do),
    and keep ``dims`` in its result. ``value_bytes``: bytes a member's cell takes while
    reduced (for a slice's size against ``budget``).
    """
    if not is_lazy(values):
        return reduce(values)
    grid = slice_grid(
        values.sizes["member"],
        [values.sizes[d] for d in dims],
        value_bytes=value_bytes,
        budget=budget,
    )

    def nest(i: int, where: dict[str, slice]) -> Any:
        if i == len(dims):
            return reduce(values.isel(where).load())
        return [nest(i + 1, {**where, dims[i]: s}) for s in grid[i]]

    if not dims:
        return reduce(values.load())
    return xr.combine_nested(
        nest(0, {}),
        concat_dim=list(dims),
        coords="minimal",
        compat="override",
        combine_attrs="override",
    )
