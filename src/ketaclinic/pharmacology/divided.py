"""Divided differences of the exponential: the building block of every exact response.

For nodes x0..xm and elapsed time tau, f[x0..xm](tau) is the m-th divided difference of
x -> exp(x tau). f[a] = exp(a tau) is a free decay; f[a, b] = (exp(a tau) - exp(b tau)) / (a - b)
is what a first-order system with rate a makes of the input exp(b tau); every further node
convolves with one more exponential (an effect compartment, a depot, an integral over time).
Coincident and nearby nodes are handled without cancellation, so the responses stay exact
to rounding when, say, an absorption rate equals a disposition rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import factorial

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray

# Below |alpha| tau = SERIES_LIMIT the second difference is summed as a Taylor series; the
# direct formula loses at most about 2 / SERIES_LIMIT = 20 ulps above it, and the neglected
# series terms are below 1e-17 relative.
SERIES_LIMIT = 0.1
_SERIES_TERMS = 11
# exp() of arguments below this floor is computed as exp(floor), about 1e-304: zero for any
# concentration, and numpy's underflow path is 6 to 40 times slower than its normal one.
EXP_FLOOR = -700.0


def exp_divided_difference(
    nodes: Sequence[npt.ArrayLike], tau: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    """f[nodes](tau) for one to three nodes <= 0, broadcast against ``tau``.

    With ``out`` (of the broadcast shape) the result is written there: large outputs then
    cost no fresh memory, whose first touch is slower than the arithmetic.
    """
    arrays = [np.asarray(node, dtype=float) for node in nodes]
    if len(arrays) == 1:
        result = np.multiply(arrays[0], tau, out=out)
        if np.min(arrays[0], initial=0.0) * np.max(tau, initial=0.0) < EXP_FLOOR:
            np.maximum(result, EXP_FLOOR, out=result)
        return np.exp(result, out=result)
    if len(arrays) == 2:
        high = np.maximum(arrays[0], arrays[1])
        value = _expm1_ratio(np.minimum(arrays[0], arrays[1]) - high, tau)
    elif len(arrays) == 3:
        low, middle, high = np.sort(np.stack(np.broadcast_arrays(*arrays)), axis=0)
        value = _second_with_zero(low - high, middle - high, tau)
    else:
        raise ValueError("nodes: one to three nodes are supported")
    if high.any():
        value = _exp(high * tau) * value
    if out is None:
        return value
    out[...] = value
    return out


def _exp(argument: FloatArray) -> FloatArray:
    return np.exp(np.maximum(argument, EXP_FLOOR, out=argument))


def _expm1_ratio(gap: FloatArray, tau: FloatArray) -> FloatArray:
    """(exp(gap tau) - 1) / gap, equal to tau where gap = 0; gap <= 0."""
    zero = gap == 0
    if not zero.any():
        return np.expm1(gap * tau) / gap
    return np.where(zero, tau, np.expm1(gap * tau) / np.where(zero, 1.0, gap))


def _second_with_zero(alpha: FloatArray, beta: FloatArray, tau: FloatArray) -> FloatArray:
    """f[alpha, beta, 0](tau) for alpha <= beta <= 0."""
    first = _exp(beta * tau) * _expm1_ratio(alpha - beta, tau) - _expm1_ratio(beta, tau)
    value = first / np.where(alpha == 0, 1.0, alpha)
    # Where |alpha| tau is small the subtraction above cancels (and alpha = 0 means all three
    # nodes coincide): sum the series there instead.
    small = np.abs(alpha) * tau <= SERIES_LIMIT
    if small.any():
        a, b, t = (np.broadcast_to(x, value.shape)[small] for x in (alpha, beta, tau))
        value[small] = _series(a * t, b * t) * t * t
    return value


def _series(x: FloatArray, y: FloatArray) -> FloatArray:
    """sum_k h_k(x, y) / (k + 2)!, with h_k the complete homogeneous polynomial of degree k."""
    total = np.full_like(x, 1.0 / 2.0)
    h = np.ones_like(x)
    x_power = np.ones_like(x)
    for k in range(1, _SERIES_TERMS):
        x_power = x_power * x
        h = y * h + x_power
        total += h / factorial(k + 2)
    return total
