"""The public API's contract: the finder, and consultation requests (201, 422 naming each
bad field, 429 with Retry-After, the honeypot, size limits); the queue's permissions."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client
from front_door_support import REQUEST

from support import ApiClient

pytestmark = pytest.mark.django_db

PATH = "/api/public/consultation-requests"


def send(body: Any, address: str = "198.51.100.7") -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return Client(REMOTE_ADDR=address).post(PATH, data=data, content_type="application/json")


def queued() -> list[Any]:
    from ketaclinic.records.enquiries.models import ConsultationRequest

    return list(ConsultationRequest.objects.all())


def test_locations_near_a_zip_are_sorted_by_distance(two_locations: Any) -> None:
    near_phoenix = Client().get("/api/public/locations", {"near": "85301"})
    assert near_phoenix.status_code == 200
    found = near_phoenix.json()
    assert [loc["slug"] for loc in found] == ["glendale", "manhattan"]
    assert found[0]["distance_km"] < 20 < 3000 < found[1]["distance_km"]
    assert found[0]["hours"][0] == {"day": "Monday", "hours": "7:00 am–4:30 pm"}
    assert found[0]["hours"][4] == {"day": "Friday", "hours": "8:00 am–12:00 pm"}
    assert found[0]["map_url"].startswith("https://")
    near_new_york = Client().get("/api/public/locations", {"near": "10019"}).json()
    assert [loc["slug"] for loc in near_new_york] == ["manhattan", "glendale"]
    by_city = Client().get("/api/public/locations", {"near": "Brooklyn, NY"}).json()
    assert by_city[0]["slug"] == "manhattan"


@pytest.mark.parametrize("near", ["00000", "nowhere", ""])
def test_an_unknown_zip_is_422_naming_near(two_locations: Any, near: str) -> None:
    answer = Client().get("/api/public/locations", {"near": near})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["near"]


def test_a_missing_near_is_422_naming_near(two_locations: Any) -> None:
    answer = Client().get("/api/public/locations")
    assert answer.status_code == 422
    assert "near" in [e["field"] for e in answer.json()["errors"]]


def test_a_request_is_accepted_without_log_in(glendale: Any) -> None:
    answer = send(REQUEST)
    assert answer.status_code == 201, answer.content
    assert "Robin" in answer.json()["detail"]
    (row,) = queued()
    assert (row.status, row.location, row.phone_digits) == ("new", glendale, "6025550142")
    assert row.preferred_times == "Tuesday mornings"


def test_each_bad_field_is_named(glendale: Any) -> None:
    body = {
        **REQUEST,
        "given_name": "",
        "date_of_birth": "2999-01-01",
        "phone": "",
        "email": "",
        "consent_to_contact": False,
        "location": "atlantis",
        "notes": "x" * 2001,
    }
    answer = send(body)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {
        "given_name",
        "date_of_birth",
        "phone",
        "email",
        "consent_to_contact",
        "location",
        "notes",
    }
    assert not queued()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"date_of_birth": "not a date"}, "date_of_birth"),
        ({"email": "not-an-address", "phone": ""}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"consent_to_contact": None}, "consent_to_contact"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_a_bad_field_is_422(glendale: Any, change: dict[str, Any], field: str) -> None:
    answer = send({**REQUEST, **change})
    assert answer.status_code == 422
    assert field in {e["field"] for e in answer.json()["errors"]}


def test_phone_or_email_is_enough(glendale: Any) -> None:
    assert send({**REQUEST, "email": ""}).status_code == 201
    assert send({**REQUEST, "phone": ""}).status_code == 201
    missing = {k: v for k, v in REQUEST.items() if k not in ("phone", "email")}
    answer = send(missing)
    assert {e["field"] for e in answer.json()["errors"]} == {"phone", "email"}


def test_the_honeypot_looks_accepted_and_queues_nothing(glendale: Any) -> None:
    answer = send({**REQUEST, "website": "http://spam.example"})
    assert answer.status_code == 201
    assert "Robin" in answer.json()["detail"]
    assert not queued()


def test_a_body_too_large_is_refused(glendale: Any) -> None:
    answer = send({**REQUEST, "notes": "x" * 20_000})
    assert answer.status_code == 413
    assert not queued()


def test_not_json_is_refused_naming_the_body(glendale: Any) -> None:
    answer = send("{not json")
    assert answer.status_code in (400, 422)
    assert not queued()


def test_the_eleventh_request_in_an_hour_from_one_address_is_429(glendale: Any) -> None:
    for _ in range(10):
        assert send(REQUEST).status_code == 201
    refused = send(REQUEST)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "try again" in refused.json()["detail"]
    assert len(queued()) == 10
    assert send(REQUEST, address="203.0.113.9").status_code == 201  # another address


def test_the_limit_is_a_clinic_setting_in_the_database(glendale: Any) -> None:
    from ketaclinic.records.enquiries.models import FrontDoorSettings, SubmissionMark

    FrontDoorSettings.objects.update_or_create(pk=1, defaults={"requests_per_hour": 2})
    assert send(REQUEST).status_code == 201
    assert send({**REQUEST, "website": "x"}).status_code == 201  # a robot's counts too
    assert send(REQUEST).status_code == 429
    # The address is kept only as a keyed digest.
    assert "198.51.100.7" not in str(list(SubmissionMark.objects.values_list(flat=True)))


def test_no_request_content_reaches_the_server_logs(
    glendale: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    send(REQUEST)
    send({**REQUEST, "date_of_birth": "2999-01-01"})
    logged = caplog.text
    for secret in ("Robin", "robin@example.org", "555-0142", "1979-05-04", "Tuesday"):
        assert secret not in logged


def test_the_queue_is_for_front_desk_and_manager(
    glendale: Any, users: dict[str, Any], api_as: Any
) -> None:
    send(REQUEST)
    assert ApiClient(None).get("/api/consultation-requests").status_code == 401
    for role in ("physician", "nurse"):
        assert api_as(users[role]).get("/api/consultation-requests").status_code == 403
    for role in ("front_desk", "manager"):
        answer = api_as(users[role]).get("/api/consultation-requests")
        assert answer.status_code == 200
        (item,) = answer.json()["items"]
        assert (item["given_name"], item["status"], item["location"]) == (
            "Robin",
            "new",
            "glendale",
        )


def test_a_patient_account_cannot_read_the_queue(
    glendale: Any, patient_user: Any, api_as: Any
) -> None:
    assert api_as(patient_user).get("/api/consultation-requests").status_code == 403


def test_the_status_is_updated_and_audited(
    glendale: Any, users: dict[str, Any], api_as: Any
) -> None:
    from ketaclinic.records.audit.models import AuditEvent

    send(REQUEST)
    (row,) = queued()
    desk = api_as(users["front_desk"])
    answer = desk.post(f"/api/consultation-requests/{row.pk}/status", {"status": "contacted"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "contacted"
    entry = AuditEvent.objects.filter(action="enquiry.manage", outcome="allowed").get()
    assert entry.detail == {"from": "new", "to": "contacted"}
    bad = desk.post(f"/api/consultation-requests/{row.pk}/status", {"status": "booked"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"
    nurse = api_as(users["nurse"])
    refused = nurse.post(f"/api/consultation-requests/{row.pk}/status", {"status": "declined"})
    assert refused.status_code == 403
