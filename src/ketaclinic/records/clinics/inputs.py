"""What a face may send to change a location's closures, nurse shifts and settings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from ketaclinic.records.patients.inputs import Strict


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone (e.g. 2026-11-23T09:30:00-05:00)")
    return value


# A datetime with its zone or offset; a naive one is refused, naming the field.
Aware = Annotated[dt.datetime, AfterValidator(_aware)]


def ends_after_start(value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
    """For an ``ends_at`` field: refuse an end at or before the ``starts_at`` given with it."""
    start = info.data.get("starts_at")
    if value is not None and start is not None and value <= start:
        raise ValueError("must be after starts_at")
    return value


class ClosureIn(Strict):
    """A whole local day (``date``) or a span (``starts_at``–``ends_at``)."""

    date: dt.date | None = None
    starts_at: Aware | None = None
    ends_at: Aware | None = None
    reason: Annotated[str, Field(min_length=1, max_length=200)]

    _ordered = field_validator("ends_at")(lambda cls, v, info: ends_after_start(v, info))


class ShiftIn(Strict):
    nurse_id: int
    starts_at: Aware
    ends_at: Aware

    _ordered = field_validator("ends_at")(lambda cls, v, info: ends_after_start(v, info))


class LocationSettingsIn(Strict):
    patients_per_nurse: Annotated[int, Field(ge=1, le=20)] | None = None
    visit_instructions: Annotated[str, Field(max_length=4000)] | None = None
