"""Importing a Synthea-style Bundle (a hand-written, synthetic fixture) keeps what the patient
record can hold and names, per entry and by FHIR path, everything it cannot (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.interop.fhir import read_patient_bundle
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients.models import Patient

SYNTHEA = Path(__file__).parent.parent / "fixtures" / "synthea_bundle.json"


def _bundle() -> dict[str, Any]:
    return json.loads(SYNTHEA.read_text())


def _import(actor: Any, bundle: dict[str, Any], mode: exchange.ImportMode) -> Any:
    return exchange.import_patients(actor, read_patient_bundle(json.dumps(bundle)), mode)


def test_a_synthea_patient_keeps_what_the_record_can_hold(
    users: dict[str, Any], actor_for: Any
) -> None:
    report = _import(actor_for(users["front_desk"]), _bundle(), exchange.ImportMode.VALID_ONLY)
    assert [line.status for line in report.lines] == ["imported", "invalid", "skipped"]
    anna = Patient.objects.get(pk=report.lines[0].patient_id)
    # A Synthea MRN is a 36-character UUID: it is the record's MRN as it stands.
    assert anna.mrn == "3f1c5a2e-9b7d-4c61-a0e2-5d8f4b7c9a10"
    assert (anna.given_name, anna.other_given_names, anna.family_name) == (
        "Anna",
        ["Maria"],
        "Testperson",
    )
    assert (anna.phone, anna.phone_use, anna.email, anna.email_use) == (
        "555-010-0199",
        "mobile",
        "anna.testperson@example.org",
        "work",
    )
    assert (
        anna.address_lines,
        anna.address_city,
        anna.address_state,
        anna.address_postal_code,
        anna.address_country,
    ) == (["12 Example Street", "Apt 3"], "Springfield", "MA", "01101", "US")
    assert (anna.preferred_language, anna.interpreter_needed) == ("es", True)
    # Every other identifier is kept, the source system's MRN (with its system) among them.
    assert [(i["system"], i["type_code"]) for i in anna.other_identifiers] == [
        ("https://github.com/synthetichealth/synthea", ""),
        ("http://hospital.smarthealthit.org", "MR"),
        ("urn:oid:2.16.840.1.113883.4.3.25", "DL"),
    ]


def test_what_is_not_kept_is_named_by_fhir_path(users: dict[str, Any], actor_for: Any) -> None:
    report = _import(actor_for(users["front_desk"]), _bundle(), exchange.ImportMode.DRY_RUN)
    assert report.lines[0].status == "valid"
    assert report.lines[0].not_kept == [
        "Patient.id",
        "Patient.meta",
        "Patient.text",
        "Patient.extension[us-core-race]",
        "Patient.extension[us-core-ethnicity]",
        "Patient.extension[patient-mothersMaidenName]",
        "Patient.extension[us-core-birthsex]",
        "Patient.name[0].prefix",
        "Patient.name[1]",
        "Patient.telecom[1]",
        "Patient.maritalStatus",
        "Patient.multipleBirthBoolean",
        "Patient.address[0].extension[geolocation]",
        "Patient.address[1]",
    ]
    assert Patient.objects.count() == 0


def test_a_partial_birth_date_is_refused_in_words(users: dict[str, Any], actor_for: Any) -> None:
    report = _import(actor_for(users["front_desk"]), _bundle(), exchange.ImportMode.DRY_RUN)
    [message] = report.lines[1].messages
    assert message.startswith("Patient.birthDate: 1975-06 gives only a year and month;")
    bundle = _bundle()
    bundle["entry"][1]["resource"]["birthDate"] = "1975"
    report = _import(actor_for(users["front_desk"]), bundle, exchange.ImportMode.DRY_RUN)
    assert "1975 gives only a year;" in report.lines[1].messages[0]
    assert "too short" not in json.dumps([line.messages for line in report.lines])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"gender": "banana"}, "Patient.gender:"),
        ({"name": [{"use": "official", "family": "X"}]}, "Patient.name[0].given: is required"),
        (
            {"identifier": [{"system": "urn:ketaclinic:mrn", "value": "has spaces"}]},
            "Patient.identifier[0].value: a medical record number may hold only letters",
        ),
    ],
)
def test_messages_name_fhir_paths(
    change: dict[str, Any], expected: str, users: dict[str, Any], actor_for: Any
) -> None:
    bundle = _bundle()
    bundle["entry"][0]["resource"].update(change)
    report = _import(actor_for(users["front_desk"]), bundle, exchange.ImportMode.DRY_RUN)
    messages = " ".join(report.lines[0].messages)
    assert expected in messages
    for internal in ("given_name", "sex", "mrn:", "date_of_birth"):
        assert internal not in messages


def test_an_unknown_resource_type_fails_the_dry_run(users: dict[str, Any], actor_for: Any) -> None:
    bundle = _bundle()
    bundle["entry"][2]["resource"]["resourceType"] = "Encountr"
    report = _import(actor_for(users["front_desk"]), bundle, exchange.ImportMode.DRY_RUN)
    assert report.lines[2].status == "invalid"
    assert report.lines[2].messages == [
        "Bundle.entry[2].resource.resourceType: 'Encountr' is not a FHIR R4 resource type"
    ]


def test_the_api_reports_what_is_not_kept_and_refuses_a_large_bundle_in_json(
    api_as: Any, users: dict[str, Any], settings: Any
) -> None:
    client = api_as(users["front_desk"])
    answer = client.post("/api/imports/fhir-patients", _bundle())
    assert answer.status_code == 200, answer.content
    assert "Patient.maritalStatus" in answer.json()["lines"][0]["not_kept"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    too_big = client.post("/api/imports/fhir-patients", _bundle())
    assert too_big.status_code == 413
    assert too_big["Content-Type"].startswith("application/json")
    assert "; the API accepts up to 1 KiB: split it" in too_big.json()["detail"]


def test_what_was_kept_is_exported_and_imports_again_whole(
    users: dict[str, Any], actor_for: Any
) -> None:
    from ketaclinic.interop.fhir import patient_resource

    report = _import(actor_for(users["front_desk"]), _bundle(), exchange.ImportMode.VALID_ONLY)
    anna = Patient.objects.get(pk=report.lines[0].patient_id)
    exported = patient_resource(anna)
    assert exported["name"][0]["given"] == ["Anna", "Maria"]
    assert exported["address"][0]["line"] == ["12 Example Street", "Apt 3"]
    assert exported["communication"][0]["language"]["coding"][0]["code"] == "es"
    exported["identifier"][0]["value"] = "ELSEWHERE-2"
    again = _import(
        actor_for(users["front_desk"]),
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": exported}]},
        exchange.ImportMode.VALID_ONLY,
    )
    assert again.lines[0].status == "imported"
    assert again.lines[0].not_kept == ["Patient.id"]  # the other clinic's id for its record
    copy_ = Patient.objects.get(pk=again.lines[0].patient_id)
    for field in (
        "other_given_names",
        "phone_use",
        "email_use",
        "address_lines",
        "address_city",
        "address_postal_code",
        "preferred_language",
        "interpreter_needed",
        "other_identifiers",
    ):
        assert getattr(copy_, field) == getattr(anna, field), field
