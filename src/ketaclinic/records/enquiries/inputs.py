"""What a face may send to the front door and the front-desk queue, validated in one place."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from ketaclinic.records.toolkit import Aware, BirthDate, Email, Phone, Strict

Name = Annotated[str, Field(min_length=1, max_length=100)]


class ConsultationRequestIn(Strict):
    """A request for a consultation from the public site (web form or API)."""

    given_name: Name
    family_name: Name
    date_of_birth: BirthDate
    phone: Phone = ""
    email: Email = ""
    consent_to_contact: bool
    location: Annotated[str, Field(max_length=50)] = ""
    preferred_times: Annotated[str, Field(max_length=500)] = ""
    preferred_start: Aware | None = None
    heard_from: Annotated[str, Field(max_length=200)] = ""
    notes: Annotated[str, Field(max_length=2000)] = ""
    website: Annotated[str, Field(max_length=500)] = ""
    """The honeypot: a field people never see; a robot fills it in."""

    @field_validator("given_name", "family_name", "phone", "email", "location", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("consent_to_contact")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError("is required: we can only answer if you agree to be contacted")
        return value


class StatusIn(Strict):
    """A front-desk step on a request (booking is the conversion's own step)."""

    status: Literal["new", "contacted", "declined", "duplicate"]
    note: Annotated[str, Field(max_length=500)] = ""
    patient_id: int | None = None
    """The registered patient a duplicate request duplicates."""


class ConvertIn(Strict):
    """Register the requester (or take the patient they already are) and book a consultation."""

    start: Aware
    location_id: int | None = None
    physician_id: int | None = None
    room_id: int | None = None
    patient_id: int | None = None
    sex: Literal["female", "male", "other", "unknown"] = "unknown"


class FrontDoorSettingsIn(Strict):
    requests_per_hour: Annotated[int, Field(ge=1, le=1000)] | None = None
    costly_requests_per_minute: Annotated[int, Field(ge=1, le=1000)] | None = None
    min_submit_seconds: Annotated[int, Field(ge=0, le=600)] | None = None
    self_booking: bool | None = None
