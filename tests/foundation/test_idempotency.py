"""``Idempotency-Key`` on API creates: a repeat replays the first answer and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from ketaclinic.records.patients.models import BodyMeasurement
from support import PASSWORD, all_at_once


def _post(token: str, path: str, body: str, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return Client().post(path, body, content_type="application/json", headers=headers)


def _token(user: Any) -> str:
    answer = Client().post(
        "/api/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    return str(answer.json()["token"])


@pytest.fixture
def nurse_token(users: dict[str, Any]) -> str:
    return _token(users["nurse"])


def test_the_same_key_replays_the_first_answer_and_writes_nothing(
    nurse_token: str, patient: Any
) -> None:
    path = f"/api/patients/{patient.pk}/measurements"
    before = BodyMeasurement.objects.filter(patient=patient).count()
    first = _post(nurse_token, path, '{"weight_kg": 71.5}', "weigh-1")
    again = _post(nurse_token, path, '{"weight_kg": 71.5}', "weigh-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert BodyMeasurement.objects.filter(patient=patient).count() == before + 1


def test_without_a_key_each_post_is_a_new_record(nurse_token: str, patient: Any) -> None:
    path = f"/api/patients/{patient.pk}/measurements"
    before = BodyMeasurement.objects.filter(patient=patient).count()
    _post(nurse_token, path, '{"weight_kg": 71.5}', None)
    _post(nurse_token, path, '{"weight_kg": 71.5}', None)
    assert BodyMeasurement.objects.filter(patient=patient).count() == before + 2


def test_the_same_key_with_another_body_is_a_422_naming_the_header(
    nurse_token: str, patient: Any
) -> None:
    path = f"/api/patients/{patient.pk}/measurements"
    _post(nurse_token, path, '{"weight_kg": 71.5}', "weigh-2")
    before = BodyMeasurement.objects.filter(patient=patient).count()
    answer = _post(nurse_token, path, '{"weight_kg": 80}', "weigh-2")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert BodyMeasurement.objects.filter(patient=patient).count() == before


def test_keys_belong_to_their_user(nurse_token: str, users: dict[str, Any], patient: Any) -> None:
    path = f"/api/patients/{patient.pk}/measurements"
    before = BodyMeasurement.objects.filter(patient=patient).count()
    _post(nurse_token, path, '{"weight_kg": 71.5}', "shared-key")
    other = _post(_token(users["physician"]), path, '{"weight_kg": 71.5}', "shared-key")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert BodyMeasurement.objects.filter(patient=patient).count() == before + 2


def test_a_refused_request_is_replayed_as_refused(nurse_token: str, patient: Any) -> None:
    path = f"/api/patients/{patient.pk}/measurements"
    first = _post(nurse_token, path, '{"weight_kg": -3}', "weigh-3")
    again = _post(nurse_token, path, '{"weight_kg": -3}', "weigh-3")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


@pytest.mark.parametrize("key", ["", " " * 3, "x" * 201, "tab\there"])
def test_a_malformed_key_is_a_422(nurse_token: str, patient: Any, key: str) -> None:
    before = BodyMeasurement.objects.filter(patient=patient).count()
    answer = _post(
        nurse_token, f"/api/patients/{patient.pk}/measurements", '{"weight_kg": 70}', key
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert BodyMeasurement.objects.filter(patient=patient).count() == before


def test_a_server_error_keeps_neither_the_key_nor_the_write(
    nurse_token: str, patient: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketaclinic.api import patients as api_patients

    path = f"/api/patients/{patient.pk}/measurements"
    before = BodyMeasurement.objects.filter(patient=patient).count()
    real = api_patients.services.record_measurement

    def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError("the disk filled up after the write")

    with monkeypatch.context() as patched:
        patched.setattr(api_patients.services, "record_measurement", write_then_fail)
        assert _post(nurse_token, path, '{"weight_kg": 72}', "weigh-4").status_code == 500
    assert BodyMeasurement.objects.filter(patient=patient).count() == before
    retry = _post(nurse_token, path, '{"weight_kg": 72}', "weigh-4")
    assert retry.status_code == 201
    assert BodyMeasurement.objects.filter(patient=patient).count() == before + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_repeats_write_once(users: dict[str, Any], patient: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer")
    token = _token(users["nurse"])
    path = f"/api/patients/{patient.pk}/measurements"
    before = BodyMeasurement.objects.filter(patient=patient).count()
    calls: list[Callable[[], Any]] = [
        lambda: _post(token, path, '{"weight_kg": 73}', "rush") for _ in range(8)
    ]
    answers = all_at_once(calls)
    assert [a.status_code for a in answers] == [201] * 8
    assert len({str(a.json()) for a in answers}) == 1
    assert BodyMeasurement.objects.filter(patient=patient).count() == before + 1
