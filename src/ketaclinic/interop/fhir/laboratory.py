"""Test results as FHIR Observations: laboratory tests in category ``laboratory``, the ECG in
category ``procedure``; the LOINC code the test has in screening/data/lab_tests.toml (stored
with each result), UCUM units, the laboratory's reference range and the interpretation: H or L
outside the range, else A or N as the result is flagged."""

from __future__ import annotations

from typing import Any

from ketaclinic.screening.lab_tests import lab_catalog

from . import codes

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_CATEGORY_DISPLAY = {"laboratory": "Laboratory", "procedure": "Procedure"}
_NOT_LABORATORY = frozenset({"ecg"})


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def _interpretation(result: Any) -> dict[str, str]:
    """High or low against the laboratory's range; else abnormal or normal as flagged."""
    code, display = ("A", "Abnormal") if result.abnormal else ("N", "Normal")
    if result.value is not None:
        if result.reference_high is not None and result.value > result.reference_high:
            code, display = "H", "High"
        elif result.reference_low is not None and result.value < result.reference_low:
            code, display = "L", "Low"
    return {"system": INTERPRETATION, "code": code, "display": display}


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
        "interpretation": [{"coding": [_interpretation(result)]}],
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
