"""Array type aliases, defined once: shapes and units go in each docstring that uses them."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Array", "BoolArray", "FloatArray", "IntArray"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Array = np.ndarray[Any, Any]
"""An array of any dtype (results of several kinds kept together)."""
