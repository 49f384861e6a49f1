"""Validation of measured inputs against their plausible ranges (data/ranges.toml)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

from .datafiles import load_toml
from .errors import DomainInputError
from .sourced import Sourced, read_sourced, read_table


@cache
def input_ranges() -> Mapping[str, tuple[Sourced, Sourced]]:
    """Plausible (min, max) per measured quantity, e.g. ``input_ranges()["weight_kg"]``."""
    data = load_toml(__package__, "ranges.toml")
    return {
        name: (read_sourced(bounds, "min", name), read_sourced(bounds, "max", name))
        for name in data
        if name != "version"
        for bounds in [read_table(data, name, "ranges")]
    }


def check_input(quantity: str, value: float, field: str | None = None) -> float:
    """Return ``value`` as float if it is a number in the quantity's plausible range, else raise.

    ``field`` names the input in the error (defaults to the quantity name).
    """
    name = field or quantity
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainInputError(name, "must be a number")
    low, high = (bound.value for bound in input_ranges()[quantity])
    if not math.isfinite(value) or not low <= value <= high:
        raise DomainInputError(name, f"must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def check_optional_input(
    quantity: str, value: float | None, field: str | None = None
) -> float | None:
    return None if value is None else check_input(quantity, value, field)
