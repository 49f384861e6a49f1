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
    physician = actor_for(users["physician"])
    with pytest.raises(InvalidInput) as error:
        alerts.acknowledge(physician, raised[0].pk, "   ")
    assert error.value.errors[0].field == "note"
    assert not Acknowledgement.objects.exists()
    alerts.acknowledge(physician, raised[0].pk, "called the patient")
    with pytest.raises(Conflict):
        alerts.acknowledge(physician, raised[0].pk, "again")
    assert [a.code for a in alerts.open_alerts(physician, patient.pk)] == ["test.urgent"]
    entry = AuditEvent.objects.get(action="alert.acknowledge", outcome="allowed")
    assert (entry.username, entry.patient_id) == ("physician-user", patient.pk)


def test_an_alert_for_the_physician_is_closed_by_a_physician_and_a_nurse_adds_a_note(
    raised: list[Any], users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    nurse, physician = actor_for(users["nurse"]), actor_for(users["physician"])
    with pytest.raises(Forbidden):
        alerts.acknowledge(nurse, raised[1].pk, "gave midazolam")
    alerts.add_note(nurse, raised[1].pk, "rechecked, patient calm")
    still_open = alerts.open_alerts(physician, patient.pk)
    assert [a.code for a in still_open] == ["test.urgent", "test.warning"]
    assert [n.note for n in still_open[0].notes.all()] == ["rechecked, patient calm"]
    alerts.acknowledge(physician, raised[1].pk, "reviewed")
    with pytest.raises(Conflict, match="closed"):
        alerts.add_note(nurse, raised[1].pk, "too late")


def test_an_unaddressed_alert_is_closed_by_any_clinician(
    users: dict[str, Any], patient: Any, actor_for: Any
) -> None:
    nurse = actor_for(users["nurse"])
    [alert] = alerts.raise_alerts(nurse, patient, patient, [alerts.NewAlert("t", "m", "info")])
    assert alert.addressed_to_id is None
    alerts.acknowledge(nurse, alert.pk, "done")
    assert Acknowledgement.objects.get().acknowledged_by == users["nurse"]


def test_each_role_counts_its_open_alerts_and_an_old_urgent_one_escalates(
    raised: list[Any], users: dict[str, Any], actor_for: Any, make_user: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ketaclinic.records.alerts.models import Alert

    nurse, physician = actor_for(users["nurse"]), actor_for(users["physician"])
    other = actor_for(make_user("physician", username="locum"))
    assert alerts.open_alert_count(nurse) == 2
    assert alerts.open_alert_count(physician) == 2
    assert alerts.open_alert_count(other) == 0  # addressed to the patient's own physician
    assert alerts.open_alert_count(actor_for(users["front_desk"])) == 0
    assert not any(a.escalated for a in alerts.open_alerts(nurse))
    # The rules' escalate_after_min (10) passes without an acknowledgement.
    old = timezone.now() - timedelta(minutes=11)
    Alert.objects.filter(pk__in=[a.pk for a in raised]).update(raised_at=old)
    assert alerts.open_alert_count(other) == 1  # the urgent one, escalated to everyone
    listed = list(alerts.open_alerts(nurse))
    assert [(a.code, a.escalated) for a in listed] == [
        ("test.urgent", True),
        ("test.warning", False),
    ]


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
    nurse = api_as(users["nurse"])
    # An alert for the physician: the nurse adds a note, the physician closes it.
    assert nurse.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": "ok"}).status_code == 403
    noted = nurse.post(f"/api/alerts/{raised[0].pk}/notes", {"note": "rechecked"})
    assert (noted.status_code, noted.json()["note"]) == (201, "rechecked")
    client = api_as(users["physician"])
    listed = client.get("/api/alerts", patient_id=patient.pk).json()
    assert [a["code"] for a in listed] == ["test.urgent", "test.warning"]
    assert listed[0]["escalated"] is False
    assert client.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": ""}).status_code == 422
    answer = client.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": "ok"})
    assert answer.status_code == 200
    assert client.post(f"/api/alerts/{raised[0].pk}/acknowledge", {"note": "ok"}).status_code == 409
    assert client.post("/api/alerts/999/acknowledge", {"note": "ok"}).status_code == 404
    assert api_as(users["front_desk"]).get("/api/alerts").status_code == 403
