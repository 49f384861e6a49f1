"""What a face may send to the intake services, validated in one place for every face.

The sections the patient fills in are checked by the patient record's own validation
(``patients.inputs.PatientFields``): what the patient may enter is exactly what the clinic
may record, coded the same way (allergies as the screening reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from ketaclinic.records.patients.inputs import CONTACT_FIELDS
from ketaclinic.records.toolkit import Strict

from .choices import Section

INVITATION_HOURS_MAX = 14 * 24

# The record's fields each section of the form sets.
SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.CONTACTS: CONTACT_FIELDS,
    Section.MEDICINES: ("medications", "allergies"),
    Section.HISTORY: ("history_flags",),
}


class InvitationIn(Strict):
    """How long the link works (default: the clinic's ``INTAKE_INVITATION_TTL_HOURS``)."""

    expires_in_hours: Annotated[int, Field(ge=1, le=INVITATION_HOURS_MAX)] | None = None


class AccountIn(Strict):
    """The patient's own portal account, made from the invitation link."""

    username: Annotated[str, Field(min_length=3, max_length=150, pattern=r"^[A-Za-z0-9_.@+-]+$")]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    password_again: Annotated[str, Field(max_length=256)]

    @field_validator("password_again")
    @classmethod
    def _same_twice(cls, value: str, info: ValidationInfo) -> str:
        if value != info.data.get("password"):
            raise ValueError("does not match the password")
        return value


class ConfirmationIn(Strict):
    note: Annotated[str, Field(max_length=2000)] = ""
