"""Session vital signs as Observations under FHIR's vital-signs profiles: blood pressure as a
panel with its systolic and diastolic components, heart rate, respiratory rate and oxygen
saturation, each with its LOINC code (clinical.md 6) and UCUM unit."""

from __future__ import annotations

from typing import Any

from . import codes
from .resource import Resource, validated

PROFILES = "http://hl7.org/fhir/StructureDefinition/"
VITAL_SIGNS = {
    "coding": [
        {"system": codes.OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}
    ]
}
# (quantity on the flowsheet, id suffix, profile, LOINC code and display, UCUM unit)
SINGLE = (
    ("heart_rate_per_min", "hr", "heartrate", ("8867-4", "Heart rate"), "/min"),
    ("resp_rate_per_min", "rr", "resprate", ("9279-1", "Respiratory rate"), "/min"),
    ("spo2_percent", "spo2", "oxygensat", ("2708-6", "Oxygen saturation in Arterial blood"), "%"),
)
BLOOD_PRESSURE = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")


def _code(loinc: tuple[str, str]) -> Resource:
    return {"coding": [{"system": codes.LOINC, "code": loinc[0], "display": loinc[1]}]}


def _value(value: int, unit: str) -> Resource:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def vital_sign_observations(
    vitals: Any, patient: Resource, instant: str, encounter: Resource | None = None
) -> list[Resource]:
    """One set of session vital signs (``records.sessions`` VitalSigns) as four Observations;
    ``patient`` is the subject reference, ``instant`` when they were taken, ``encounter`` the
    reference to the session's Encounter."""
    common: Resource = {
        "resourceType": "Observation",
        "status": "amended" if vitals.amends_id else "final",
        "category": [VITAL_SIGNS],
        "subject": patient,
        "effectiveDateTime": instant,
        **({"encounter": encounter} if encounter else {}),
    }
    found = [
        {
            **common,
            "id": f"vitals-{vitals.pk}-bp",
            "meta": {"profile": [f"{PROFILES}bp"]},
            "code": _code(BLOOD_PRESSURE),
            "component": [
                {"code": _code(SYSTOLIC), "valueQuantity": _value(vitals.sbp_mm_hg, "mm[Hg]")},
                {"code": _code(DIASTOLIC), "valueQuantity": _value(vitals.dbp_mm_hg, "mm[Hg]")},
            ],
        }
    ]
    for quantity, suffix, profile, loinc, unit in SINGLE:
        found.append(
            {
                **common,
                "id": f"vitals-{vitals.pk}-{suffix}",
                "meta": {"profile": [f"{PROFILES}{profile}"]},
                "code": _code(loinc),
                "valueQuantity": _value(getattr(vitals, quantity), unit),
            }
        )
    return [validated(resource) for resource in found]
