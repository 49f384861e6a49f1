"""A visit's calendar UID is its own random identity at this installation: never a database
id, the same after the visit is moved, different at another installation."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bookings"))

from bookings_support import NEW_YORK, add_location, book_consultation, soon

from ketaclinic.records.bookings import feeds, services
from ketaclinic.records.bookings.models import Appointment

CLINIC_A = "https://clinic-a.example/fhir/sid/mrn"
CLINIC_B = "https://clinic-b.example/fhir/sid/mrn"


@pytest.fixture
def clinic(users: dict[str, Any], actor_for: Any) -> Any:
    return add_location(actor_for(users["manager"]), users["nurse"], "cal", NEW_YORK)


def _events(token: str) -> list[tuple[str, Any]]:
    calendar = Calendar.from_ical(feeds.render(token))
    return [(str(e["uid"]), e.decoded("dtstart")) for e in calendar.walk("VEVENT")]


def test_a_moved_visit_keeps_its_calendar_uid(
    clinic: Any, patient: Any, users: dict[str, Any], actor_for: Any, settings: Any
) -> None:
    settings.KETACLINIC_MRN_SYSTEM = CLINIC_A
    desk = actor_for(users["front_desk"])
    visit = book_consultation(desk, patient, clinic, soon(48))
    feed = feeds.create_feed(desk, {"kind": "location", "location_id": clinic.pk})
    [(uid, start)] = _events(feed.token)
    assert uid == f"{visit.calendar_uid}@clinic-a.example"
    assert str(visit.pk) not in uid.replace(str(visit.calendar_uid), "")

    moved = services.reschedule(
        desk, visit.pk, {"start": (start + timedelta(days=1)).isoformat(), "reason": "asked"}
    )
    assert moved.pk != visit.pk
    [(uid_after, start_after)] = _events(feed.token)
    assert (uid_after, start_after) == (uid, start + timedelta(days=1))

    # Another visit booked alike has its own identity; another installation names this one
    # otherwise.
    other = book_consultation(desk, patient, clinic, soon(48) + timedelta(days=7))
    assert other.calendar_uid != moved.calendar_uid
    settings.KETACLINIC_MRN_SYSTEM = CLINIC_B
    at_b = {uid for uid, _ in _events(feed.token)}
    assert f"{moved.calendar_uid}@clinic-b.example" in at_b
    assert uid not in at_b


def test_a_cancelled_visit_is_cancelled_in_the_calendar(
    clinic: Any, patient: Any, users: dict[str, Any], actor_for: Any
) -> None:
    desk = actor_for(users["front_desk"])
    visit = book_consultation(desk, patient, clinic, soon(48))
    services.cancel(desk, visit.pk, {"reason": "moved away"})
    feed = feeds.create_feed(desk, {"kind": "location", "location_id": clinic.pk})
    calendar = Calendar.from_ical(feeds.render(feed.token))
    assert [str(e["status"]) for e in calendar.walk("VEVENT")] == ["CANCELLED"]
    assert Appointment.objects.get(pk=visit.pk).status == "cancelled"
