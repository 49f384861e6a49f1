"""The session API: every endpoint, its answers and its error cases (JSON with the fields
named, never a traceback), audited through the API face."""

from __future__ import annotations

from typing import Any

import pytest
from sessions_support import ALDRETE_READY, CADSS6_MILD, GOOD_VITALS

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.sessions import rescue
from ketaclinic.records.sessions.models import Note, VitalSigns
from support import SIGNED, ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as: Any, users: dict[str, Any]) -> Any:
    return api_as(users["nurse"])


def errors_of(answer: Any) -> dict[str, str]:
    body = answer.json()
    assert set(body) == {"detail", "errors"}
    return {error["field"]: error["message"] for error in body["errors"]}


def test_open_a_session_and_read_its_flowsheet(api: Any, order: Any, location: Any) -> None:
    opened = api.post("/api/sessions", {"order_id": order.pk, "location_id": location.pk})
    assert opened.status_code == 201, opened.content
    session_id = opened.json()["id"]
    assert opened.json()["observation_min"] == 60
    sheet = api.get(f"/api/sessions/{session_id}")
    assert sheet.status_code == 200
    body = sheet.json()
    assert body["state"] == "scheduled"
    assert body["commands"] == ["check_in", "cancel"]
    assert body["dose_ordered_mg"] == 35
    assert AuditEvent.objects.filter(action="session.view", face="api").exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"order_id": 1}, 422, "location_id"),
        ({"order_id": "x", "location_id": 1}, 422, "order_id"),
        ({"order_id": 1, "location_id": 1, "colour": "red"}, 422, "colour"),
    ],
)
def test_opening_with_bad_input_answers_422_naming_the_field(
    api: Any, order: Any, location: Any, body: dict[str, Any], status: int, field: str
) -> None:
    body = {**body, **({"order_id": order.pk} if body.get("order_id") == 1 else {})}
    answer = api.post("/api/sessions", body)
    assert answer.status_code == status
    assert field in errors_of(answer)


def test_who_may_do_what(
    api_as: Any, users: dict[str, Any], session: Any, patient_user: Any
) -> None:
    assert api_as(users["front_desk"]).get(f"/api/sessions/{session.pk}").status_code == 403
    board = f"/api/locations/{session.location_id}/live-board"
    assert api_as(users["manager"]).get(board).status_code == 403
    own = f"/api/patients/{patient_user.patient_id}/sessions"
    assert api_as(patient_user).get(own).status_code == 403

    assert ApiClient(None).get(f"/api/sessions/{session.pk}").status_code == 401
    assert api_as(users["nurse"]).get("/api/sessions/999999").status_code == 404


def _prn(session: Any, drug: str) -> int:
    return next(p.pk for p in rescue.prn_orders_for(session) if p.drug == drug)


def test_a_whole_infusion_through_the_api(api: Any, session: Any, walked: Any) -> None:
    walked("infusing", minutes_ago=40)
    base = f"/api/sessions/{session.pk}"
    vitals = api.post(f"{base}/vitals", {**GOOD_VITALS, "heart_rate_per_min": 125})
    assert vitals.status_code == 201
    assert [a["code"] for a in vitals.json()["alerts"]] == ["vitals.hr_high"]
    assert vitals.json()["alerts"][0]["suggested_action"]
    calls = [
        ("side-effects", {"kind": "headache", "severity": "mild"}),
        ("rescue-medications", {"prn_order_id": _prn(session, "ondansetron"), "dose_mg": 4}),
        ("pump-rate", {"rate_ml_per_h": 40, "reason": "headache"}),
        ("notes", {"text": "resting comfortably"}),
        ("scores", {"instrument": "cadss6", "answers": CADSS6_MILD}),
    ]
    for path, body in calls:
        answer = api.post(f"{base}/{path}", body)
        assert answer.status_code == 201, (path, answer.content)
    pause = api.post(f"{base}/transitions", {"command": "pause", "reason": "headache"})
    assert pause.status_code == 201
    assert pause.json()["to_state"] == "paused"
    sheet = api.get(base).json()
    assert sheet["state"] == "paused"
    assert sheet["rate_ml_per_h"] == 40
    assert [s["instrument_id"] for s in sheet["scores"]][-1] == "cadss6"
    assert len(sheet["open_alert_ids"]) == 1


def test_impossible_vitals_answer_422_and_write_nothing(
    api: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    before = VitalSigns.objects.count()
    answer = api.post(
        f"/api/sessions/{session.pk}/vitals", {**GOOD_VITALS, "sbp_mm_hg": 400, "spo2_percent": 120}
    )
    assert answer.status_code == 422
    assert set(errors_of(answer)) == {"sbp_mm_hg", "spo2_percent"}
    assert VitalSigns.objects.count() == before
    assert AuditEvent.objects.filter(outcome="failed", face="api", detail__what="vitals").exists()
    not_json = api.post(f"/api/sessions/{session.pk}/vitals", "{not json")
    assert not_json.status_code == 400
    assert errors_of(not_json) == {"body": "is not valid JSON"}


def test_an_illegal_step_answers_409(api: Any, session: Any) -> None:
    answer = api.post(f"/api/sessions/{session.pk}/transitions", {"command": "discharge"})
    assert answer.status_code == 409
    assert "cannot discharge" in answer.json()["detail"]
    unknown = api.post(f"/api/sessions/{session.pk}/transitions", {"command": "fly"})
    assert unknown.status_code == 422
    assert "command" in errors_of(unknown)


def test_checklist_items_through_the_api(api: Any, session: Any) -> None:
    base = f"/api/sessions/{session.pk}"
    assert api.post(f"{base}/transitions", {"command": "check_in"}).status_code == 201
    weight = api.post(f"{base}/weight", {"weight_kg": 70.5})
    assert weight.status_code == 201
    assert weight.json()["weight_kg"] == 70.5
    assert api.post(f"{base}/confirmations", {"kind": "fasting"}).json()["kind"] == "fasting"
    assert api.post(f"{base}/confirmations", {"kind": "fasting"}).status_code == 409
    screen = {"urgency": False, "frequency": False, "dysuria": True, "haematuria": False}
    answer = api.post(f"{base}/urinary-screen", screen)
    assert [a["code"] for a in answer.json()["alerts"]] == ["urinary_screen.positive"]
    assert api.post(f"{base}/weight", {"weight_kg": 0}).status_code == 422


def test_amend_sign_and_propose_titration(api: Any, session: Any, walked: Any) -> None:
    base = f"/api/sessions/{session.pk}"
    walked("recovery")
    assert api.post(f"{base}/sign", SIGNED).status_code == 409
    assert api.post(f"{base}/titration").status_code == 409
    assert api.post(f"{base}/ledger", {"draw_id": 1}).status_code == 422
    walked("discharged")
    signed = api.post(f"{base}/sign", SIGNED)
    assert signed.status_code == 201
    assert signed.json()["signed_by"] == "nurse-user"
    assert api.post(f"{base}/notes", {"text": "late"}).status_code == 409
    vitals_id = api.get(base).json()["vitals"][0]["id"]
    amended = api.post(
        f"{base}/entries/vitals/{vitals_id}/amend",
        {"values": {**GOOD_VITALS, "sbp_mm_hg": 124}, "reason": "misread"},
    )
    assert amended.status_code == 201
    teleport = api.post(f"{base}/entries/teleport/1/amend", {"values": {}, "reason": "r"})
    assert teleport.status_code == 404
    aldrete = next(s for s in api.get(base).json()["scores"] if s["instrument_id"] == "aldrete")
    assert aldrete["discharge_ready"] is True
    rescored = api.post(
        f"{base}/scores/{aldrete['assessment_id']}/amend",
        {"answers": {**ALDRETE_READY, "activity": 1}, "reason": "moved 2 limbs"},
    )
    assert rescored.status_code == 201, rescored.content
    assert rescored.json()["amends_id"] == aldrete["assessment_id"]
    proposal = api.post(f"{base}/titration")
    assert proposal.status_code == 201
    assert proposal.json()["order_id"] == session.order_id
    sheet = api.get(base).json()
    assert sheet["titration_proposal_id"] == proposal.json()["id"]
    assert next(v["is_amended"] for v in sheet["vitals"]) is True


def test_the_live_board_and_a_patients_sessions(
    api_as: Any, users: dict[str, Any], session: Any, walked: Any, patient: Any
) -> None:
    walked("infusing", minutes_ago=30)
    desk = api_as(users["front_desk"])
    board = desk.get(f"/api/locations/{session.location_id}/live-board")
    assert board.status_code == 200
    [row] = board.json()["rows"]
    assert (row["session_id"], row["state"], row["chair"]) == (session.pk, "infusing", "Chair 1")
    assert "dose" not in str(row)
    assert desk.get("/api/locations/999999/live-board").status_code == 404
    nurse = api_as(users["nurse"])
    page = nurse.get(f"/api/patients/{patient.pk}/sessions", page_size=5)
    assert page.json()["total"] == 1
    assert page.json()["items"][0]["state"] == "infusing"
    assert nurse.get(f"/api/patients/{patient.pk}/sessions", page=0).status_code == 422
    assert desk.get(f"/api/patients/{patient.pk}/openable-orders").json() == []


def test_openable_orders_show_no_dose_to_the_front_desk(
    api_as: Any, users: dict[str, Any], order: Any, patient: Any
) -> None:
    [listed] = api_as(users["front_desk"]).get(f"/api/patients/{patient.pk}/openable-orders").json()
    assert listed == {
        "id": order.pk,
        "plan_id": order.plan_id,
        "session_on": order.session_on.isoformat(),
        "status": "verified",
    }


def test_notes_are_kept_when_amended_through_the_api(api: Any, session: Any) -> None:
    base = f"/api/sessions/{session.pk}"
    api.post(f"{base}/transitions", {"command": "check_in"})
    note = api.post(f"{base}/notes", {"text": "pt anxous"}).json()["entry_id"]
    answer = api.post(
        f"{base}/entries/notes/{note}/amend", {"values": {"text": "pt anxious"}, "reason": "typo"}
    )
    assert answer.status_code == 201
    assert [n.text for n in Note.objects.order_by("id")] == ["pt anxous", "pt anxious"]
    again = api.post(f"{base}/entries/notes/{note}/amend", {"values": {"text": "x"}, "reason": "r"})
    assert again.status_code == 409
