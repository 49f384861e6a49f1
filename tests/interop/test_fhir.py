"""FHIR: every exported resource validated, the read endpoints, and patient import (dry run,
all-or-nothing, valid only) with a round trip from an export."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from outcomes_support import PAIN

from ketaclinic.interop.fhir import patient_bundle, read_patient_bundle
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients.models import Patient
from support import PATIENT_DATA

LOINC = "http://loinc.org"


def _export(actor: Any, patient: Any) -> dict[str, Any]:
    return patient_bundle(exchange.patient_record(actor, patient.pk), timezone.now())


def _by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_the_bundle_holds_every_resource_each_valid(full_record: Any, clinician: Any) -> None:
    bundle = _export(clinician, full_record)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].startswith("urn:uuid:")
    found = _by_type(bundle)
    assert set(found) == {
        "Patient",
        "Condition",
        "Observation",
        "QuestionnaireResponse",
        "MedicationAdministration",
        "Appointment",
        "Encounter",  # the booked consultation, planned
        "Questionnaire",
    }
    [visit] = found["Encounter"]
    assert (visit["status"], visit["serviceType"]["text"]) == ("planned", "Consultation")
    [patient] = found["Patient"]
    assert patient["identifier"][0]["value"] == "MRN-0001"
    assert patient["birthDate"] == PATIENT_DATA["date_of_birth"]
    [condition] = found["Condition"]
    codes = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    assert codes == {
        ("http://hl7.org/fhir/sid/icd-10-cm", "M79.7"),
        ("http://snomed.info/sct", "203082005"),
    }
    assert condition["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert condition["category"][0]["coding"][0]["code"] == "problem-list-item"  # US Core
    # References inside a file export point at the entries' urn:uuid names.
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert condition["subject"]["reference"] in urls


def test_observations_carry_loinc_codes_or_local_ones(full_record: Any, clinician: Any) -> None:
    observations = _by_type(_export(clinician, full_record))["Observation"]

    def coded_as(observation: dict[str, Any], system: str, code: str) -> bool:
        return any(
            c["system"] == system and c["code"] == code for c in observation["code"]["coding"]
        )

    def coded(system: str, code: str) -> list[dict[str, Any]]:
        return [o for o in observations if coded_as(o, system, code)]

    assert [o["valueQuantity"]["value"] for o in coded(LOINC, "44261-6")] == [14, 9]  # PHQ-9
    assert len(coded(LOINC, "70274-6")) == 1  # GAD-7
    pain_now = coded(LOINC, "72514-3")  # one LOINC code, one measure: pain right now
    assert len(pain_now) == 4
    assert all(coded_as(o, "urn:ketaclinic:instruments", "nrs_pain_now") for o in pain_now)
    average = coded("urn:ketaclinic:instruments", PAIN)
    assert len(average) == 8
    assert not any(c["system"] == LOINC for o in average for c in o["code"]["coding"])
    fiqr = coded("urn:ketaclinic:instruments", "fiqr")
    assert [o["valueQuantity"]["value"] for o in fiqr] == [60, 40]
    assert not any(c["system"] == LOINC for c in fiqr[0]["code"]["coding"])
    assert {c["code"]["text"] for c in fiqr[0]["component"]} >= {"function", "symptoms"}
    weights = coded(LOINC, "29463-7")
    assert [w["valueQuantity"] for w in weights] == [
        {"value": 70.0, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}
    ]
    assert weights[0]["category"][0]["coding"][0]["code"] == "vital-signs"


def test_answers_medication_and_appointment(full_record: Any, clinician: Any) -> None:
    found = _by_type(_export(clinician, full_record))
    phq9 = next(q for q in found["QuestionnaireResponse"] if "phq9" in q["questionnaire"])
    assert phq9["status"] == "completed"
    assert [i["linkId"] for i in phq9["item"]][:2] == ["phq9_1", "phq9_2"]
    acr = next(q for q in found["QuestionnaireResponse"] if "acr2016" in q["questionnaire"])
    assert {"valueBoolean": True} in [i["answer"][0] for i in acr["item"]]
    [given] = found["MedicationAdministration"]
    assert given["id"] == "infusion-41"
    assert given["dosage"]["dose"]["value"] == 35
    assert given["medicationCodeableConcept"]["text"] == "ketamine"
    rxnorm = given["medicationCodeableConcept"]["coding"][0]
    assert (rxnorm["system"], rxnorm["code"]) == (
        "http://www.nlm.nih.gov/research/umls/rxnorm",
        "6130",
    )
    route = given["dosage"]["route"]["coding"][0]
    assert (route["system"], route["code"]) == ("http://snomed.info/sct", "47625008")  # IV
    # 35 mg over the infusion's minutes, as a mean rate in mg/h
    start, end = (datetime.fromisoformat(given["effectivePeriod"][k]) for k in ("start", "end"))
    expected_mg_per_h = round(35 * 3600 / (end - start).total_seconds(), 3)
    rate = given["dosage"]["rateQuantity"]
    assert (rate["value"], rate["code"]) == (expected_mg_per_h, "mg/h")
    [visit] = found["Appointment"]
    assert (visit["status"], visit["serviceType"][0]["coding"][0]["code"]) == (
        "booked",
        "consultation",
    )


def test_identity_is_the_installations_own(full_record: Any, clinician: Any, settings: Any) -> None:
    """Two clinics' exports never collide in a receiver: the MRN system is the clinic's own
    (KETACLINIC_MRN_SYSTEM) and the urn:uuid names are drawn afresh for each export."""
    settings.KETACLINIC_MRN_SYSTEM = "https://clinic-a.example.org/mrn"
    first = _export(clinician, full_record)
    [identifier] = _by_type(first)["Patient"][0]["identifier"]
    assert (identifier["system"], identifier["value"]) == (
        "https://clinic-a.example.org/mrn",
        full_record.mrn,
    )
    second = _export(clinician, full_record)
    assert not {e["fullUrl"] for e in first["entry"]} & {e["fullUrl"] for e in second["entry"]}


def test_an_amended_score_is_exported_as_amended(scored: Any, clinician: Any) -> None:
    original = assessments.record_assessment(
        clinician,
        scored.pk,
        {"instrument": "nrs_fatigue", "answers": {"nrs_fatigue": 3}, "context": "follow_up"},
    )
    assessments.amend_assessment(
        clinician, scored.pk, original.pk, {"answers": {"nrs_fatigue": 4}, "reason": "typo"}
    )
    bundle = _export(clinician, scored)
    found = _by_type(bundle)
    fatigue = [
        o
        for o in found["Observation"]
        if o["code"]["coding"][0]["code"] == "nrs_fatigue"
        and o["effectiveDateTime"] != found["Observation"][0]["effectiveDateTime"]
    ]
    assert [(o["status"], o["valueQuantity"]["value"]) for o in fatigue][-1] == ("amended", 4)
    # The correction is version 2 of the same resource, not a second score to count.
    [amended] = [o for o in found["Observation"] if o["id"] == f"score-{original.pk}"]
    assert (amended["status"], amended["meta"]["versionId"]) == ("amended", "2")
    [answers] = [q for q in found["QuestionnaireResponse"] if q["id"] == f"qr-{original.pk}"]
    assert (answers["status"], answers["meta"]["versionId"]) == ("amended", "2")
    assert amended["derivedFrom"][0]["reference"] in {e["fullUrl"] for e in bundle["entry"]}


def test_round_trip_export_then_import(
    full_record: Any, clinician: Any, users: dict[str, Any], actor_for: Any
) -> None:
    bundle = _export(clinician, full_record)
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["identifier"][0]["value"] = "ELSEWHERE-1"
    report = exchange.import_patients(
        actor_for(users["front_desk"]),
        read_patient_bundle(json.dumps(bundle)),
        exchange.ImportMode.ALL_OR_NOTHING,
    )
    assert report.imported == 1
    assert report.count("skipped") == len(bundle["entry"]) - 1
    copy_ = Patient.objects.get(mrn="ELSEWHERE-1")
    fields = (
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "phone",
        "email",
        "address",
        "emergency_contact_name",
        "emergency_contact_phone",
        "emergency_contact_relationship",
    )
    assert [getattr(copy_, f) for f in fields] == [getattr(full_record, f) for f in fields]
    assert AuditEvent.objects.filter(action="patient.register", patient_id=copy_.pk).exists()


def _patient(mrn: str | None, **more: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [{"family": "Imported", "given": ["Ivy"]}],
        "gender": "female",
        "birthDate": "1980-02-03",
        **more,
    }
    if mrn:
        resource["identifier"] = [{"system": "urn:ketaclinic:mrn", "value": mrn}]
    return resource


def _file(*resources: dict[str, Any]) -> str:
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:entry-{i}", "resource": r} for i, r in enumerate(resources)
            ],
        }
    )


MIXED = (
    _patient("IMP-1"),
    _patient("IMP-2", birthDate="1980-13-40"),  # not a date
    _patient("IMP-3", gender="banana"),  # not a sex the record knows
    {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
    _patient(None, name=[]),  # no name
    _patient("MRN-0001"),  # already in use
    _patient("IMP-7"),
    _patient("IMP-7"),  # twice in the file
)


def test_dry_run_reports_each_entry_and_writes_nothing(
    patient: Any, users: dict[str, Any], actor_for: Any
) -> None:
    report = exchange.import_patients(
        actor_for(users["physician"]),
        read_patient_bundle(_file(*MIXED)),
        exchange.ImportMode.DRY_RUN,
    )
    statuses = [line.status for line in report.lines]
    assert statuses == [
        "valid",
        "invalid",
        "invalid",
        "skipped",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
    ]
    messages = [" ".join(line.messages) for line in report.lines]
    assert "birthDate" in messages[1]
    assert messages[2].startswith("Patient.gender:")  # FHIR paths, not the record's fields
    assert "Patient.name[0].given: is required" in messages[4]
    assert "already in use" in messages[5]
    assert "more than once" in messages[6]
    assert Patient.objects.count() == 1
    entry = AuditEvent.objects.get(action="import.patients")
    assert entry.detail["mode"] == "dry_run"


def test_an_invalid_entry_stops_the_whole_import_unless_asked(
    patient: Any, users: dict[str, Any], actor_for: Any
) -> None:
    actor = actor_for(users["front_desk"])
    candidates = read_patient_bundle(_file(*MIXED))
    strict = exchange.import_patients(actor, candidates, exchange.ImportMode.ALL_OR_NOTHING)
    assert strict.imported == 0
    assert strict.lines[0].status == "not_imported"
    assert Patient.objects.count() == 1
    lenient = exchange.import_patients(actor, candidates, exchange.ImportMode.VALID_ONLY)
    assert [line.mrn for line in lenient.lines if line.status == "imported"] == ["IMP-1"]
    assert Patient.objects.filter(mrn="IMP-1").exists()
    assert Patient.objects.count() == 2


def test_a_patient_without_mrn_gets_one(users: dict[str, Any], actor_for: Any) -> None:
    report = exchange.import_patients(
        actor_for(users["front_desk"]),
        read_patient_bundle(_file(_patient(None))),
        exchange.ImportMode.ALL_OR_NOTHING,
    )
    assert report.lines[0].mrn.startswith("KC-")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"resourceType": "Patient"}', "is not a FHIR Bundle"),
        ('{"resourceType": "Bundle", "entry": {}}', "must be a list"),
    ],
)
def test_a_bad_file_is_refused_naming_it(content: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read_patient_bundle(content)
    assert (error.value.errors[0].field, message in error.value.errors[0].message) == ("file", True)


def test_only_registrars_import(users: dict[str, Any], actor_for: Any) -> None:
    from ketaclinic.records.errors import Forbidden

    for role in ("nurse", "manager"):
        with pytest.raises(Forbidden):
            exchange.import_patients(actor_for(users[role]), [], exchange.ImportMode.DRY_RUN)


def _fhir_client(api_as: Any, user: Any) -> Client:
    api = api_as(user)
    return api.client, api.headers


def test_read_endpoints(full_record: Any, api_as: Any, users: dict[str, Any]) -> None:
    client, headers = _fhir_client(api_as, users["nurse"])
    answer = client.get(f"/fhir/Patient/{full_record.pk}", headers=headers)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/fhir+json; fhirVersion=4.0"
    assert answer.json()["resourceType"] == "Patient"
    search = client.get("/fhir/Observation", {"patient": full_record.pk}, headers=headers)
    body = search.json()
    assert (body["type"], body["total"]) == ("searchset", len(body["entry"]))
    assert body["entry"][0]["fullUrl"].startswith("http://testserver/fhir/Observation/")
    assert body["entry"][0]["resource"]["subject"]["reference"] == f"Patient/{full_record.pk}"
    everything = client.get(f"/fhir/Patient/{full_record.pk}/$everything", headers=headers)
    Bundle.model_validate(everything.json())
    faces = set(
        AuditEvent.objects.filter(patient_id=full_record.pk, face="fhir").values_list(
            "action", flat=True
        )
    )
    assert faces == {"patient.view", "assessment.view", "export.fhir"}


def test_read_endpoint_errors_are_operation_outcomes(
    scored: Any, api_as: Any, users: dict[str, Any]
) -> None:
    client, headers = _fhir_client(api_as, users["manager"])
    denied = client.get(f"/fhir/Patient/{scored.pk}", headers=headers)
    assert denied.status_code == 403
    assert denied.json()["resourceType"] == "OperationOutcome"
    client, headers = _fhir_client(api_as, users["physician"])
    missing = client.get("/fhir/Patient/999999", headers=headers)
    assert (missing.status_code, missing.json()["issue"][0]["code"]) == (404, "not-found")
    no_patient = client.get("/fhir/Observation", headers=headers)
    assert no_patient.status_code == 400
    assert no_patient.json()["issue"][0]["expression"] == ["patient"]
    assert Client().get(f"/fhir/Patient/{scored.pk}").status_code == 401
    front, front_headers = _fhir_client(api_as, users["front_desk"])
    assert front.get(f"/fhir/Patient/{scored.pk}", headers=front_headers).status_code == 200
    observations = front.get("/fhir/Observation", {"patient": scored.pk}, headers=front_headers)
    assert observations.status_code == 403  # the front desk sees no scores


def test_import_endpoint(patient: Any, api_as: Any, users: dict[str, Any]) -> None:
    client = api_as(users["front_desk"])
    bundle = json.loads(_file(*MIXED))
    dry = client.post("/api/imports/fhir-patients", bundle)
    assert dry.status_code == 200, dry.content
    assert (dry.json()["mode"], dry.json()["invalid"], dry.json()["imported"]) == ("dry_run", 6, 0)
    valid = client.client.post(
        "/api/imports/fhir-patients?mode=valid_only",
        data=json.dumps(bundle),
        content_type="application/json",
        headers=client.headers,
    )
    assert valid.json()["imported"] == 1
    bad = client.client.post(
        "/api/imports/fhir-patients?mode=everything",
        data=json.dumps(bundle),
        content_type="application/json",
        headers=client.headers,
    )
    assert bad.status_code == 422
    not_bundle = client.post("/api/imports/fhir-patients", {"resourceType": "Patient"})
    assert (not_bundle.status_code, not_bundle.json()["errors"][0]["field"]) == (422, "file")
