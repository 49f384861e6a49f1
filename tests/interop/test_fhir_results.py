"""Test results leave as FHIR Observations: laboratory category, LOINC, UCUM, range, flag."""

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
    assert alt["interpretation"][0]["coding"][0]["code"] == "A"
    ecg = found["11524-6"]
    assert ecg["valueCodeableConcept"] == {"text": "normal"}
    assert ecg["interpretation"][0]["coding"][0]["code"] == "N"
