"""The array type used throughout the engine."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def float_array(values: npt.ArrayLike) -> FloatArray:
    """``values`` as a float64 array (no copy when it already is one)."""
    return np.asarray(values, dtype=np.float64)
