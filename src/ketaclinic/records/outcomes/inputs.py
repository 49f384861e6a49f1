"""What a face may send to the outcome, report and export services, validated once for all."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, Field, field_validator

from ketaclinic.core import DomainInputError
from ketaclinic.protocols import get_protocol
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import FilterDay, Strict, validate

from .choices import BoosterChoice, DiscontinuationReason

__all__ = [
    "BoosterDecisionIn",
    "CohortFilterIn",
    "DiscontinuationIn",
    "MonthIn",
    "validate",
]

NOTE_MAX_CHARS = 2000
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _known_protocol(value: str | None) -> str | None:
    if value:
        try:
            get_protocol(value)
        except DomainInputError as error:
            raise ValueError(error.message) from None
    return value or None


def _not_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise ValueError("cannot be in the future")
    return value


ProtocolId = Annotated[str | None, AfterValidator(_known_protocol)]
Note = Annotated[str, Field(max_length=NOTE_MAX_CHARS)]


class BoosterDecisionIn(Strict):
    decision: BoosterChoice
    note: Annotated[str, Field(min_length=1, max_length=NOTE_MAX_CHARS)]


class DiscontinuationIn(Strict):
    """A drop-out; with ``amends`` (and its reason) a correction of an earlier record."""

    reason: DiscontinuationReason
    stopped_on: Annotated[date, AfterValidator(_not_future)]
    note: Note = ""
    protocol_id: ProtocolId = None
    amends: int | None = None
    amendment_reason: Note = ""

    def check(self) -> DiscontinuationIn:
        """The rules across fields, each error naming its field."""
        if self.reason == DiscontinuationReason.OTHER and not self.note:
            raise InvalidInput.single("note", "say why when the reason is 'other'")
        if self.amends is not None and not self.amendment_reason:
            raise InvalidInput.single("amendment_reason", "say why the record is corrected")
        if self.amends is None and self.amendment_reason:
            raise InvalidInput.single("amends", "name the record this corrects")
        return self


class CohortFilterIn(Strict):
    """Patients by protocol, location (slug) and the period in which they started (the date of
    their first baseline score, both ends inclusive)."""

    protocol: ProtocolId = None
    location: Annotated[str, Field(max_length=50)] | None = None
    since: FilterDay | None = None
    until: FilterDay | None = None

    @field_validator("location")
    @classmethod
    def _known_location(cls, value: str | None) -> str | None:
        from ketaclinic.records.clinics.models import Location

        if value and not Location.objects.filter(slug=value).exists():
            raise ValueError(f"no location has the slug {value!r}")
        return value or None

    def check(self) -> CohortFilterIn:
        if self.since and self.until and self.since > self.until:
            raise InvalidInput.single("until", "must not be before since")
        return self


class MonthIn(Strict):
    month: Annotated[str, Field(description="YYYY-MM")]

    @field_validator("month")
    @classmethod
    def _past_or_current(cls, value: str) -> str:
        match = MONTH.match(value.strip())
        if match is None or not 1 <= int(match[2]) <= 12:
            raise ValueError("must be a month as YYYY-MM, e.g. 2026-03")
        first = date(int(match[1]), int(match[2]), 1)
        today = timezone.localdate()
        if first > today.replace(day=1):
            raise ValueError(f"{value} is in the future: a report covers a month that has begun")
        if first.year < 2000:
            raise ValueError("must be in 2000 or later")
        return value.strip()

    @property
    def first_day(self) -> date:
        year, month = self.month.split("-")
        return date(int(year), int(month), 1)
