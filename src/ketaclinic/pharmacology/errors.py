"""The engine's one exception type: bad input, named by field."""

from __future__ import annotations

import math

from ketaclinic.core import DomainInputError


class PharmacologyError(DomainInputError):
    """Bad input to the pharmacology engine; ``field`` names the offending input."""


def check_number(field: str, value: object, *, minimum: float, strict: bool = False) -> float:
    """``value`` as a float if finite and >= minimum (> minimum when ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PharmacologyError(field, f"must be a finite number, not {value!r}")
    if value < minimum or (strict and value == minimum):
        relation = "above" if strict else "at least"
        raise PharmacologyError(field, f"must be {relation} {minimum:g}, not {value:g}")
    return float(value)
