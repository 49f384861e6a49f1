"""A location's resources as plain values: chairs, nurse shifts and the nurse ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .calendar import LocationCalendar, WeeklyWindow, weekly_spans
from .errors import SchedulingInputError
from .intervals import Span, merge
from .times import TimeRange, from_epoch_s


@dataclass(frozen=True)
class Chair:
    """An infusion chair or room, booked by time."""

    id: str
    label: str = ""


@dataclass(frozen=True)
class NurseShift:
    nurse_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        span = TimeRange(self.start, self.end)
        object.__setattr__(self, "start", span.start)
        object.__setattr__(self, "end", span.end)


@dataclass(frozen=True)
class WeeklyNurseShift:
    """``nurses`` nurses on duty during ``window`` every week."""

    window: WeeklyWindow
    nurses: int

    def __post_init__(self) -> None:
        if self.nurses < 1:
            raise SchedulingInputError("nurses", f"{self.nurses} must be at least 1")


def expand_weekly_shifts(
    pattern: Sequence[WeeklyNurseShift], calendar: LocationCalendar, start: datetime, end: datetime
) -> tuple[NurseShift, ...]:
    """Concrete shifts for ``pattern`` between ``start`` and ``end``, in the location's zone."""
    lower, upper = TimeRange(start, end).epoch_s
    shifts: list[NurseShift] = []
    for number, weekly in enumerate(pattern):
        for span_start, span_end in weekly_spans([weekly.window], calendar.zone, lower, upper):
            shifts.extend(
                NurseShift(
                    f"weekly-{number}-{nurse}", from_epoch_s(span_start), from_epoch_s(span_end)
                )
                for nurse in range(weekly.nurses)
            )
    return tuple(shifts)


@dataclass(frozen=True)
class Location:
    """A clinic location with what the planners need to know about it."""

    id: str
    calendar: LocationCalendar
    chairs: tuple[Chair, ...]
    nurse_shifts: tuple[NurseShift, ...]
    patients_per_nurse: int
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "chairs", tuple(self.chairs))
        object.__setattr__(self, "nurse_shifts", tuple(self.nurse_shifts))
        if not self.id:
            raise SchedulingInputError("location.id", "is empty")
        ids = [chair.id for chair in self.chairs]
        if len(set(ids)) != len(ids):
            raise SchedulingInputError("chairs", f"chair ids repeat at location {self.id!r}")
        if self.patients_per_nurse < 1:
            raise SchedulingInputError(
                "patients_per_nurse", f"{self.patients_per_nurse} must be at least 1"
            )

    @property
    def chair_ids(self) -> tuple[str, ...]:
        return tuple(chair.id for chair in self.chairs)

    def nurse_spans(self) -> list[list[Span]]:
        """Each nurse's time on duty, merged, so that overlapping shifts count once."""
        by_nurse: dict[str, list[Span]] = {}
        for shift in self.nurse_shifts:
            by_nurse.setdefault(shift.nurse_id, []).append(
                TimeRange(shift.start, shift.end).epoch_s
            )
        return [merge(spans) for spans in by_nurse.values()]
