"""Aware datetimes, time ranges and the integer epoch seconds the planners compute with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .errors import SchedulingInputError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def require_aware(value: object, field: str) -> datetime:
    """``value`` as a UTC datetime; naive datetimes and non-datetimes are refused."""
    if not isinstance(value, datetime):
        raise SchedulingInputError(field, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise SchedulingInputError(field, "has no time zone; naive datetimes are refused")
    return value.astimezone(UTC)


def to_epoch_s(value: datetime) -> int:
    """Whole seconds since 1970 (UTC), rounded down."""
    return (value - EPOCH) // timedelta(seconds=1)


def from_epoch_s(epoch_s: int) -> datetime:
    return EPOCH + timedelta(seconds=int(epoch_s))


@dataclass(frozen=True)
class TimeRange:
    """A half-open span of time [start, end), stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_aware(self.start, "start"))
        object.__setattr__(self, "end", require_aware(self.end, "end"))
        if self.end <= self.start:
            raise SchedulingInputError("end", f"{self.end.isoformat()} is not after start")

    @property
    def epoch_s(self) -> tuple[int, int]:
        return to_epoch_s(self.start), to_epoch_s(self.end)
