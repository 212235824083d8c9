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
    "MODE_DIP",
    "MODE_HEIGHT",
    "MODE_LEVEL",
    "MODE_MIN_MEMBERS",
    "SLICE_BUDGET",
    "SPLIT_GAP",
    "SPLIT_LEVEL",
    "SPLIT_MIN_MEMBERS",
    "SPLIT_STRAGGLERS",
    "by_slices",
    "count_modes",
    "is_lazy",
    "kernel_density",
    "member_median",
    "member_quantile",
    "multimodal",
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


MODE_MIN_MEMBERS = 50
"""Ensembles smaller than this are not judged for modes (too few members to see a density)."""

MODE_HEIGHT = 0.15
"""A density peak lower than this share of the highest is not a mode (a few stragglers)."""

MODE_DIP = 0.5
"""Two peaks are separate modes only where the density between them falls below this share
of the lower one (a shoulder or a ripple on one group is not a second group)."""

MODE_LEVEL = SPLIT_LEVEL
"""Modes closer than this share of the values' level (the larger of |P10| and |P90|) are
steps, not groups (a few outage days off a route at capacity)."""

MODE_GRID = 2048
"""Points the densities are computed at, from 3 bandwidths below the least member to 3
above the largest."""


MODE_BATCH = 2**22
"""Member values whose densities are estimated at once (about 10 arrays of this size)."""


def kernel_density(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian kernel densities of the members ``values`` (shape ``(..., members)``, all
    finite, each row spread): points (``(..., MODE_GRID)``) and densities there (per unit).

    The bandwidth is Silverman's rule as :class:`scipy.stats.gaussian_kde` applies it
    (the members' standard deviation times ``(3 n / 4) ** (-1/5)``); members are binned
    linearly on the grid and the kernel applied by FFT, so all cells are estimated at
    once, whatever the number of members.
    """
    n = values.shape[-1]
    h = values.std(axis=-1, ddof=1, keepdims=True) * (3 * n / 4) ** -0.2
    low = values.min(axis=-1, keepdims=True) - 3 * h
    step = (values.max(axis=-1, keepdims=True) + 3 * h - low) / (MODE_GRID - 1)
    at = (values - low) / step  # within [3h / step, MODE_GRID - 1 - 3h / step]
    below = np.minimum(np.floor(at).astype(np.int64), MODE_GRID - 2)
    upper = at - below
    size = 2 * MODE_GRID  # zeros after the grid: the kernel does not wrap round
    rows = np.arange(values[..., 0].size).reshape((*values.shape[:-1], 1)) * size
    counts = np.bincount(
        np.r_[(rows + below).ravel(), (rows + below + 1).ravel()],
        weights=np.r_[(1 - upper).ravel(), upper.ravel()],
        minlength=rows.size * size,
    ).reshape((*values.shape[:-1], size))
    angular = 2 * np.pi * np.fft.rfftfreq(size) / step  # radians per unit of the values
    smoothed = np.fft.irfft(np.fft.rfft(counts) * np.exp(-0.5 * (h * angular) ** 2), n=size)
    density = smoothed[..., :MODE_GRID] / (n * step)
    points = low + step * np.arange(MODE_GRID)
    return points, density


def _modes(points: np.ndarray, density: np.ndarray, least: float) -> int:
    """Modes of one density (see :func:`count_modes`); ``least``: their least distance."""
    inner = density[1:-1]
    peaks = np.flatnonzero((inner > density[:-2]) & (inner >= density[2:])) + 1
    peaks = peaks[density[peaks] >= MODE_HEIGHT * density.max()]
    modes = [int(peaks[0])]
    for peak in (int(p) for p in peaks[1:]):
        last = modes[-1]
        dip = density[last : peak + 1].min()
        if (
            dip < MODE_DIP * min(density[last], density[peak])
            and points[peak] - points[last] > least
        ):
            modes.append(peak)
        elif density[peak] > density[last]:
            modes[-1] = peak  # one group: its higher peak stands for it
    return len(modes)


def count_modes(values: np.ndarray) -> np.ndarray:
    """The modes of the members' distribution in each cell of ``values`` (shape
    ``(..., members)``; result ``(...)``): peaks of a Gaussian kernel density
    (:func:`kernel_density`, Silverman's bandwidth) at least :data:`MODE_HEIGHT` of the
    highest, each separated from the next by a dip below :data:`MODE_DIP` of the lower
    peak and by more than :data:`MODE_LEVEL` of the level.

    1 for a constant, or for members spread over less than that distance; 0 where not
    judged (fewer than :data:`MODE_MIN_MEMBERS` members, or one without a value).
    """
    values = np.asarray(values, dtype=float)
    counts = np.zeros(values.shape[:-1], dtype=np.int64)
    if values.shape[-1] < MODE_MIN_MEMBERS:
        return counts
    judged = np.isfinite(values).all(axis=-1)
    filled = np.where(judged[..., None], values, 0.0)
    p10, p90 = np.quantile(filled, [0.1, 0.9], axis=-1)
    least = MODE_LEVEL * np.maximum(abs(p10), abs(p90))  # the least distance between modes
    spread = judged & (np.ptp(filled, axis=-1) > least)
    counts[judged & ~spread] = 1
    cells, distances = values[spread], least[spread]
    found = []
    batch = max(1, MODE_BATCH // values.shape[-1])  # cells a batch: memory stays bounded
    for start in range(0, len(cells), batch):
        points, density = kernel_density(cells[start : start + batch])
        found += [
            _modes(p, d, m)
            for p, d, m in zip(points, density, distances[start : start + batch], strict=True)
        ]
    counts[spread] = found
    return counts


def multimodal(values: xr.DataArray) -> xr.DataArray:
    """Where the members' values have two or more modes (:func:`count_modes`): there the
    P10-P90 band spans separate groups of members and describes none of them. Shape:
    ``values`` without ``member``; False where not judged."""
    flagged: xr.DataArray = xr.apply_ufunc(
        lambda v: count_modes(v) >= 2,
        values,
        input_core_dims=[["member"]],
        output_dtypes=[bool],
    )
    return flagged


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
