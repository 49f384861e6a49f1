"""The FHIR server surface as a standard client meets it: discovery at /fhir/metadata, searches
by code, category and date within one patient, paging by links, Patient?identifier=, and every
error an OperationOutcome."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json; fhirVersion=4.0"
PHQ9_TOTAL = "http://loinc.org|44261-6"


def _client(api_as: Any, user: Any) -> tuple[Client, dict[str, str]]:
    api = api_as(user)
    return api.client, api.headers


def _get(client: Client, headers: dict[str, str], url: str, **params: Any) -> Any:
    answer = client.get(url, params, headers=headers)
    assert answer["Content-Type"] == FHIR_JSON, answer.content
    return answer


def _codes(bundle: dict[str, Any]) -> list[set[str]]:
    return [{c["code"] for c in entry["resource"]["code"]["coding"]} for entry in bundle["entry"]]


def test_a_client_discovers_the_server_without_logging_in() -> None:
    answer = Client().get("/fhir/metadata")
    assert (answer.status_code, answer["Content-Type"]) == (200, FHIR_JSON)
    statement = answer.json()
    get_fhir_model_class("CapabilityStatement").model_validate(statement)
    assert (statement["fhirVersion"], statement["kind"]) == ("4.0.1", "instance")
    resources = {entry["type"]: entry for entry in statement["rest"][0]["resource"]}
    assert set(resources) == {
        "Patient",
        "Observation",
        "Condition",
        "QuestionnaireResponse",
        "MedicationAdministration",
        "Appointment",
        "Encounter",
        "Procedure",
        "Questionnaire",
    }
    observation = {p["name"] for p in resources["Observation"]["searchParam"]}
    assert {"patient", "subject", "category", "code", "date", "_count"} <= observation
    assert resources["Patient"]["operation"][0]["name"] == "everything"
    procedure = {p["name"] for p in resources["Procedure"]["searchParam"]}
    assert procedure == {"patient", "subject", "code", "date", "_count"}
    encounter = {p["name"] for p in resources["Encounter"]["searchParam"]}
    assert encounter == {"patient", "subject", "date", "_count"}
    assert {i["code"] for i in resources["Patient"]["interaction"]} == {"read", "search-type"}


def test_phq9_scores_by_code_and_vital_signs_by_category(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    client, headers = _client(api_as, users["physician"])
    reference = f"Patient/{full_record.pk}"
    phq9 = _get(client, headers, "/fhir/Observation", patient=reference, code=PHQ9_TOTAL).json()
    assert phq9["total"] == 2
    assert all("44261-6" in codes for codes in _codes(phq9))
    assert [e["resource"]["valueQuantity"]["value"] for e in phq9["entry"]] == [14, 9]
    vitals = _get(
        client, headers, "/fhir/Observation", subject=full_record.pk, category="vital-signs"
    ).json()
    for entry in vitals["entry"]:
        categories = entry["resource"]["category"][0]["coding"]
        assert categories[0]["code"] == "vital-signs"
    surveys = _get(client, headers, "/fhir/Observation", patient=full_record.pk, category="survey")
    assert surveys.json()["total"] > 2
    either = _get(
        client,
        headers,
        "/fhir/Observation",
        patient=full_record.pk,
        code=f"{PHQ9_TOTAL},http://loinc.org|70274-6",
    ).json()
    assert either["total"] == 3  # two PHQ-9 and one GAD-7


def test_date_ranges(full_record: Any, api_as: Any, users: dict[str, Any]) -> None:
    client, headers = _client(api_as, users["physician"])
    every = _get(client, headers, "/fhir/Observation", patient=full_record.pk, code=PHQ9_TOTAL)
    first, second = (e["resource"]["effectiveDateTime"] for e in every.json()["entry"])
    after_first = _get(
        client,
        headers,
        "/fhir/Observation",
        patient=full_record.pk,
        code=PHQ9_TOTAL,
        date=f"gt{first[:10]}",
    ).json()
    assert [e["resource"]["effectiveDateTime"] for e in after_first["entry"]] == [second]
    on_the_day = client.get(
        f"/fhir/Observation?patient={full_record.pk}&code={PHQ9_TOTAL}"
        f"&date=ge{first[:10]}&date=le{first[:10]}",
        headers=headers,
    ).json()
    assert on_the_day["total"] == 1
    bad = _get(client, headers, "/fhir/Observation", patient=full_record.pk, date="ge2025-13")
    assert bad.status_code == 400
    assert bad.json()["issue"][0]["expression"] == ["date"]


def test_paging_by_links(full_record: Any, api_as: Any, users: dict[str, Any]) -> None:
    client, headers = _client(api_as, users["physician"])
    answer = _get(client, headers, "/fhir/Observation", patient=full_record.pk, _count=4)
    page = answer.json()
    total, seen = page["total"], []
    assert total > 8
    while True:
        assert len(page["entry"]) <= 4
        seen += [entry["resource"]["id"] for entry in page["entry"]]
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert links["self"].startswith("http://testserver/fhir/Observation?patient=")
        if "next" not in links:
            break
        parts = urlsplit(links["next"])
        page = client.get(f"{parts.path}?{parts.query}", headers=headers).json()
    assert len(seen) == len(set(seen)) == total
    too_many = _get(client, headers, "/fhir/Observation", patient=full_record.pk, _count=100000)
    assert too_many.status_code == 400


def test_unsupported_parameters_are_refused_or_ignored_when_lenient(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    client, headers = _client(api_as, users["physician"])
    strict = _get(client, headers, "/fhir/Observation", patient=full_record.pk, status="final")
    assert strict.status_code == 400
    issue = strict.json()["issue"][0]
    assert (issue["code"], issue["expression"]) == ("not-supported", ["status"])
    lenient = client.get(
        "/fhir/Observation",
        {"patient": full_record.pk, "status": "final"},
        headers={**headers, "Prefer": "handling=lenient"},
    )
    assert lenient.status_code == 200
    self_link = lenient.json()["link"][0]["url"]
    assert "status" not in self_link
    assert f"patient={full_record.pk}" in self_link


def test_patient_by_identifier_and_other_resource_searches(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    client, headers = _client(api_as, users["physician"])
    for identifier in (full_record.mrn, f"{settings.KETACLINIC_MRN_SYSTEM}|{full_record.mrn}"):
        found = _get(client, headers, "/fhir/Patient", identifier=identifier).json()
        assert (found["type"], found["total"]) == ("searchset", 1)
        assert found["entry"][0]["resource"]["id"] == str(full_record.pk)
    nobody = _get(client, headers, "/fhir/Patient", identifier="NO-SUCH-MRN").json()
    assert (nobody["total"], nobody.get("entry", [])) == (0, [])
    other_system = _get(client, headers, "/fhir/Patient", identifier=f"urn:x|{full_record.mrn}")
    assert other_system.json()["total"] == 0
    conditions = _get(client, headers, "/fhir/Condition", patient=full_record.pk).json()
    assert [e["resource"]["resourceType"] for e in conditions["entry"]] == ["Condition"]
    for kind in ("QuestionnaireResponse", "MedicationAdministration", "Appointment"):
        bundle = _get(client, headers, f"/fhir/{kind}", patient=full_record.pk).json()
        assert bundle["total"] >= 1
        assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {kind}
    everything = _get(client, headers, f"/fhir/Patient/{full_record.pk}/$everything").json()
    assert (everything["type"], everything["total"]) == ("searchset", len(everything["entry"]))


def test_every_error_is_an_operation_outcome(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    anonymous = Client().get(f"/fhir/Patient/{full_record.pk}")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["resourceType"] == "OperationOutcome"
    client, headers = _client(api_as, users["physician"])
    for path, status in (
        ("/fhir/Device?patient=1", 404),
        ("/fhir/Patient", 400),  # identifier is required
        (f"/fhir/Observation?patient=Group/{full_record.pk}", 400),
    ):
        answer = _get(client, headers, path)
        assert answer.status_code == status, path
        assert answer.json()["resourceType"] == "OperationOutcome"
    not_allowed = client.post(f"/fhir/Patient/{full_record.pk}", {}, headers=headers)
    assert (not_allowed.status_code, not_allowed["Content-Type"]) == (405, FHIR_JSON)
    front, front_headers = _client(api_as, users["front_desk"])
    refused = front.get("/fhir/Condition", {"patient": full_record.pk}, headers=front_headers)
    assert refused.status_code == 403
    assert refused.json()["issue"][0]["code"] == "forbidden"


def test_every_questionnaire_response_points_at_a_questionnaire_the_server_has(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    client, headers = _client(api_as, users["physician"])
    everything = _get(client, headers, f"/fhir/Patient/{full_record.pk}/$everything").json()
    resources = [entry["resource"] for entry in everything["entry"]]
    questionnaires = {
        f"{r['url']}|{r['version']}": r for r in resources if r["resourceType"] == "Questionnaire"
    }
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert responses
    for response in responses:
        questionnaire = questionnaires[response["questionnaire"]]
        link_ids = {item["linkId"] for item in questionnaire["item"]}
        assert {item["linkId"] for item in response.get("item", [])} <= link_ids
    phq9 = next(q for q in questionnaires.values() if q["url"].endswith(":phq9"))
    assert {"code": "44261-6", "system": "http://loinc.org"}.items() <= phq9["code"][0].items()
    read = _get(client, headers, f"/fhir/Questionnaire/{phq9['id']}")
    assert read.json() == phq9
    get_fhir_model_class("Questionnaire").model_validate(read.json())
    assert _get(client, headers, "/fhir/Questionnaire/phq9-0.0.0").status_code == 404
