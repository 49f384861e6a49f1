"""A manager restricts a record to its care team from the web (issue 17): the page explains and
asks for confirmation, the change is audited, a clinician outside the team is refused with the
offer of emergency access and one inside opens the record."""

from __future__ import annotations

from typing import Any

from ketaclinic.records.audit.models import AuditEvent

REASON = "A colleague's own record"


def test_a_manager_restricts_a_record_after_confirming(
    users: dict[str, Any], web_as: Any, patient: Any
) -> None:
    manager = web_as(users["manager"])
    path = f"/patients/{patient.pk}/restriction/"
    page = manager.get(path)
    assert page.status_code == 200
    assert "open to every clinician" in page.content.decode()

    unconfirmed = manager.post(path, {"reason": REASON, "care_team": "physician-user"})
    assert unconfirmed.status_code == 422
    assert "emergency access" in unconfirmed.content.decode()
    assert web_as(users["nurse"]).get(f"/patients/{patient.pk}/").status_code == 200

    unknown = manager.post(path, {"reason": REASON, "care_team": "nobody", "confirm": "yes"})
    assert unknown.status_code == 422
    assert "no active account named nobody" in unknown.content.decode()

    done = manager.post(path, {"reason": REASON, "care_team": "physician-user", "confirm": "yes"})
    assert done.status_code == 302
    shown = manager.get(path).content.decode()
    assert "is restricted to its care team" in shown
    assert "physician-user" in shown
    [row] = AuditEvent.objects.filter(action="record.restrict", patient_id=patient.pk)
    assert row.detail["care_team"] == ["physician-user"]

    refused = web_as(users["nurse"]).get(f"/patients/{patient.pk}/")
    assert refused.status_code == 403
    assert f"/patients/{patient.pk}/emergency-access/" in refused.content.decode()
    assert web_as(users["physician"]).get(f"/patients/{patient.pk}/").status_code == 200


def test_only_managers_restrict(users: dict[str, Any], web_as: Any, patient: Any) -> None:
    path = f"/patients/{patient.pk}/restriction/"
    for role in ("nurse", "physician", "front_desk"):
        client = web_as(users[role])
        assert client.get(path).status_code == 403
        answer = client.post(path, {"reason": REASON, "care_team": role, "confirm": "yes"})
        assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action="record.restrict", outcome="allowed").exists()
