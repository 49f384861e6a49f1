"""FHIR Bulk Data export ($export, Bulk Data Access IG v2): kick-off, status, manifest, NDJSON
files for who asked only, cancel, ``_type``/``_since``, a group, and the purge chore."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.exports import services as exports
from ketaclinic.records.exports.models import BulkExport
from ketaclinic.records.workers import chores

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


def _kick_off(api: Any, path: str = "/fhir/$export", **params: Any) -> Any:
    return api.client.get(path, params, headers={**api.headers, **ASYNC})


def _status_path(answer: Any) -> str:
    assert answer.status_code == 202, answer.content
    return str(answer["Content-Location"]).removeprefix("http://testserver")


def _lines(api: Any, url: str) -> list[dict[str, Any]]:
    answer = api.client.get(url.removeprefix("http://testserver"), headers=api.headers)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(answer.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


def test_a_system_export_writes_one_ndjson_file_per_type(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    api = api_as(users["physician"])
    status = api.client.get(_status_path(_kick_off(api)), headers=api.headers)
    assert status.status_code == 200, status.content
    manifest = status.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/$export")
    assert manifest["error"] == []
    assert manifest["transactionTime"]
    types = {item["type"]: item for item in manifest["output"]}
    assert {"Patient", "Observation", "Condition", "Appointment"} <= set(types)
    for kind, item in types.items():
        lines = _lines(api, item["url"])
        assert len(lines) == item["count"]
        assert {line["resourceType"] for line in lines} == {kind}
    [patient] = _lines(api, types["Patient"]["url"])
    assert patient["id"] == str(full_record.pk)
    served = AuditEvent.objects.filter(detail__view="fhir_bulk_export_file")
    assert served.count() == len(types) + 1  # the Patient file was read twice


def test_type_and_since_narrow_the_export(
    full_record: Any, api_as: Any, users: dict[str, Any]
) -> None:
    api = api_as(users["physician"])
    only = api.client.get(_status_path(_kick_off(api, _type="Patient")), headers=api.headers)
    assert [item["type"] for item in only.json()["output"]] == ["Patient"]
    later = (timezone.now() + timedelta(days=1)).isoformat()
    none = api.client.get(
        _status_path(_kick_off(api, _type="Patient,Observation", _since=later)),
        headers=api.headers,
    )
    assert none.json()["output"] == []  # nothing was recorded after tomorrow


def test_a_group_is_a_location(
    full_record: Any, location: Any, api_as: Any, users: dict[str, Any], register: Any
) -> None:
    register(mrn="ELSEWHERE-9")  # never booked at the location: not in the group
    api = api_as(users["physician"])
    answer = _kick_off(api, f"/fhir/Group/{location.slug}/$export", _type="Patient")
    manifest = api.client.get(_status_path(answer), headers=api.headers).json()
    assert [item["count"] for item in manifest["output"]] == [1]
    missing = _kick_off(api, "/fhir/Group/nowhere/$export")
    assert (missing.status_code, missing.json()["resourceType"]) == (404, "OperationOutcome")


def test_only_the_asker_reads_status_and_files(
    full_record: Any, api_as: Any, users: dict[str, Any], make_user: Any
) -> None:
    api = api_as(users["physician"])
    path = _status_path(_kick_off(api))
    url = api.client.get(path, headers=api.headers).json()["output"][0]["url"]
    other = api_as(make_user("physician", "other-physician"))
    assert other.client.get(path, headers=other.headers).status_code == 404
    file_path = url.removeprefix("http://testserver")
    assert other.client.get(file_path, headers=other.headers).status_code == 404
    nurse = api_as(users["nurse"])
    refused = _kick_off(nurse)
    assert (refused.status_code, refused.json()["issue"][0]["code"]) == (403, "forbidden")


def test_a_running_export_reports_progress_and_can_be_cancelled(
    full_record: Any, api_as: Any, users: dict[str, Any], actor_for: Any
) -> None:
    api = api_as(users["physician"])
    job = exports.start_export(
        actor_for(users["physician"]), request_url="http://testserver/fhir/$export"
    )  # queued, not yet run by a worker
    path = f"/fhir/bulkstatus/{job.pk}"
    waiting = api.client.get(path, headers=api.headers)
    assert waiting.status_code == 202
    assert waiting["X-Progress"] == "0 of ? patients"
    assert waiting["Retry-After"] == "5"
    assert api.client.delete(path, headers=api.headers).status_code == 202
    gone = api.client.get(path, headers=api.headers)
    assert (gone.status_code, gone.json()["resourceType"]) == (404, "OperationOutcome")
    from ketaclinic.interop.fhir.bulk import write_export

    assert write_export.call(str(job.pk)) == 0  # the worker finds it cancelled: nothing written


@pytest.mark.parametrize(
    ("params", "headers", "expression"),
    [
        ({}, {}, "Prefer"),
        ({"_type": "Patient,Banana"}, ASYNC, "_type"),
        ({"_since": "yesterday"}, ASYNC, "_since"),
        ({"_elements": "id"}, ASYNC, "_elements"),
        ({"_outputFormat": "text/csv"}, ASYNC, "_outputFormat"),
    ],
)
def test_a_bad_kick_off_is_an_operation_outcome_naming_the_parameter(
    params: dict[str, str],
    headers: dict[str, str],
    expression: str,
    api_as: Any,
    users: dict[str, Any],
) -> None:
    api = api_as(users["physician"])
    answer = api.client.get("/fhir/$export", params, headers={**api.headers, **headers})
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == [expression]
    assert not BulkExport.objects.exists()


def test_the_chore_purges_old_exports(full_record: Any, api_as: Any, users: dict[str, Any]) -> None:
    assert "expired bulk exports" in chores.registered()
    api = api_as(users["physician"])
    _status_path(_kick_off(api))
    job = BulkExport.objects.get()
    folder = exports.files_dir(job)
    assert any(folder.iterdir())
    assert exports.purge_expired() == 0
    assert exports.purge_expired(timezone.now() + timedelta(hours=25)) == 1
    assert not folder.exists()
    assert not BulkExport.objects.exists()
