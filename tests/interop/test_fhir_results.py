"""Test results leave as FHIR Observations: laboratory category, LOINC, UCUM, range, flag
(H or L outside the range); searchable by category and code."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from ketaclinic.interop.fhir import patient_bundle
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.results import services as results


def test_results_are_laboratory_observations(
    patient: Any, users: dict[str, Any], actor_for: Any
) -> None:
    physician = actor_for(users["physician"])
    today = timezone.localdate()
    results.record_result(
        physician,
        patient.pk,
        {"test": "alt", "taken_on": today, "value": 90, "unit": "U/L", "reference_high": 56},
    )
    results.record_result(
        physician, patient.pk, {"test": "ecg", "taken_on": today, "code": "normal"}
    )
    bundle = patient_bundle(exchange.patient_record(physician, patient.pk), timezone.now())
    found = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["id"].startswith("result-")
    }
    alt = found["1742-6"]
    get_fhir_model_class("Observation").model_validate(alt)
    assert alt["category"][0]["coding"][0]["code"] == "laboratory"
    assert alt["valueQuantity"] == {
        "value": 90.0,
        "unit": "U/L",
        "system": "http://unitsofmeasure.org",
        "code": "U/L",
    }
    assert alt["referenceRange"][0]["high"]["value"] == 56
    assert alt["interpretation"][0]["coding"][0]["code"] == "H"
    ecg = found["11524-6"]
    assert ecg["valueCodeableConcept"] == {"text": "normal"}
    assert ecg["interpretation"][0]["coding"][0]["code"] == "N"


def test_results_are_searched_by_category_and_code_with_low_and_high_flags(
    patient: Any, users: dict[str, Any], actor_for: Any, api_as: Any
) -> None:
    physician = actor_for(users["physician"])
    today = timezone.localdate()
    for test, value, low, high in (
        ("alt", 5, 7, 56),
        ("ast", 30, 8, 33),
        ("bilirubin", 2, None, 1.2),
    ):
        results.record_result(
            physician,
            patient.pk,
            {
                "test": test,
                "taken_on": today,
                "value": value,
                "unit": "U/L" if test != "bilirubin" else "mg/dL",
                **({"reference_low": low} if low is not None else {}),
                "reference_high": high,
            },
        )
    api = api_as(users["physician"])
    found = api.get("/fhir/Observation", patient=patient.pk, category="laboratory").json()
    flags = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]["interpretation"][0]["coding"][0]
        for e in found["entry"]
    }
    assert {code: flag["code"] for code, flag in flags.items()} == {
        "1742-6": "L",
        "1920-8": "N",
        "1975-2": "H",
    }
    assert flags["1742-6"]["display"] == "Low"
    for entry in found["entry"]:
        resource = entry["resource"]
        assert resource["effectiveDateTime"] == today.isoformat()
        assert resource["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    ast = api.get("/fhir/Observation", patient=patient.pk, code="http://loinc.org|1920-8").json()
    assert [e["resource"]["code"]["coding"][0]["code"] for e in ast["entry"]] == ["1920-8"]
    assert ast["entry"][0]["resource"]["referenceRange"][0]["low"]["value"] == 8
    none = api.get("/fhir/Observation", patient=patient.pk, category="laboratory", code="8867-4")
    assert none.json()["total"] == 0
