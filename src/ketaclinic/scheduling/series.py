"""What a signed plan asks of the schedule, and what the patient can attend."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from .appointment_types import AppointmentType
from .calendar import WeeklyWindow
from .errors import SafetyLimitInputError, SchedulingInputError
from .policy import policy_data, sourced
from .times import TimeRange, require_aware


@dataclass(frozen=True)
class SeriesRule:
    """``count`` sessions whose starts lie min–max hours apart (elapsed time, across DST).

    ``max_span_days`` bounds the time from the first to the last start; None leaves it open.
    """

    count: int
    min_spacing_h: float
    max_spacing_h: float
    max_span_days: float | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise SchedulingInputError("count", f"{self.count} must be at least 1")
        if not math.isfinite(self.min_spacing_h) or self.min_spacing_h <= 0:
            raise SchedulingInputError("min_spacing_h", f"{self.min_spacing_h} must be > 0")
        if not math.isfinite(self.max_spacing_h) or self.max_spacing_h < self.min_spacing_h:
            raise SchedulingInputError(
                "max_spacing_h", f"{self.max_spacing_h} must be ≥ min_spacing_h"
            )
        if self.max_span_days is not None and not (
            math.isfinite(self.max_span_days)
            and self.max_span_days * 24 >= (self.count - 1) * self.min_spacing_h
        ):
            raise SchedulingInputError(
                "max_span_days",
                f"{self.max_span_days} is too short for {self.count} sessions "
                f"≥ {self.min_spacing_h:g} h apart",
            )

    @property
    def min_spacing_min(self) -> float:
        return self.min_spacing_h * 60

    @property
    def max_spacing_min(self) -> float:
        return self.max_spacing_h * 60

    @property
    def max_span_min(self) -> float | None:
        return None if self.max_span_days is None else self.max_span_days * 24 * 60


def default_series_rule() -> SeriesRule:
    """The induction series in data/scheduling.toml (six in about two weeks)."""
    table = policy_data()["series"]
    return SeriesRule(
        count=int(sourced(table, "count")),
        min_spacing_h=float(sourced(table, "min_spacing_h")),
        max_spacing_h=float(sourced(table, "max_spacing_h")),
        max_span_days=float(sourced(table, "max_span_days")),
    )


@dataclass(frozen=True)
class Availability:
    """When the patient can come: weekly local windows (none = any time) minus busy ranges.

    A visit fits a window only when it lies wholly inside it.
    """

    weekly: tuple[WeeklyWindow, ...] = ()
    unavailable: tuple[TimeRange, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekly", tuple(self.weekly))
        object.__setattr__(self, "unavailable", tuple(self.unavailable))


@dataclass(frozen=True)
class SeriesRequest:
    """One patient's series to place between ``not_before`` and ``not_after``.

    ``preferred`` windows are wishes, not limits; ``location_ids`` empty means any location.
    """

    patient_id: str
    plan_id: str
    plan_signed: bool
    series: SeriesRule
    appointment_type: AppointmentType
    not_before: datetime
    not_after: datetime
    availability: Availability = field(default_factory=Availability)
    preferred: tuple[WeeklyWindow, ...] = ()
    location_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.patient_id:
            raise SchedulingInputError("patient_id", "is empty")
        if self.plan_signed is not True:
            raise SafetyLimitInputError(
                "plan_signed",
                f"plan {self.plan_id!r} is not signed; a series is booked only for a signed plan",
            )
        if not self.appointment_type.needs_chair:
            raise SchedulingInputError(
                "appointment_type", f"{self.appointment_type.id} needs no chair; plan it directly"
            )
        if (
            self.series.count > 1
            and self.series.min_spacing_min < self.appointment_type.duration_min
        ):
            raise SchedulingInputError(
                "series.min_spacing_h",
                f"{self.series.min_spacing_h:g} h is shorter than one "
                f"{self.appointment_type.duration_min}-min visit",
            )
        not_before = require_aware(self.not_before, "not_before")
        not_after = require_aware(self.not_after, "not_after")
        if not_after <= not_before:
            raise SchedulingInputError(
                "not_after", f"{not_after.isoformat()} is not after not_before"
            )
        object.__setattr__(self, "not_before", not_before)
        object.__setattr__(self, "not_after", not_after)
        object.__setattr__(self, "preferred", tuple(self.preferred))
        object.__setattr__(self, "location_ids", tuple(self.location_ids))
