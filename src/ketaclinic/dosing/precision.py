"""Rounding to a device's resolution (pump rate, syringe graduation), half away from zero."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

# Enough decimal digits to count the steps in any finite float (up to ~1.8e308 / step).
_DIGITS = 400


def round_to_step(value: float, step: float) -> float:
    """``value`` rounded to the nearest multiple of ``step`` (e.g. 52.46 → 52.5 for 0.1)."""
    if not math.isfinite(value):
        raise ValueError(f"cannot round {value!r} to a device step")
    step_decimal = Decimal(repr(step))
    with localcontext() as context:
        context.prec = _DIGITS
        steps = (Decimal(repr(value)) / step_decimal).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return float(steps * step_decimal)
