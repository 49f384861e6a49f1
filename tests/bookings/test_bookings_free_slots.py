"""Free slots for moving one session: every slot offered is one the reschedule service accepts,
refused times are not offered, the series' spacing and span bound them, and the API and the
self-service rules apply."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bookings_support import HOURS, book_proposed_series, chairs_of
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic import scheduling
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings import services
from ketaclinic.records.bookings.models import Appointment, Status
from ketaclinic.records.bookings.slots import spacing_window
from ketaclinic.records.clinics import services as clinics
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.scheduling.verify import series_violations


class _Undo(Exception):
    """Raised inside a savepoint to roll a trial booking back."""


def _accepted(desk: Any, appointment: Any, slot: Any) -> bool:
    """Whether ``reschedule`` takes the slot (rolled back either way)."""
    try:
        with transaction.atomic():
            services.reschedule(
                desk, appointment.pk, {"start": slot.starts_at, "chair_id": slot.chair.pk}
            )
            raise _Undo
    except _Undo:
        return True
    except (InvalidInput, Conflict):
        return False


def test_every_offered_slot_books_and_respects_the_series_spacing(
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
) -> None:
    desk = staff["front_desk"]
    series = book_proposed_series(desk, patient, signed_plan, location)
    sixth = series.appointments.get(session=6)
    fifth = series.appointments.get(session=5)
    first = series.appointments.get(session=1)
    found = services.free_slots(desk, sixth.pk, {"days": 14})
    assert found.slots
    for slot in found.slots:
        gap_h = (slot.starts_at - fifth.starts_at).total_seconds() / 3600
        assert series.min_spacing_h <= gap_h <= series.max_spacing_h
        assert slot.starts_at - first.starts_at <= timedelta(days=series.max_span_days)
        assert slot.ends_at - slot.starts_at == sixth.ends_at - sixth.starts_at
        assert _accepted(desk, sixth, slot), slot
    assert found.spacing_from == fifth.starts_at + timedelta(hours=series.min_spacing_h)
    assert sixth.starts_at not in {slot.starts_at for slot in found.slots}  # not a move
    assert Appointment.objects.filter(series=series, status=Status.BOOKED).count() == 6
    assert AuditEvent.objects.filter(action="booking.free_slots", patient_id=patient.pk).exists()


def test_a_time_booking_refuses_is_not_offered(
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
    register: Any,
    at: Any,
) -> None:
    desk = staff["front_desk"]
    series = book_proposed_series(desk, patient, signed_plan, location)
    sixth = series.appointments.get(session=6)
    before = services.free_slots(desk, sixth.pk, {})
    full = before.slots[len(before.slots) // 2]
    # Every chair taken at that time by other patients' visits (one nurse allows four).
    for number, chair in enumerate(chairs_of(location)):
        other = register(mrn=f"FULL-{number}")
        Appointment.objects.create(
            patient=other,
            location=location,
            chair=chair,
            appointment_type="infusion",
            starts_at=full.starts_at,
            ends_at=full.ends_at,
            policy_version="test",
            booked_by=desk.user,
        )
    after = services.free_slots(desk, sixth.pk, {})
    assert full.starts_at not in {s.starts_at for s in after.slots}
    assert not _accepted(desk, sixth, full)
    too_close = series.appointments.get(session=5).starts_at + timedelta(hours=12)
    assert too_close not in {s.starts_at for s in after.slots}
    with pytest.raises(InvalidInput):
        services.reschedule(desk, sixth.pk, {"start": too_close.isoformat()})
    saturday = at("2031-03-15", "09:00")
    assert saturday not in {s.starts_at for s in after.slots}


def test_patients_see_slots_only_past_the_cutoff_and_only_their_own(
    staff: dict[str, Any],
    users: dict[str, Any],
    location: Any,
    register: Any,
    patient_user: Any,
    actor_for: Any,
) -> None:
    desk = staff["front_desk"]
    clinics.add_weekly_shifts(
        staff["manager"], location.pk, users["nurse"].pk, HOURS, timezone.now(), 14
    )
    start = (timezone.now() + timedelta(days=3)).astimezone(location.zone)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() > 3:
        start += timedelta(days=1)
    patient_id = patient_user.patient_id
    visit = Appointment.objects.create(
        patient_id=patient_id,
        location=location,
        chair=chairs_of(location)[0],
        appointment_type="infusion",
        starts_at=start,
        ends_at=start + timedelta(minutes=115),
        policy_version="test",
        booked_by=desk.user,
    )
    mine = services.free_slots(actor_for(patient_user), visit.pk, {"days": 7})
    cutoff = timezone.now() + timedelta(hours=24)
    assert mine.slots
    assert all(s.starts_at >= cutoff for s in mine.slots)
    desk_view = services.free_slots(desk, visit.pk, {"days": 7})
    assert min(s.starts_at for s in desk_view.slots) < cutoff
    stranger = register(mrn="OTHER-1")
    theirs = Appointment.objects.create(
        patient=stranger,
        location=location,
        chair=chairs_of(location)[1],
        appointment_type="infusion",
        starts_at=start,
        ends_at=start + timedelta(minutes=115),
        policy_version="test",
        booked_by=desk.user,
    )
    with pytest.raises(Forbidden):
        services.free_slots(actor_for(patient_user), theirs.pk, {})
    with pytest.raises(Forbidden):
        services.free_slots(staff["manager"], visit.pk, {})


def test_api_lists_free_slots_and_names_a_bad_field(
    api_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
) -> None:
    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    sixth = series.appointments.get(session=6)
    client = api_as(users["front_desk"])
    answer = client.get(f"/api/bookings/appointments/{sixth.pk}/free-slots", days=3)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["appointment_id"] == sixth.pk
    assert body["slots"]
    first = body["slots"][0]
    moved = client.post(
        f"/api/bookings/appointments/{sixth.pk}/reschedule",
        {"start": first["starts_at"], "chair_id": first["chair_id"]},
    )
    assert moved.status_code == 200, moved.content
    for days in (0, 100):
        bad = client.get(f"/api/bookings/appointments/{moved.json()['id']}/free-slots", days=days)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "days"
    gone = client.get(f"/api/bookings/appointments/{sixth.pk}/free-slots")
    assert gone.status_code == 409
    assert (
        api_as(users["manager"])
        .get(f"/api/bookings/appointments/{sixth.pk}/free-slots")
        .status_code
        == 403
    )


@given(
    count=st.integers(2, 6),
    min_h=st.integers(12, 48),
    extra_h=st.integers(0, 96),
    gaps=st.lists(st.floats(0, 1), min_size=5, max_size=5),
    span_slack_h=st.one_of(st.none(), st.integers(0, 72)),
    moved=st.integers(1, 6),
)
def test_the_spacing_window_is_exactly_where_the_series_stays_valid(
    count: int,
    min_h: int,
    extra_h: int,
    gaps: list[float],
    span_slack_h: int | None,
    moved: int,
) -> None:
    max_h = min_h + extra_h
    hours = [0.0]
    for fraction in gaps[: count - 1]:
        hours.append(hours[-1] + min_h + round(fraction * extra_h))
    span = None if span_slack_h is None else (hours[-1] + span_slack_h) / 24
    rule = scheduling.SeriesRule(count, min_h, max_h, span)
    zone = ZoneInfo("UTC")
    origin = datetime(2031, 3, 3, 7, tzinfo=zone)

    def session(number: int, at_h: float) -> scheduling.Appointment:
        start = origin + timedelta(hours=at_h)
        return scheduling.Appointment(
            "1", "1", number, "x", "1", "infusion", start, start + timedelta(hours=1), zone
        )

    moved = min(moved, count)
    others = [session(n, h) for n, h in enumerate(hours, start=1) if n != moved]
    low, high = spacing_window(moved, others, rule)
    assert low is not None
    assert high is not None

    def valid(start: datetime) -> bool:
        at_h = (start - origin).total_seconds() / 3600
        return not series_violations([*others, session(moved, at_h)], rule)

    if low <= high:
        assert valid(low)
        assert valid(high)
    minute = timedelta(minutes=1)
    assert not valid(low - minute)
    assert not valid(high + minute)
