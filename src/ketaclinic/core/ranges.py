"""Plausible ranges of measured inputs (data/ranges.toml): the one source of weight, height,
vital-sign, pain and CADSS bounds. A value outside is bad input, not a clinical limit.

Typical use: ``input_range("weight_kg").min.value`` (with ``.min.source``), or
``check_input("weight_kg", value)`` which returns the float or raises naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

from .datafiles import load_toml
from .errors import DomainInputError
from .sourced import Sourced, read_sourced, read_table


class InputRange(NamedTuple):
    """Inclusive plausible bounds of one measured quantity, each with its source."""

    min: Sourced
    max: Sourced

    def contains(self, value: float) -> bool:
        return self.min.value <= value <= self.max.value


@cache
def input_ranges() -> Mapping[str, InputRange]:
    """Plausible bounds per measured quantity, e.g. ``input_ranges()["weight_kg"]``."""
    data = load_toml(__package__, "ranges.toml")
    return {
        name: InputRange(read_sourced(bounds, "min", name), read_sourced(bounds, "max", name))
        for name in data
        if name != "version"
        for bounds in [read_table(data, name, "ranges")]
    }


def input_range(quantity: str) -> InputRange:
    """The plausible bounds of ``quantity`` (``weight_kg``, ``height_cm``, …); KeyError if none."""
    return input_ranges()[quantity]


def check_input(quantity: str, value: float, field: str | None = None) -> float:
    """Return ``value`` as float if it is a number in the quantity's plausible range, else raise.

    ``field`` names the input in the error (defaults to the quantity name).
    """
    name = field or quantity
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainInputError(name, "must be a number")
    bounds = input_range(quantity)
    if not math.isfinite(value) or not bounds.contains(value):
        low, high = bounds.min.value, bounds.max.value
        raise DomainInputError(name, f"must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def check_optional_input(
    quantity: str, value: float | None, field: str | None = None
) -> float | None:
    return None if value is None else check_input(quantity, value, field)
