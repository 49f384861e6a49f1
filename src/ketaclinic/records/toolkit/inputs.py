"""Validating what a face sends: strict models, one ``InvalidInput`` naming every bad field."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from django.utils import timezone
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo

from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.patients.limits import HEIGHT_CM_MAX, HEIGHT_CM_MIN, WEIGHT_KG_MAX

WeightKg = Annotated[float, Field(gt=0, le=WEIGHT_KG_MAX, allow_inf_nan=False)]
"""A recordable weight (see ``patients.limits``)."""
HeightCm = Annotated[float, Field(ge=HEIGHT_CM_MIN, le=HEIGHT_CM_MAX, allow_inf_nan=False)]
"""A recordable height (see ``patients.limits``)."""


# Clinic policy: a date that filters or picks a period (a report, a board, a cohort, free
# times) lies within these years; past them the date arithmetic would overflow.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def _within_years(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"must be a date from {EARLIEST_DAY} to {LATEST_DAY}")
    return day


FilterDay = Annotated[date, AfterValidator(_within_years)]
"""A date that filters or picks a period, within ``EARLIEST_DAY``..``LATEST_DAY``."""


def filter_day(text: str) -> date | None:
    """The day an ISO date in a query string names; None when blank, malformed or out of
    the years a filter may name (the web's filters then show their default)."""
    try:
        return _within_years(date.fromisoformat(text.strip()))
    except ValueError:
        return None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone (e.g. 2026-11-23T09:30:00-05:00)")
    return value


def _past(value: datetime) -> datetime:
    if value > timezone.now():
        raise ValueError("cannot be in the future")
    return value


OLDEST_BIRTH_YEAR = 1900
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()./ -]{7,40}$")


def _born(value: date) -> date:
    if value > timezone.localdate():
        raise ValueError("cannot be in the future")
    if value.year < OLDEST_BIRTH_YEAR:
        raise ValueError(f"must be in {OLDEST_BIRTH_YEAR} or later")
    return value


def _email(value: str) -> str:
    if value and not _EMAIL.match(value):
        raise ValueError("is not an e-mail address")
    return value


def _phone(value: str) -> str:
    if value and not _PHONE.match(value):
        raise ValueError("is not a phone number (digits, spaces, + ( ) - . only)")
    return value


BirthDate = Annotated[date, AfterValidator(_born)]
"""A date of birth: not in the future, nor before ``OLDEST_BIRTH_YEAR``."""
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
"""An e-mail address, or empty."""
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
"""A phone number as people write one, or empty."""
Aware = Annotated[datetime, AfterValidator(_aware)]
"""A datetime with its zone or offset; a naive one is refused, naming the field."""
AwarePast = Annotated[datetime, AfterValidator(_aware), AfterValidator(_past)]
"""When something happened: with its zone, and not in the future."""


def later_than(earlier: str) -> Callable[[Any, Any, ValidationInfo], Any]:
    """A field validator refusing a value (a time or datetime) at or before the field
    ``earlier`` given with it, as in
    ``_ordered = field_validator("ends_at")(later_than("starts_at"))``."""

    def check(cls: Any, value: Any, info: ValidationInfo) -> Any:
        start = info.data.get(earlier)
        if value is not None and start is not None and value <= start:
            raise ValueError(f"must be after {earlier}")
        return value

    return check


class Strict(BaseModel):
    """Base of every input model: unknown fields are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model`` or raise ``InvalidInput`` naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldError(".".join(str(part) for part in e["loc"]) or "body", _message(e))
                for e in error.errors()
            ]
        ) from None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ")
