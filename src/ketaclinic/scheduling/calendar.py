"""A location's calendar: time zone, weekly opening hours and closures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SchedulingInputError
from .intervals import Span, clip, covers, merge, subtract
from .times import TimeRange, from_epoch_s, to_epoch_s

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def zone_named(name: str, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone called ``name``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SchedulingInputError(field, f"{name!r} is not an IANA time zone") from error


@dataclass(frozen=True)
class WeeklyWindow:
    """A recurring span of local wall-clock time on one weekday (0 = Monday)."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise SchedulingInputError("weekday", f"{self.weekday} is not 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise SchedulingInputError("start", "weekly times are local wall-clock times, no zone")
        if self.end <= self.start:
            raise SchedulingInputError("end", f"{self.end:%H:%M} is not after {self.start:%H:%M}")

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M}–{self.end:%H:%M}"


def weekly_spans(
    windows: Sequence[WeeklyWindow], zone: ZoneInfo, start_s: int, end_s: int
) -> list[Span]:
    """Each occurrence of ``windows`` overlapping [start_s, end_s), in epoch seconds, sorted.

    Local times are resolved in ``zone`` for each date, so a 07:00 opening stays 07:00 on both
    sides of a daylight-saving change; a time inside a spring-forward gap moves forward with it.
    """
    first = from_epoch_s(start_s).astimezone(zone).date() - timedelta(days=1)
    last = from_epoch_s(end_s).astimezone(zone).date() + timedelta(days=1)
    by_weekday: dict[int, list[WeeklyWindow]] = {}
    for window in windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    spans: list[Span] = []
    day = first
    while day <= last:
        for window in by_weekday.get(day.weekday(), ()):
            spans.append(
                (
                    to_epoch_s(datetime.combine(day, window.start, tzinfo=zone)),
                    to_epoch_s(datetime.combine(day, window.end, tzinfo=zone)),
                )
            )
        day += timedelta(days=1)
    return sorted(span for span in spans if span[1] > start_s and span[0] < end_s)


@dataclass(frozen=True)
class Closure:
    """The location is closed over [start, end) — a holiday, training day or repair."""

    start: datetime
    end: datetime
    reason: str

    def __post_init__(self) -> None:
        span = TimeRange(self.start, self.end)
        object.__setattr__(self, "start", span.start)
        object.__setattr__(self, "end", span.end)

    @classmethod
    def whole_day(cls, day: date, zone: ZoneInfo, reason: str) -> Closure:
        """Closed from local midnight to the next local midnight (23 or 25 h on DST days)."""
        return cls(
            datetime.combine(day, time(0), tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
            reason,
        )


@dataclass(frozen=True)
class LocationCalendar:
    zone: ZoneInfo
    hours: tuple[WeeklyWindow, ...]
    closures: tuple[Closure, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.zone, ZoneInfo):
            raise SchedulingInputError("time_zone", "must be a zoneinfo.ZoneInfo")
        object.__setattr__(self, "hours", tuple(self.hours))
        object.__setattr__(self, "closures", tuple(self.closures))

    def hours_spans(self, start_s: int, end_s: int) -> list[Span]:
        return clip(merge(weekly_spans(self.hours, self.zone, start_s, end_s)), start_s, end_s)

    def closure_spans(self) -> list[Span]:
        return [(to_epoch_s(c.start), to_epoch_s(c.end)) for c in self.closures]

    def open_spans(self, start_s: int, end_s: int) -> list[Span]:
        """Opening hours minus closures within [start_s, end_s), merged."""
        return subtract(self.hours_spans(start_s, end_s), self.closure_spans())

    def open_ranges(self, start: datetime, end: datetime) -> tuple[TimeRange, ...]:
        """When the location is open between ``start`` and ``end``, in UTC."""
        window = TimeRange(start, end)
        lower, upper = window.epoch_s
        return tuple(
            TimeRange(from_epoch_s(s), from_epoch_s(e)) for s, e in self.open_spans(lower, upper)
        )

    def within_hours(self, start_s: int, end_s: int) -> bool:
        """Whether one opening period (closures aside) holds all of [start_s, end_s)."""
        return covers(self.hours_spans(start_s, end_s), start_s, end_s)

    def closure_over(self, start_s: int, end_s: int) -> Closure | None:
        """The first closure overlapping [start_s, end_s), if any."""
        for closure in self.closures:
            if to_epoch_s(closure.start) < end_s and start_s < to_epoch_s(closure.end):
                return closure
        return None
