"""Reminders with retries, iCalendar feeds parsed back, the waitlist offer, the API (409 with the
slot, 422 naming fields) and the web pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from bookings_support import MONDAY, book_consultation, chairs_of, soon
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings import feeds, reminders, services
from ketaclinic.records.bookings.models import Reminder, ReminderStatus, WaitlistStatus
from ketaclinic.records.errors import NotFound

FAILING = "bookings_mail.FailingBackend"


def test_a_due_reminder_is_sent_after_the_booking_commits(
    staff: dict[str, Any], location: Any, register: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = register(mrn="M-1", email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_consultation(staff["front_desk"], person, location, soon(30))
    reminder = Reminder.objects.get(appointment=appointment)
    assert (reminder.status, reminder.attempts, reminder.sent_to) == ("sent", 1, "ada@example.org")
    assert len(mail.outbox) == 1
    assert "Reminder" in mail.outbox[0].subject
    assert "Hello Ada" in mail.outbox[0].body
    assert "fibromyalgia" not in mail.outbox[0].body.lower()
    assert AuditEvent.objects.filter(action="reminder.send", patient_id=person.pk).exists()


def test_a_treatment_reminder_carries_the_instructions(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    start = at(MONDAY, "07:00")
    appointment = services.book_appointment(
        staff["front_desk"],
        {
            "patient_id": patient.pk,
            "location_id": location.pk,
            "appointment_type": "infusion",
            "plan_id": signed_plan.pk,
            "chair_id": chairs_of(location)[0].pk,
            "start": start.isoformat(),
        },
    )
    body = reminders.compose(Reminder.objects.get(appointment=appointment)).body
    assert "responsible adult" in body
    assert "24 hours" in body
    assert "light meal" in body


@override_settings(EMAIL_BACKEND=FAILING)
def test_a_failed_send_is_retried_with_backoff_then_shown_as_failed(
    staff: dict[str, Any], location: Any, register: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = register(mrn="M-2", email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_consultation(staff["front_desk"], person, location, soon(30))
    reminder = Reminder.objects.get(appointment=appointment)
    assert (reminder.status, reminder.attempts) == ("pending", 1)
    assert "SMTPException" in reminder.last_error
    assert reminder.next_attempt_at > timezone.now() + timedelta(minutes=4)
    # Later: each due retry fails again, with a longer wait, until the last try.
    for attempt in range(2, 6):
        Reminder.objects.filter(pk=reminder.pk).update(next_attempt_at=timezone.now())
        assert reminders.run_due().tried == 1
        reminder.refresh_from_db()
        assert reminder.attempts == attempt
    assert reminder.status == ReminderStatus.FAILED
    listed = reminders.list_reminders(staff["front_desk"], "failed")
    assert [r.pk for r in listed] == [reminder.pk]
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        reminders.retry(staff["front_desk"], reminder.pk)
        reminders.run_due()
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_a_cancelled_visit_sends_no_reminder_and_offers_its_slot(
    staff: dict[str, Any], location: Any, register: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from ketaclinic.records.bookings import waitlist

    desk = staff["front_desk"]
    first = register(mrn="W-1")
    waiting = register(mrn="W-2", given_name="Blake", email="blake@example.org")
    start = soon(24 * 5)
    appointment = book_consultation(desk, first, location, start)
    entry = waitlist.add(
        desk,
        {
            "patient_id": waiting.pk,
            "location_id": location.pk,
            "appointment_type": "consultation",
            "earliest": (start - timedelta(days=1)).isoformat(),
            "latest": (start + timedelta(days=1)).isoformat(),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(desk, appointment.pk, {"reason": "moved away"})
    assert Reminder.objects.get(appointment=appointment).status == ReminderStatus.CANCELLED
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    offer = entry.offers.get()
    assert offer.starts_at == appointment.starts_at
    assert [m.to for m in mail.outbox] == [["blake@example.org"]]
    booked = waitlist.book_offer(desk, offer.pk)
    assert booked.patient_id == waiting.pk
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED


def test_calendar_feeds_parse_back_with_minimum_phi_and_can_be_revoked(
    staff: dict[str, Any], location: Any, register: Any, patient_user: Any, actor_for: Any
) -> None:
    person = register(mrn="F-1", given_name="Frances", family_name="Findable")
    appointment = book_consultation(staff["front_desk"], person, location, soon(48))
    desk_feed = feeds.create_feed(
        staff["front_desk"], {"kind": "location", "location_id": location.pk}
    )
    calendar = Calendar.from_ical(feeds.render(desk_feed.token))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert events[0]["summary"].startswith("F.F. · Appointment")
    assert "Findable" not in calendar.to_ical().decode()
    assert events[0].decoded("dtstart") == appointment.starts_at
    own = feeds.create_feed(
        actor_for(patient_user), {"kind": "patient", "patient_id": patient_user.patient_id}
    )
    assert Calendar.from_ical(feeds.render(own.token)).walk("VEVENT") == []
    assert feeds.digest(desk_feed.token) == desk_feed.feed.digest
    assert desk_feed.token not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    feeds.revoke_feed(staff["front_desk"], desk_feed.feed.pk)
    with pytest.raises(NotFound):
        feeds.render(desk_feed.token)
    assert AuditEvent.objects.filter(action="calendar.feed_read").count() == 2


def test_api_books_a_series_and_answers_409_with_the_slot(
    api_as: Any, users: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    client = api_as(users["front_desk"])
    proposal = client.post(
        "/api/bookings/proposals",
        {
            "patient_id": patient.pk,
            "plan_id": signed_plan.pk,
            "location_id": location.pk,
            "not_before": at(MONDAY, "00:00").isoformat(),
        },
    )
    assert proposal.status_code == 200, proposal.content
    sessions = [
        {"chair_id": s["chair_id"], "start": s["starts_at"]} for s in proposal.json()["sessions"]
    ]
    body = {
        "patient_id": patient.pk,
        "plan_id": signed_plan.pk,
        "location_id": location.pk,
        "sessions": sessions,
    }
    made = client.post("/api/bookings/series", body)
    assert made.status_code == 201, made.content
    assert [a["session"] for a in made.json()["appointments"]] == [1, 2, 3, 4, 5, 6]
    again = client.post("/api/bookings/series", body)
    assert again.status_code == 409
    assert again.json()["slot"]["chair_id"] == sessions[0]["chair_id"]
    naive = {**body, "sessions": [{**sessions[0], "start": "2031-03-03T07:00:00"}, *sessions[1:]]}
    bad = client.post("/api/bookings/series", naive)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "sessions.0.start"
    listed = client.get(f"/api/patients/{patient.pk}/appointments")
    assert len(listed.json()) == 6
    board = client.get(f"/api/scheduling/locations/{location.pk}/board", day="2031-03-03")
    assert board.status_code == 200
    assert board.json()["visits"][0]["patient_id"] == patient.pk
    assert api_as(users["manager"]).post("/api/bookings/series", body).status_code == 403


def test_a_proposal_keeps_every_ticked_weekday_and_proposes_again(
    web_as: Any, users: dict[str, Any], location: Any, signed_plan: Any, patient: Any
) -> None:
    desk = web_as(users["front_desk"])
    form = {
        "step": "propose",
        "plan_id": signed_plan.pk,
        "location_id": location.pk,
        "not_before": MONDAY,
        "weekday": ["0", "2", "3"],
    }
    first = desk.post(f"/patients/{patient.pk}/series/new/", form).content.decode()
    for day in ("0", "2", "3"):
        assert f'name="weekday" value="{day}" checked' in first
    assert 'name="weekday" value="1" checked' not in first
    again = desk.post(f"/patients/{patient.pk}/series/new/", form).content.decode()
    assert "Confirm and book 6 sessions" in first
    assert "Confirm and book 6 sessions" in again


def test_web_flow_board_and_my_appointments(
    web_as: Any,
    users: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
    patient_user: Any,
) -> None:
    desk = web_as(users["front_desk"])
    page = desk.get(f"/patients/{patient.pk}/series/new/")
    assert page.status_code == 200
    proposed = desk.post(
        f"/patients/{patient.pk}/series/new/",
        {
            "step": "propose",
            "plan_id": signed_plan.pk,
            "location_id": location.pk,
            "not_before": MONDAY,
        },
    )
    assert b"Confirm and book 6 sessions" in proposed.content
    bad = desk.post(
        f"/patients/{patient.pk}/series/new/",
        {
            "step": "confirm",
            "plan_id": signed_plan.pk,
            "location_id": location.pk,
            "chair_id": ["999999"],
            "start": ["2031-03-03T07:00"],
        },
    )
    assert bad.status_code == 422
    board = web_as(users["manager"]).get(f"/board/?location={location.pk}&day={MONDAY}")
    assert board.status_code == 200
    mine = web_as(patient_user).get("/my/appointments/")
    assert mine.status_code == 200
    assert web_as(patient_user).get("/board/").status_code == 403
