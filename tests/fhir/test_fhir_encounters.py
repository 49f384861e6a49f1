"""Visits and sessions leave as Encounters and each dose given as a Procedure; the session's
vital signs and administrations point at its Encounter; an appointment follows its session
(arrived, fulfilled, cancelled), in FHIR and in the calendar feed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from icalendar import Calendar
from sessions_support import minutes_to_discharge, walk

from ketaclinic.interop.fhir import Addresser
from ketaclinic.interop.fhir.export import record_resources
from ketaclinic.records.accounts.models import User
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.bookings import feeds
from ketaclinic.records.bookings.models import Appointment
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.sessions import lifecycle
from ketaclinic.sessions import State

SNOMED_ADMINISTRATION = "http://snomed.info/sct|225426007"


def _booked_infusion(patient: Any, location: Any, start: Any) -> Appointment:
    """An infusion visit in the location's first chair (written directly: the booking rules
    are the bookings tests')."""
    return Appointment.objects.create(
        patient=patient,
        location=location,
        chair=location.chairs.order_by("name").first(),
        appointment_type="infusion",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        policy_version="test",
        booked_by=User.objects.get(username="front_desk-user"),
    )


def _resources(actor: Any, patient_id: int) -> dict[str, dict[str, Any]]:
    record = exchange.patient_record(actor, patient_id)
    return {r["id"]: r for r in record_resources(record, Addresser("https://clinic.test/fhir"))}


def _acr_met(actor: Any, patient_id: int) -> None:
    answers = {item.id: item.answer.max for item in registry().get("acr2016").items}
    assessments.record_assessment(
        actor,
        patient_id,
        {
            "instrument": "acr2016",
            "answers": answers,
            "context": "baseline",
            "completed_at": timezone.now() - timedelta(days=10),
        },
    )


def _feed_status(desk: Any, location: Any) -> list[tuple[str, str]]:
    feed = feeds.create_feed(desk, {"kind": "location", "location_id": location.pk})
    calendar = Calendar.from_ical(feeds.render(feed.token))
    return [(str(e["uid"]), str(e["status"])) for e in calendar.walk("VEVENT")]


def test_a_discharged_visit_is_fulfilled_with_its_encounters_and_procedure(
    nurse: Any, physician: Any, desk: Any, order: Any, location: Any, patient: Any
) -> None:
    _acr_met(physician, patient.pk)
    visit = _booked_infusion(patient, location, timezone.now() - timedelta(minutes=120))
    session = lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": visit.pk})
    found = _resources(physician, patient.pk)
    visit_id, session_id = f"visit-{visit.calendar_uid}", f"session-{session.pk}"
    assert found[f"appointment-{visit.pk}"]["status"] == "booked"
    assert (found[visit_id]["status"], found[session_id]["status"]) == ("planned", "planned")
    assert f"procedure-{session.pk}" not in found

    start = timezone.now() - timedelta(minutes=minutes_to_discharge(session) + 3)
    walk(nurse, session.pk, State.INFUSING, start)
    found = _resources(physician, patient.pk)
    assert found[f"appointment-{visit.pk}"]["status"] == "arrived"
    assert found[session_id]["status"] == "in-progress"
    assert found[f"procedure-{session.pk}"]["status"] == "in-progress"
    assert _feed_status(desk, location)[0][1] == "CONFIRMED"

    walk(nurse, session.pk, State.DISCHARGED, start)
    found = _resources(physician, patient.pk)
    assert found[f"appointment-{visit.pk}"]["status"] == "fulfilled"
    assert _feed_status(desk, location)[0][1] == "CONFIRMED"  # it took place

    whole, part = found[visit_id], found[session_id]
    assert whole["status"] == part["status"] == "finished"
    assert whole["class"]["code"] == part["class"]["code"] == "AMB"
    assert whole["serviceType"]["text"] == "Infusion"
    assert whole["appointment"] == [{"reference": f"Appointment/appointment-{visit.pk}"}]
    assert whole["location"] == [{"location": {"display": location.name}}]
    assert part["partOf"] == {"reference": f"Encounter/{visit_id}"}
    assert datetime.fromisoformat(part["period"]["start"]) == start
    assert whole["period"] == part["period"]
    assert part["period"]["end"] > part["period"]["start"]
    assert part["serviceType"]["text"].startswith("Intravenous infusion session: Ketamine IV")
    assert [p["individual"]["display"] for p in part["participant"]] == ["nurse-user"]
    condition = {"reference": f"Condition/fibromyalgia-{patient.pk}"}
    assert part["reasonReference"] == [condition]

    procedure = found[f"procedure-{session.pk}"]
    assert procedure["status"] == "completed"
    assert procedure["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "225426007",
        "display": "Administration of therapeutic substance",
    }
    assert procedure["code"]["text"] == "Intravenous infusion of ketamine"
    assert procedure["encounter"] == {"reference": f"Encounter/{session_id}"}
    assert procedure["reasonReference"] == [condition]
    period = procedure["performedPeriod"]
    assert part["period"]["start"] < period["start"] < period["end"] < part["period"]["end"]

    given = found[f"infusion-{session.pk}"]
    assert given["context"] == {"reference": f"Encounter/{session_id}"}
    assert given["partOf"] == [{"reference": f"Procedure/procedure-{session.pk}"}]
    vitals = [r for key, r in found.items() if key.startswith("vitals-")]
    assert vitals
    assert all(r["encounter"] == {"reference": f"Encounter/{session_id}"} for r in vitals)


def test_a_visit_whose_session_is_cancelled_is_cancelled_everywhere(
    nurse: Any, physician: Any, desk: Any, order: Any, location: Any, patient: Any
) -> None:
    visit = _booked_infusion(patient, location, timezone.now() + timedelta(minutes=30))
    session = lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": visit.pk})
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    lifecycle.transition(nurse, session.pk, {"command": "cancel", "reason": "feeling unwell"})
    found = _resources(physician, patient.pk)
    assert found[f"appointment-{visit.pk}"]["status"] == "cancelled"
    assert found[f"visit-{visit.calendar_uid}"]["status"] == "cancelled"
    assert found[f"session-{session.pk}"]["status"] == "cancelled"
    assert "reasonReference" not in found[f"session-{session.pk}"]  # no Condition on record
    assert not [key for key in found if key.startswith("procedure-")]
    assert [status for _, status in _feed_status(desk, location)] == ["CANCELLED"]


def test_encounters_and_procedures_are_searched_within_a_patient(
    nurse: Any, session: Any, walked: Any, api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    walked("discharged")
    api = api_as(users["physician"])

    def search(kind: str, **params: Any) -> dict[str, Any]:
        answer = api.client.get(f"/fhir/{kind}", params, headers=api.headers)
        assert answer.status_code == 200, answer.content
        return answer.json()

    encounters = search("Encounter", patient=f"Patient/{patient.pk}")
    assert [e["resource"]["id"] for e in encounters["entry"]] == [f"session-{session.pk}"]
    assert "partOf" not in encounters["entry"][0]["resource"]  # opened without a visit
    today = timezone.localdate().isoformat()
    procedures = search("Procedure", patient=patient.pk, code=SNOMED_ADMINISTRATION, date=today)
    assert procedures["total"] == 1
    assert search("Procedure", patient=patient.pk, code="http://loinc.org|1742-6")["total"] == 0
    assert search("Encounter", patient=patient.pk, date="lt2000")["total"] == 0
    refused = api.client.get(
        "/fhir/Encounter", {"patient": patient.pk, "class": "AMB"}, headers=api.headers
    )
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["class"]
    everything = api.client.get(f"/fhir/Patient/{patient.pk}/$everything", headers=api.headers)
    kinds = {e["resource"]["resourceType"] for e in everything.json()["entry"]}
    assert {"Encounter", "Procedure", "MedicationAdministration"} <= kinds
    desk = api_as(users["front_desk"])
    assert (
        desk.client.get("/fhir/Encounter", {"patient": patient.pk}, headers=desk.headers)
    ).status_code == 403
