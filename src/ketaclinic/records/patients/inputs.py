"""What a face may send to the patient services, validated in one place for every face."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ketaclinic.records.toolkit.inputs import (
    AwarePast,
    BirthDate,
    Email,
    HeightCm,
    Strict,
    WeightKg,
)

from .allergies import AllergyItem, coded_allergies

ShortText = Annotated[str, Field(max_length=200)]


class MedicationIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    dose_text: Annotated[str, Field(max_length=200)] = ""
    drug_class: Annotated[str, Field(max_length=100)] = ""
    entered_by: Literal["staff", "patient"] = "staff"
    """Who listed it: the patient (online intake, then confirmed by a clinician) or staff."""


ContactUseIn = Literal["", "home", "work", "mobile", "temp", "old"]


class IdentifierIn(Strict):
    """An identifier another system gives the patient (kept as a FHIR Identifier)."""

    system: Annotated[str, Field(max_length=255)] = ""
    value: Annotated[str, Field(min_length=1, max_length=255)]
    type_code: Annotated[str, Field(max_length=20)] = ""
    """The identifier's kind from HL7 v2 table 0203 (``MR``, ``SS``, ``DL``, ``PPN``…)."""
    type_text: Annotated[str, Field(max_length=100)] = ""


class PatientFields(Strict):
    """Every field of a patient record a user may set."""

    mrn: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")] | None = None
    """Letters, digits and hyphens, up to 64 (a UUID from another system fits)."""
    given_name: Annotated[str, Field(min_length=1, max_length=100)]
    family_name: Annotated[str, Field(min_length=1, max_length=100)]
    date_of_birth: BirthDate
    sex: Literal["female", "male", "other", "unknown"]
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Email = ""
    address: Annotated[str, Field(max_length=1000)] = ""
    other_given_names: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=10)
    ] = []
    phone_use: ContactUseIn = ""
    email_use: ContactUseIn = ""
    address_lines: Annotated[list[ShortText], Field(max_length=5)] = []
    address_city: Annotated[str, Field(max_length=100)] = ""
    address_state: Annotated[str, Field(max_length=100)] = ""
    address_postal_code: Annotated[str, Field(max_length=20)] = ""
    address_country: Annotated[str, Field(max_length=100)] = ""
    preferred_language: Annotated[
        str, Field(pattern=r"^([A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*)?$", max_length=35)
    ] = ""
    """A BCP-47 language tag (``en-US``, ``es``)."""
    interpreter_needed: bool | None = None
    other_identifiers: Annotated[list[IdentifierIn], Field(max_length=20)] = []
    emergency_contact_name: ShortText = ""
    emergency_contact_phone: Annotated[str, Field(max_length=40)] = ""
    emergency_contact_relationship: Annotated[str, Field(max_length=100)] = ""
    allergies: Annotated[list[AllergyItem], Field(max_length=100)] = []
    """Plain text ("Ketamine (anaphylaxis)") or coded objects; stored coded."""
    medications: Annotated[list[MedicationIn], Field(max_length=100)] = []
    history_flags: Annotated[list[str], Field(max_length=100)] = []
    physician_id: int | None = None
    coverage: Literal["unknown", "self_pay", "insurance"] = "unknown"
    """How the patient pays (``choices.Coverage``): self-pay patients get Good Faith Estimates."""

    @field_validator("allergies")
    @classmethod
    def _coded_allergies(cls, value: list[Any]) -> list[Any]:
        return coded_allergies(value)

    @field_validator("history_flags")
    @classmethod
    def _known_flags(cls, value: list[str]) -> list[str]:
        from .history import known_history_flags

        unknown = sorted(set(value) - known_history_flags())
        if unknown:
            raise ValueError(f"unknown condition(s): {', '.join(unknown)}")
        return sorted(set(value))

    @field_validator("physician_id")
    @classmethod
    def _is_a_physician(cls, value: int | None) -> int | None:
        from ketaclinic.records.accounts.models import User

        if (
            value is not None
            and not User.objects.filter(pk=value, role="physician", is_active=True).exists()
        ):
            raise ValueError("is not an active physician")
        return value


# What a patient tells about themselves and how to reach them and their emergency contact.
CONTACT_FIELDS = (
    "sex",
    "phone",
    "email",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
)
DEMOGRAPHIC_FIELDS = frozenset(
    {
        "mrn",
        "given_name",
        "family_name",
        "date_of_birth",
        *CONTACT_FIELDS,
        "other_given_names",
        "phone_use",
        "email_use",
        "address_lines",
        "address_city",
        "address_state",
        "address_postal_code",
        "address_country",
        "preferred_language",
        "interpreter_needed",
        "other_identifiers",
        "physician_id",
        "coverage",
    }
)

CLINICAL_FIELDS = frozenset({"allergies", "medications", "history_flags"})


class PatientCreate(PatientFields):
    """A new patient, optionally with the first weight and height."""

    weight_kg: WeightKg | None = None
    height_cm: HeightCm | None = None


class MeasurementIn(Strict):
    weight_kg: WeightKg | None = None
    height_cm: HeightCm | None = None
    measured_at: AwarePast | None = None
