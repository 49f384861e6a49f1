"""Costly API requests are rate-limited per account (issue 17): the count is kept in the
database, so every app server (here: separate clients and tokens) sees the same count; past the
clinic's limit the answer is JSON 429 with Retry-After, and other accounts are not held up."""

from __future__ import annotations

from typing import Any

from ketaclinic.records.enquiries.models import FrontDoorSettings

BODY = {
    "regimen": [
        {"route": "iv_infusion", "dose_mg_per_kg": 0.5, "start_min": 0, "duration_min": 40}
    ],
    "weight_kg": 70,
}


def _limit(per_minute: int) -> None:
    FrontDoorSettings.objects.update_or_create(
        pk=1, defaults={"costly_requests_per_minute": per_minute}
    )


def test_costly_requests_past_the_limit_get_429_with_retry_after(
    api_as: Any, users: dict[str, Any]
) -> None:
    _limit(3)
    nurse = users["nurse"]
    answers = [api_as(nurse).post("/api/pk/simulate", BODY) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200], answers[0].content
    refused = api_as(nurse).post("/api/pk/simulate", BODY)  # a new client, a new token
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "too many" in refused.json()["detail"]
    assert api_as(users["physician"]).post("/api/pk/simulate", BODY).status_code == 200


def test_fhir_bundles_count_against_the_same_limit(
    api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    _limit(2)
    client = api_as(users["physician"])
    assert client.get(f"/fhir/Patient/{patient.pk}/$everything").status_code == 200
    assert client.get("/api/outcomes/cohort").status_code in (200, 403)
    refused = client.get(f"/fhir/Patient/{patient.pk}/$everything")
    assert refused.status_code == 429
    assert refused.json()["issue"][0]["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1


def test_the_default_limit_is_documented(db: Any) -> None:
    from pathlib import Path

    default = FrontDoorSettings._meta.get_field("costly_requests_per_minute").default
    operations = Path(__file__).parents[2] / "docs" / "operations.md"
    assert f"{default} costly requests" in operations.read_text()
