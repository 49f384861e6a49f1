"""Emergency access (ONC 170.315(d)(6)): a restricted record opens only to its care team; any
other clinician opens it with a reason, for a limited time, every entry during it marked in
the audit trail; a manager reviews each use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.records.accounts import emergency
from ketaclinic.records.accounts.models import EmergencyAccess
from ketaclinic.records.accounts.reach import OutsideReach
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.patients import services as patients

REASON = "Unwell in the waiting room; her physician is away."


@pytest.fixture
def restricted(patient: Any, users: dict[str, Any], actor_for: Any) -> Any:
    """The patient's record restricted to the physician."""
    emergency.restrict(
        actor_for(users["manager"]),
        patient.pk,
        {"reason": "A colleague's own record.", "care_team": ["physician-user"]},
    )
    return patient


def test_a_restricted_record_opens_to_its_care_team_only(
    restricted: Any, users: dict[str, Any], actor_for: Any
) -> None:
    assert patients.get_chart(actor_for(users["physician"]), restricted.pk)
    with pytest.raises(OutsideReach):
        patients.get_chart(actor_for(users["nurse"]), restricted.pk)
    denied = AuditEvent.objects.get(username="nurse-user", outcome="denied")
    assert denied.detail == {"reason": "restricted record, no emergency access"}
    assert denied.patient_id == restricted.pk


def test_emergency_access_needs_a_reason_lasts_a_while_and_marks_every_entry(
    restricted: Any, users: dict[str, Any], actor_for: Any, settings: Any
) -> None:
    settings.EMERGENCY_ACCESS_HOURS = 4
    nurse = actor_for(users["nurse"])
    with pytest.raises(InvalidInput) as short:
        emergency.open_access(nurse, restricted.pk, {"reason": "urgent"})
    assert short.value.errors[0].field == "reason"
    access = emergency.open_access(nurse, restricted.pk, {"reason": REASON})
    assert timedelta(hours=3.9) < access.expires_at - access.started_at <= timedelta(hours=4)
    assert emergency.open_access(nurse, restricted.pk, {"reason": REASON}) == access
    patients.get_chart(nurse, restricted.pk)
    marked = AuditEvent.objects.filter(detail__emergency_access=access.pk)
    assert set(marked.values_list("action", flat=True)) == {"emergency.access", "patient.view"}
    unmarked = AuditEvent.objects.filter(username="physician-user", patient_id=restricted.pk)
    patients.get_chart(actor_for(users["physician"]), restricted.pk)
    assert not unmarked.filter(detail__has_key="emergency_access").exists()
    EmergencyAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now())
    with pytest.raises(OutsideReach):
        patients.get_chart(nurse, restricted.pk)


def test_who_may_break_the_glass(
    restricted: Any, patient: Any, users: dict[str, Any], actor_for: Any, register: Any
) -> None:
    with pytest.raises(Forbidden):
        emergency.open_access(actor_for(users["front_desk"]), restricted.pk, {"reason": REASON})
    with pytest.raises(Conflict):  # within the physician's reach anyway
        emergency.open_access(actor_for(users["physician"]), restricted.pk, {"reason": REASON})
    other = register(mrn="MRN-0002")
    with pytest.raises(Conflict):  # not restricted
        emergency.open_access(actor_for(users["nurse"]), other.pk, {"reason": REASON})
    with pytest.raises(Forbidden):
        emergency.restrict(actor_for(users["nurse"]), other.pk, {"reason": REASON})


def test_a_manager_reviews_each_use_once(
    restricted: Any, users: dict[str, Any], actor_for: Any
) -> None:
    nurse, manager = actor_for(users["nurse"]), actor_for(users["manager"])
    access = emergency.open_access(nurse, restricted.pk, {"reason": REASON})
    with pytest.raises(Forbidden):
        emergency.list_uses(nurse)
    [use] = emergency.list_uses(manager).items
    assert (use.access, use.entries, use.active) == (access, 1, True)
    with pytest.raises(InvalidInput):
        emergency.review(manager, access.pk, {"note": ""})
    emergency.review(manager, access.pk, {"note": "Called the nurse: justified."})
    with pytest.raises(Conflict):
        emergency.review(manager, access.pk, {"note": "again"})
    assert emergency.list_uses(manager).items == []
    assert emergency.list_uses(manager, reviewed=True).items[0].access.review_note
    reviewed = AuditEvent.objects.get(action="emergency.review", object_id=str(access.pk))
    assert reviewed.detail["note"] == "Called the nurse: justified."


def test_the_web_offers_emergency_access_and_the_review(
    restricted: Any, users: dict[str, Any], web_as: Any
) -> None:
    nurse = web_as(users["nurse"])
    refused = nurse.get(f"/patients/{restricted.pk}/")
    assert refused.status_code == 403
    assert f"/patients/{restricted.pk}/emergency-access/".encode() in refused.content
    path = f"/patients/{restricted.pk}/emergency-access/"
    assert nurse.post(path, {"reason": "now"}).status_code == 422
    assert nurse.post(path, {"reason": REASON})["Location"] == f"/patients/{restricted.pk}/"
    assert nurse.get(f"/patients/{restricted.pk}/").status_code == 200
    manager = web_as(users["manager"])
    page = manager.get("/emergency-access/")
    assert REASON.encode() in page.content
    access = EmergencyAccess.objects.get()
    manager.post(f"/emergency-access/{access.pk}/review/", {"note": "Justified."})
    assert b"Nothing to review." in manager.get("/emergency-access/").content
    assert web_as(users["nurse"]).get("/emergency-access/").status_code == 403


def test_the_api_opens_lists_and_reviews(patient: Any, users: dict[str, Any], api_as: Any) -> None:
    manager, nurse = api_as(users["manager"]), api_as(users["nurse"])
    restriction = f"/api/patients/{patient.pk}/restriction"
    bad = manager.request("put", restriction, {"reason": REASON, "care_team": ["nobody"]})
    assert [e["field"] for e in bad.json()["errors"]] == ["care_team"]
    done = manager.request("put", restriction, {"reason": REASON, "care_team": ["physician-user"]})
    assert done.json()["care_team"] == ["physician-user"]
    refused = nurse.get(f"/api/patients/{patient.pk}")
    assert refused.status_code == 403
    assert "emergency access" in refused.json()["detail"]
    opened = nurse.post(f"/api/patients/{patient.pk}/emergency-access", {"reason": REASON})
    assert opened.status_code == 201
    assert nurse.get(f"/api/patients/{patient.pk}").status_code == 200
    listed = manager.get("/api/emergency-access").json()
    assert [item["entries"] for item in listed["items"]] == [2]
    reviewed = manager.post(f"/api/emergency-access/{opened.json()['id']}/review", {"note": "ok"})
    assert reviewed.json()["reviewed_by"] == "manager-user"
    assert manager.get("/api/emergency-access").json()["total"] == 0
