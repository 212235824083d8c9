"""Statistics over an ensemble's members (the ``member`` dimension) of xarray values.

Values undefined in every member (a route never built gives NaN utilisation)
give NaN statistics, without warnings.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import xarray as xr

__all__ = ["member_median", "member_quantile", "undefined_is_nan"]


@contextlib.contextmanager
def undefined_is_nan() -> Iterator[None]:
    """Statistics of values undefined in every member (a route never built) are NaN, quietly."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        yield


def member_quantile(values: xr.DataArray | xr.Dataset, q: float) -> Any:
    """The ``q`` quantile over members (NaN where no member has a value)."""
    with undefined_is_nan():
        return values.quantile(q, dim="member").drop_vars("quantile")


def member_median(values: xr.DataArray) -> xr.DataArray:
    """The median over members, or the value of a single member."""
    if values.sizes["member"] == 1:
        return values.isel(member=0)
    result: xr.DataArray = member_quantile(values, 0.5)
    return result
