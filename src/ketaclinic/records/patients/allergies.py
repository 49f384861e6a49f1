"""A patient's allergies as coded facts (``ketaclinic.screening.allergies``): what a face may
send (plain text, as before, or a coded object), how the record stores them, and the banner
every patient page shows (allergies, age, today's weight)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from ketaclinic.core import DomainInputError
from ketaclinic.screening import age_on
from ketaclinic.screening.allergies import (
    Allergy,
    allergic_to,
    allergy_from_mapping,
    make_allergy,
    parse_allergy,
)

from .models import BodyMeasurement, Patient


class AllergyIn(BaseModel):
    """A coded allergy: a known allergen id, or ``other`` with the text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    allergen: Annotated[str, Field(min_length=1, max_length=40)]
    reaction: Annotated[str, Field(max_length=200)] = ""
    severity: Literal["unknown", "mild", "moderate", "severe"] = "unknown"
    text: Annotated[str, Field(max_length=200)] = ""


AllergyItem = Annotated[str, Field(min_length=1, max_length=200)] | AllergyIn


def coded_allergies(items: list[Any]) -> list[AllergyIn]:
    """Each item coded as the record stores it; text naming a known allergen becomes that
    allergen. Raises ``ValueError`` (for pydantic) naming the item's position."""
    stored = []
    for index, item in enumerate(items):
        try:
            allergy = (
                parse_allergy(item)
                if isinstance(item, str)
                else make_allergy(item.allergen, item.reaction, item.severity, item.text)
            )
        except DomainInputError as error:
            raise ValueError(f"item {index + 1}: {error.message}") from None
        stored.append(
            AllergyIn(
                allergen=allergy.allergen,
                reaction=allergy.reaction,
                severity=allergy.severity,  # type: ignore[arg-type]
                text=allergy.text,
            )
        )
    return stored


def patient_allergies(patient: Patient) -> tuple[Allergy, ...]:
    return tuple(allergy_from_mapping(item) for item in patient.allergies)


@dataclass(frozen=True)
class Banner:
    """What every page about a patient shows at its top."""

    patient: Patient
    allergies: tuple[Allergy, ...]
    age_years: int
    weight_today_kg: float | None

    @property
    def ketamine_allergy(self) -> bool:
        return any(a.allergen == "ketamine" for a in self.allergies)


def banner(patient: Patient) -> Banner:
    """Internal: the page that shows the banner has authorized and audited its read."""
    today = timezone.localdate()
    weighed = (
        BodyMeasurement.objects.filter(
            patient=patient, weight_kg__isnull=False, measured_at__date=today
        )
        .order_by("-measured_at", "-id")
        .values_list("weight_kg", flat=True)
        .first()
    )
    return Banner(
        patient=patient,
        allergies=patient_allergies(patient),
        age_years=age_on(patient.date_of_birth, today),
        weight_today_kg=weighed,
    )


def allergy_problem(patient: Patient, drug: str) -> str | None:
    """Why ``drug`` must not be given to the patient (a coded allergy to it), or None."""
    allergy = allergic_to(patient_allergies(patient), drug)
    if allergy is None:
        return None
    return f"the patient is allergic to {drug} ({allergy.describe()}): a physician decides"
