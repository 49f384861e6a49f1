"""Visit instructions per appointment type (bookings.toml): each with its source, in the
portal with each appointment, in the reminder and in the patient's calendar event."""

from __future__ import annotations

from typing import Any

from bookings_support import book_consultation, soon
from icalendar import Calendar

from ketaclinic.records.bookings import feeds, reminders
from ketaclinic.records.bookings.models import Reminder
from ketaclinic.records.bookings.policy import booking_policy


def test_every_instruction_has_a_source_a_topic_and_types() -> None:
    policy = booking_policy()
    for kind in ("infusion", "consultation", "follow_up_call"):
        assert policy.instructions_for(kind), kind
    topics = {i.topic for i in policy.instructions_for("infusion")}
    assert {"escort", "fasting", "arrive_early"} <= topics
    assert {i.topic for i in policy.instructions_for("consultation")} >= {"bring", "arrive_early"}
    assert all(i.source for i in policy.instructions)


def test_a_consultation_carries_its_own_instructions_everywhere(
    staff: dict[str, Any],
    location: Any,
    patient: Any,
    patient_user: Any,
    actor_for: Any,
    web_as: Any,
) -> None:
    location.visit_instructions = "Park behind the building."
    location.save()
    appointment = book_consultation(staff["front_desk"], patient, location, soon(48))
    bring = "Bring a photo ID"

    body = reminders.compose(Reminder.objects.get(appointment=appointment)).body
    assert bring in body
    assert "Park behind the building." in body
    assert "responsible adult" not in body  # a treatment's escort rule is not a consultation's

    own = feeds.create_feed(
        actor_for(patient_user), {"kind": "patient", "patient_id": patient_user.patient_id}
    )
    [event] = Calendar.from_ical(feeds.render(own.token)).walk("VEVENT")
    description = str(event["description"])
    assert description.startswith("Before your visit:")
    assert bring in description
    assert "15 minutes early" in description

    desk = feeds.create_feed(staff["front_desk"], {"kind": "location", "location_id": location.pk})
    [staff_event] = Calendar.from_ical(feeds.render(desk.token)).walk("VEVENT")
    assert "description" not in staff_event  # staff calendars stay short

    page = web_as(patient_user).get("/my/appointments/")
    assert page.status_code == 200
    assert bring.encode() in page.content
    assert b"Before your consultation" in page.content
