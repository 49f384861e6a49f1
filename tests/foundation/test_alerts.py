"""Alerts: raised by records, listed urgent-first, acknowledged once with a note, audited."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.alerts.models import Acknowledgement
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput


@pytest.fixture
def raised(users: dict[str, Any], patient: Any, actor_for: Any) -> list[Any]:
    patient.physician = users["physician"]
    patient.save()
    return alerts.raise_alerts(
        actor_for(users["nurse"]),
        patient,
        patient,
        [
            alerts.NewAlert("test.warning", "a warning", "warning"),
            alerts.NewAlert("test.urgent", "an urgent one", "urgent", "review today"),
        ],
    )


def test_alerts_are_addressed_to_the_physician_and_listed_urgent_first(
    raised: list[Any], users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    listed = list(alerts.open_alerts(actor_for(users["nurse"]), patient.pk))
    assert [a.code for a in listed] == ["test.urgent", "test.warning"]
    assert {a.addressed_to_id for a in listed} == {users["physician"].pk}
    assert AuditEvent.objects.filter(action="alert.raise").count() == 2


def test_acknowledgement_needs_a_note_and_happens_once(
    raised: list[Any], users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    nurse = actor_for(users["nurse"])
    with pytest.raises(InvalidInput) as error:
        alerts.acknowledge(nurse, raised[0].pk, "   ")
    assert error.value.errors[0].field == "note"
    assert not Acknowledgement.objects.exists()
    alerts.acknowledge(nurse, raised[0].pk, "called the patient")
    with pytest.raises(Conflict):
        alerts.acknowledge(nurse, raised[0].pk, "again")
    assert [a.code for a in alerts.open_alerts(nurse, patient.pk)] == ["test.urgent"]
    entry = AuditEvent.objects.get(action="alert.acknowledge", outcome="allowed")
    assert (entry.username, entry.patient_id) == ("nurse-user", patient.pk)


def test_front_desk_and_patients_cannot_see_alerts(
    raised: list[Any], users: dict[str, Any], patient_user: Any, actor_for: Any, patient: Any
) -> None:
    for user in (users["front_desk"], patient_user):
        with pytest.raises(Forbidden):
            alerts.open_alerts(actor_for(user), patient.pk)


def test_web_list_chart_and_acknowledge(
    raised: list[Any], web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = web_as(users["physician"])
    page = client.get("/alerts/")
    assert b"an urgent one" in page.content
    chart = client.get(f"/patients/{patient.pk}/")
    assert b"Open alerts" in chart.content
    assert b"review today" in chart.content
    empty = client.post(f"/alerts/{raised[1].pk}/acknowledge/", {"note": ""})
    assert empty.status_code == 422
    done = client.post(
        f"/alerts/{raised[1].pk}/acknowledge/",
        {"note": "seen same day", "next": f"/patients/{patient.pk}/"},
    )
    assert done.status_code == 302
    assert done["Location"] == f"/patients/{patient.pk}/"
    assert Acknowledgement.objects.get().note == "seen same day"


def test_api_list_and_acknowledge(
    raised: list[Any], api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = api_as(users["nurse"])
    listed = client.get("/api/alerts", patient_id=patient.pk).json()
    assert [a["code"] for a in listed] == ["test.urgent", "test.warning"]
    assert client.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": ""}).status_code == 422
    answer = client.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": "ok"})
    assert answer.status_code == 200
    assert client.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": "ok"}).status_code == 409
    assert client.post("/api/alerts/999/acknowledge", {"note": "ok"}).status_code == 404
    assert api_as(users["front_desk"]).get("/api/alerts").status_code == 403
