"""Test results as FHIR Observations: laboratory tests in category ``laboratory``, the ECG in
category ``procedure``; LOINC codes, UCUM units, the laboratory's reference range and the
abnormal flag as an interpretation."""

from __future__ import annotations

from typing import Any

from ketaclinic.screening.lab_tests import lab_catalog

from . import codes

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_CATEGORY_DISPLAY = {"laboratory": "Laboratory", "procedure": "Procedure"}
_NOT_LABORATORY = frozenset({"ecg"})


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def result_observation(result: Any, subject: dict[str, str]) -> dict[str, Any]:
    """``result`` is a records.results test result; ``subject`` the reference to its patient.
    The caller validates the resource."""
    test = lab_catalog().tests.get(result.test_id)
    label = test.label if test is not None else result.test_id
    category = "procedure" if result.test_id in _NOT_LABORATORY else "laboratory"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"result-{result.pk}",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": codes.OBSERVATION_CATEGORY,
                        "code": category,
                        "display": _CATEGORY_DISPLAY[category],
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": codes.LOINC, "code": result.loinc}], "text": label},
        "subject": subject,
        "effectiveDateTime": result.taken_on.isoformat(),
        "issued": result.entered_at.isoformat(),
        "interpretation": [
            {
                "coding": [
                    {"system": INTERPRETATION, "code": "A", "display": "Abnormal"}
                    if result.abnormal
                    else {"system": INTERPRETATION, "code": "N", "display": "Normal"}
                ]
            }
        ],
    }
    if result.code:
        resource["valueCodeableConcept"] = {"text": result.code}
    else:
        resource["valueQuantity"] = _quantity(result.value, result.unit)
    bounds = {
        key: _quantity(value, result.unit)
        for key, value in (("low", result.reference_low), ("high", result.reference_high))
        if value is not None
    }
    if bounds:
        resource["referenceRange"] = [bounds]
    if result.note:
        resource["note"] = [{"text": result.note}]
    return resource
