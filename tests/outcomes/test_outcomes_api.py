"""The outcome endpoints: answers, error cases and audit through the API face."""

from __future__ import annotations

from typing import Any

import pytest
from outcomes_support import PAIN, PROTOCOL, infusion

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.outcomes.models import BoosterReview, Discontinuation


def test_patient_outcomes(scored: Any, api_as: Any, users: dict[str, Any]) -> None:
    answer = api_as(users["nurse"]).get(f"/api/patients/{scored.pk}/outcomes")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    pain = next(t for t in body["trajectories"] if t["instrument_id"] == PAIN)
    assert (pain["baseline"], pain["latest"], pain["change_points"]) == (8, 6, -2)
    assert body["pain_response"]["category"] == "not_reached"
    assert body["fiqr_response"]["category"] == "improved"
    assert body["durability"]["status"] == "not_applicable"
    assert body["booster"]["due"] is False
    assert body["rules"]["pain_moderate_percent"]["value"] == 30
    entry = AuditEvent.objects.filter(action="outcome.view").latest("id")
    assert (entry.face, entry.patient_id) == ("api", scored.pk)


def test_return_fraction_changes_durability(
    scored: Any, api_as: Any, users: dict[str, Any], infusions_given: list
) -> None:
    infusions_given.append(infusion(scored, 30))
    client = api_as(users["physician"])
    default = client.get(f"/api/patients/{scored.pk}/outcomes").json()["durability"]
    assert (default["status"], default["threshold"]) == ("returned", pytest.approx(5.6))
    strict = client.get(f"/api/patients/{scored.pk}/outcomes", return_fraction=0.8).json()
    assert strict["durability"]["status"] == "censored"
    bad = client.get(f"/api/patients/{scored.pk}/outcomes", return_fraction=2)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "return_fraction"


@pytest.mark.parametrize(("role", "status"), [("front_desk", 403), ("manager", 403)])
def test_outcomes_refused_to_roles_without_them(
    scored: Any, api_as: Any, users: dict[str, Any], role: str, status: int
) -> None:
    assert api_as(users[role]).get(f"/api/patients/{scored.pk}/outcomes").status_code == status


def test_unknown_patient_is_404(api_as: Any, users: dict[str, Any]) -> None:
    answer = api_as(users["physician"]).get("/api/patients/999999/outcomes")
    assert answer.status_code == 404
    assert "does not exist" in answer.json()["detail"]


def test_patient_sees_their_own_outcomes_only(
    scored: Any, api_as: Any, patient_user: Any, register: Any
) -> None:
    client = api_as(patient_user)
    assert client.get(f"/api/patients/{scored.pk}/outcomes").status_code == 200
    other = register(mrn="API-OTHER")
    assert client.get(f"/api/patients/{other.pk}/outcomes").status_code == 403


def test_booster_decision_endpoint(
    scored: Any,
    api_as: Any,
    users: dict[str, Any],
    infusions_given: list,
    sign_plan: Any,
) -> None:
    client = api_as(users["physician"])
    path = f"/api/patients/{scored.pk}/booster-decisions"
    assert client.post(path, {"decision": "accepted", "note": "x"}).status_code == 409
    sign_plan(scored)
    infusions_given += [infusion(scored, 60), infusion(scored, 58)]
    assert client.post(path, {"decision": "perhaps", "note": "x"}).status_code == 422
    assert client.post(path, {"decision": "declined", "note": "x", "why": 1}).status_code == 422
    assert client.post(path, "{not json").status_code == 400
    answer = client.post(path, {"decision": "declined", "note": "pain manageable"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["suggestion"]["rule_id"] == "pain-return"
    assert answer.json()["protocol_id"] == PROTOCOL
    assert client.post(path, {"decision": "accepted", "note": "x"}).status_code == 409
    assert (
        api_as(users["nurse"]).post(path, {"decision": "accepted", "note": "x"}).status_code == 403
    )
    assert BoosterReview.objects.count() == 1


def test_discontinuation_endpoint(scored: Any, api_as: Any, users: dict[str, Any]) -> None:
    client = api_as(users["nurse"])
    path = f"/api/patients/{scored.pk}/discontinuations"
    bad = client.post(path, {"reason": "other", "stopped_on": "2025-01-02"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "note", "message": "say why when the reason is 'other'"}
    ]
    answer = client.post(path, {"reason": "cost", "stopped_on": "2025-01-02"})
    assert answer.status_code == 201, answer.content
    fixed = client.post(
        path,
        {
            "reason": "side_effects",
            "stopped_on": "2025-01-02",
            "amends": answer.json()["id"],
            "amendment_reason": "was nausea",
        },
    )
    assert fixed.status_code == 201
    assert fixed.json()["amends_id"] == answer.json()["id"]
    again = client.post(
        path,
        {
            "reason": "cost",
            "stopped_on": "2025-01-02",
            "amends": answer.json()["id"],
            "amendment_reason": "twice",
        },
    )
    assert again.status_code == 409
    assert Discontinuation.objects.count() == 2
    assert (
        api_as(users["front_desk"])
        .post(path, {"reason": "cost", "stopped_on": "2025-01-02"})
        .status_code
        == 403
    )


def test_cohort_endpoint(scored: Any, api_as: Any, users: dict[str, Any]) -> None:
    client = api_as(users["manager"])
    body = client.get("/api/outcomes/cohort").json()
    assert (body["patients"], body["empty"], body["label"]) == (1, False, "all patients")
    pain = [r for r in body["responders"] if r["instrument_id"] == "pain"]
    assert [(r["category"], r["count"], r["of"]) for r in pain] == [
        ("substantial", 0, 1),
        ("moderate", 0, 1),
    ]
    empty = client.get("/api/outcomes/cohort", protocol="ketamine-im-0.5mgkg")
    assert empty.status_code == 200
    assert (empty.json()["empty"], empty.json()["patients"]) == (True, 0)
    assert "ketamine-im-0.5mgkg" in empty.json()["label"]
    bad = client.get("/api/outcomes/cohort", since="2025-03-01", until="2025-01-01")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "until"
    assert client.get("/api/outcomes/cohort", since="March").status_code == 422
    assert api_as(users["nurse"]).get("/api/outcomes/cohort").status_code == 403
    assert AuditEvent.objects.filter(action="outcome.cohort", outcome="allowed").count() == 2
