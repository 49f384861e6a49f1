"""The free-slot picker on the web: the series page's rows and the patient's own appointments."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bookings_support import HOURS, book_proposed_series, chairs_of
from django.utils import timezone

from ketaclinic.records.bookings.models import Appointment, Status
from ketaclinic.records.clinics import services as clinics

HX = {"HTTP_HX_REQUEST": "true"}


def _slots(html: str) -> list[tuple[str, str]]:
    """(start, chair_id) of every slot button in a picker."""
    return re.findall(
        r'name="start" value="([^"]+)">\s*<input type="hidden" name="chair_id" value="(\d+)"', html
    )


def test_front_desk_moves_a_session_with_the_picker(
    web_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
) -> None:
    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    sixth = series.appointments.get(session=6)
    desk = web_as(users["front_desk"])
    page = desk.get(f"/series/{series.pk}/")
    assert f"/appointments/{sixth.pk}/free-slots/".encode() in page.content
    picker = desk.get(
        f"/appointments/{sixth.pk}/free-slots/?next=/series/{series.pk}/", **HX
    ).content.decode()
    assert "<html" not in picker
    assert "spacing allows" in picker
    offered = _slots(picker)
    assert offered
    start, chair = offered[-1]
    moved = desk.post(
        f"/appointments/{sixth.pk}/reschedule/",
        {"start": start, "chair_id": chair, "next": f"/series/{series.pk}/"},
    )
    assert moved.status_code == 302
    assert moved["Location"] == f"/series/{series.pk}/"
    new = Appointment.objects.get(replaces=sixth)
    assert (new.status, new.chair_id, new.starts_at.isoformat()) == ("booked", int(chair), start)
    # The old row is no longer movable: the picker says why, naming nothing written.
    stale = desk.get(f"/appointments/{sixth.pk}/free-slots/", **HX)
    assert stale.status_code == 409
    assert b"No free times" in stale.content
    bad = desk.get(f"/appointments/{new.pk}/free-slots/?days=0")
    assert bad.status_code == 422
    assert b"days:" in bad.content
    assert web_as(users["manager"]).get(f"/appointments/{new.pk}/free-slots/").status_code == 403


def test_a_patient_moves_their_own_visit_past_the_cutoff(
    web_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    patient_user: Any,
) -> None:
    clinics.add_weekly_shifts(
        staff["manager"], location.pk, users["nurse"].pk, HOURS, timezone.now(), 21
    )
    start = (timezone.now() + timedelta(days=4)).astimezone(location.zone)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() > 3:
        start += timedelta(days=1)
    visit = Appointment.objects.create(
        patient_id=patient_user.patient_id,
        location=location,
        chair=chairs_of(location)[0],
        appointment_type="infusion",
        starts_at=start,
        ends_at=start + timedelta(minutes=115),
        policy_version="test",
        booked_by=users["front_desk"],
    )
    client = web_as(patient_user)
    mine = client.get("/my/appointments/")
    assert f"/appointments/{visit.pk}/free-slots/".encode() in mine.content
    offered = _slots(client.get(f"/appointments/{visit.pk}/free-slots/", **HX).content.decode())
    cutoff = timezone.now() + timedelta(hours=24)
    assert offered
    assert all(datetime.fromisoformat(s) >= cutoff for s, _ in offered)
    start_text, chair = offered[0]
    client.post(
        f"/appointments/{visit.pk}/reschedule/",
        {"start": start_text, "chair_id": chair, "next": "/my/appointments/"},
    )
    visit.refresh_from_db()
    assert visit.status == Status.RESCHEDULED
    assert Appointment.objects.get(replaces=visit).starts_at.isoformat() == start_text
