"""Safety limits as in a smart pump drug library: hard limits block, soft ones need an override."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from ketaclinic.core import DomainInputError, Sourced, read_optional_sourced

# Every quantity a limit may be set on; the name carries the unit.
LIMIT_QUANTITIES = (
    "dose_mg_per_kg",
    "dose_mg",
    "rate_mg_per_kg_per_h",
    "duration_min",
    "volume_ml",
    "rate_ml_per_h",
    "series_dose_mg",
)
BOUND_NAMES = ("hard_min", "soft_min", "soft_max", "hard_max")

# Relative slack so that a value computed exactly at a bound is not flagged by float round-off.
_EDGE_TOLERANCE = 1e-9


class LimitStatus(StrEnum):
    OK = "ok"
    SOFT_EXCEEDED = "soft_exceeded"
    HARD_EXCEEDED = "hard_exceeded"


@dataclass(frozen=True)
class LimitRange:
    """Soft and hard bounds for one quantity; any bound may be absent."""

    quantity: str
    hard_min: Sourced | None = None
    soft_min: Sourced | None = None
    soft_max: Sourced | None = None
    hard_max: Sourced | None = None

    def bound(self, name: str) -> Sourced | None:
        bound: Sourced | None = getattr(self, name)
        return bound

    def status_of(self, value: float) -> LimitStatus:
        if _below(value, self.hard_min) or _above(value, self.hard_max):
            return LimitStatus.HARD_EXCEEDED
        if _below(value, self.soft_min) or _above(value, self.soft_max):
            return LimitStatus.SOFT_EXCEEDED
        return LimitStatus.OK

    def exceeded_bound(self, value: float) -> str | None:
        """The name of the strictest bound ``value`` breaks (hard before soft), or None."""
        for name in ("hard_min", "hard_max", "soft_min", "soft_max"):
            bound = self.bound(name)
            broken = _below(value, bound) if name.endswith("min") else _above(value, bound)
            if broken:
                return name
        return None

    def bounds_text(self) -> str:
        """E.g. "hard_min 30, soft_min 40, soft_max 60, hard_max 120"."""
        return ", ".join(
            f"{name} {bound.value:g}" for name in BOUND_NAMES if (bound := self.bound(name))
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            name: bound.as_dict() for name in BOUND_NAMES if (bound := self.bound(name)) is not None
        }


def _below(value: float, bound: Sourced | None) -> bool:
    return bound is not None and value < bound.value - _EDGE_TOLERANCE * max(1.0, abs(bound.value))


def _above(value: float, bound: Sourced | None) -> bool:
    return bound is not None and value > bound.value + _EDGE_TOLERANCE * max(1.0, abs(bound.value))


def read_limits(table: Mapping[str, Any], where: str) -> dict[str, LimitRange]:
    """Parse ``[limits.<quantity>]`` tables and check each range is ordered."""
    limits: dict[str, LimitRange] = {}
    for quantity, bounds in table.items():
        field = f"{where}.{quantity}"
        if quantity not in LIMIT_QUANTITIES:
            raise DomainInputError(field, f"unknown quantity; known: {', '.join(LIMIT_QUANTITIES)}")
        if not isinstance(bounds, Mapping):
            raise DomainInputError(field, "must be a table of bounds")
        unknown = sorted(set(bounds) - set(BOUND_NAMES))
        if unknown:
            raise DomainInputError(f"{field}.{unknown[0]}", f"unknown bound; use {BOUND_NAMES}")
        limit = LimitRange(
            quantity, **{name: read_optional_sourced(bounds, name, field) for name in BOUND_NAMES}
        )
        check_ordered(limit, field)
        limits[quantity] = limit
    return limits


def check_ordered(limit: LimitRange, field: str) -> None:
    """Raise unless hard_min ≤ soft_min ≤ soft_max ≤ hard_max for the bounds present."""
    present = [(name, b.value) for name in BOUND_NAMES if (b := limit.bound(name)) is not None]
    for (low_name, low), (high_name, high) in pairwise(present):
        if low > high:
            raise DomainInputError(f"{field}.{high_name}", f"must not be below {low_name} ({low})")
