"""Session vital signs leave through FHIR as vital-signs Observations: blood pressure as a panel
with systolic and diastolic components, heart rate, respiratory rate and oxygen saturation,
each with its LOINC code, UCUM unit and FHIR profile; searchable by category and code."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from sessions_support import GOOD_VITALS

from ketaclinic.interop.fhir import patient_bundle
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.sessions import flowsheet


def test_session_vital_signs_are_exported_under_the_vital_signs_profiles(
    nurse: Any, physician: Any, session: Any, walked: Any, api_as: Any, users: dict[str, Any]
) -> None:
    walked("infusing")
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    bundle = patient_bundle(exchange.patient_record(physician, session.patient_id), timezone.now())
    vitals = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["id"].startswith("vitals-")
    ]
    assert vitals
    for resource in vitals:
        get_fhir_model_class("Observation").model_validate(resource)
        assert resource["category"][0]["coding"][0]["code"] == "vital-signs"
    by_code = {r["code"]["coding"][0]["code"]: r for r in vitals}
    assert set(by_code) == {"85354-9", "8867-4", "9279-1", "2708-6"}
    pressure = by_code["85354-9"]
    assert pressure["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/bp"]
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in pressure["component"]}
    latest = [r for r in vitals if r["id"].endswith("-bp")][-1]
    assert latest["component"][0]["valueQuantity"] == {
        "value": GOOD_VITALS["sbp_mm_hg"],
        "unit": "mm[Hg]",
        "system": "http://unitsofmeasure.org",
        "code": "mm[Hg]",
    }
    assert set(components) == {"8480-6", "8462-4"}
    assert by_code["2708-6"]["valueQuantity"]["code"] == "%"
    api = api_as(users["physician"])
    heart = api.client.get(
        "/fhir/Observation",
        {"patient": session.patient_id, "code": "http://loinc.org|8867-4"},
        headers=api.headers,
    ).json()
    assert heart["total"] >= 1
    assert {e["resource"]["code"]["coding"][0]["code"] for e in heart["entry"]} == {"8867-4"}
