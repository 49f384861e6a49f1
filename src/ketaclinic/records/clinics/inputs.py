"""What a face may send to set up a location: itself, its hours and chairs, closures, nurse
shifts and settings."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from typing import Annotated

from pydantic import Field, field_validator

from ketaclinic.records.toolkit import Aware, Strict, later_than


class ClosureIn(Strict):
    """A whole local day (``date``) or a span (``starts_at``–``ends_at``)."""

    date: dt.date | None = None
    starts_at: Aware | None = None
    ends_at: Aware | None = None
    reason: Annotated[str, Field(min_length=1, max_length=200)]

    _ordered = field_validator("ends_at")(later_than("starts_at"))


class ShiftIn(Strict):
    nurse_id: int
    starts_at: Aware
    ends_at: Aware

    _ordered = field_validator("ends_at")(later_than("starts_at"))


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class LocationSettingsIn(Strict):
    patients_per_nurse: Annotated[int, Field(ge=1, le=20)] | None = None
    visit_instructions: Annotated[str, Field(max_length=4000)] | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class LocationIn(Strict):
    """A new location; its hours and chairs are set afterwards."""

    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    time_zone: Annotated[str, Field(min_length=1, max_length=64)]
    address: Annotated[str, Field(max_length=1000)] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    patients_per_nurse: Annotated[int, Field(ge=1, le=20)] | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError("is not an IANA time zone (e.g. America/New_York)")
        return value


class HoursRowIn(Strict):
    """One opening period in local time; weekday 0 is Monday."""

    weekday: Annotated[int, Field(ge=0, le=6)]
    opens_at: dt.time
    closes_at: dt.time

    _ordered = field_validator("closes_at")(later_than("opens_at"))


class HoursIn(Strict):
    """A location's whole week: replaces the hours it had."""

    hours: Annotated[list[HoursRowIn], Field(max_length=42)]

    @field_validator("hours")
    @classmethod
    def _no_overlap(cls, rows: list[HoursRowIn]) -> list[HoursRowIn]:
        ordered = sorted(rows, key=lambda row: (row.weekday, row.opens_at))
        for before, after in itertools.pairwise(ordered):
            if before.weekday == after.weekday and after.opens_at < before.closes_at:
                raise ValueError(f"two periods overlap on weekday {after.weekday}")
        return ordered


class ChairIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]


class ChairChangeIn(Strict):
    """Rename a chair, or take it out of use (refused while visits are booked on it)."""

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    active: bool | None = None
