"""Rounding to a device's resolution (pump rate, syringe graduation), half away from zero."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_to_step(value: float, step: float) -> float:
    """``value`` rounded to the nearest multiple of ``step`` (e.g. 52.46 → 52.5 for 0.1)."""
    step_decimal = Decimal(repr(step))
    steps = (Decimal(repr(value)) / step_decimal).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(steps * step_decimal)
