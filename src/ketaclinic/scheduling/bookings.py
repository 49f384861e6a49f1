"""Appointments as plain values: existing bookings in, proposed appointments out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .times import TimeRange


@dataclass(frozen=True)
class Booking:
    """A chair already taken over [start, end); it also counts toward the nurse ratio."""

    chair_id: str
    start: datetime
    end: datetime
    patient_id: str = ""

    def __post_init__(self) -> None:
        span = TimeRange(self.start, self.end)
        object.__setattr__(self, "start", span.start)
        object.__setattr__(self, "end", span.end)


@dataclass(frozen=True)
class Appointment:
    """One planned session of a series: UTC times, shown in the location's ``zone``."""

    patient_id: str
    plan_id: str
    session: int
    location_id: str
    chair_id: str
    appointment_type_id: str
    start: datetime
    end: datetime
    zone: ZoneInfo

    def __post_init__(self) -> None:
        span = TimeRange(self.start, self.end)
        object.__setattr__(self, "start", span.start)
        object.__setattr__(self, "end", span.end)

    @property
    def start_local(self) -> datetime:
        return self.start.astimezone(self.zone)

    @property
    def end_local(self) -> datetime:
        return self.end.astimezone(self.zone)

    def as_booking(self) -> Booking:
        return Booking(self.chair_id, self.start, self.end, self.patient_id)
