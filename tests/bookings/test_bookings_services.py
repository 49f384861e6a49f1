"""Booking services: a proposed series booked as rows, hours, closures, spacing, DST, the plan's
signature, chairs, the nurse ratio, reschedule of one session, cancel, no-show, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from bookings_support import MONDAY, NEW_YORK, chairs_of

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings import services
from ketaclinic.records.bookings.checks import SlotConflict
from ketaclinic.records.bookings.models import Appointment, Series, Status
from ketaclinic.records.clinics import services as clinics
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from support import SIGNED


def _propose(desk: Any, patient: Any, plan: Any, location: Any, at: Any, **extra: Any) -> Any:
    return services.propose(
        desk,
        {
            "patient_id": patient.pk,
            "plan_id": plan.pk,
            "location_id": location.pk,
            "not_before": at(MONDAY, "00:00").isoformat(),
            **extra,
        },
    )


def _signed_plan_for(patient: Any, staff: dict[str, Any]) -> Any:
    from ketaclinic.records.plans import screening
    from ketaclinic.records.plans import services as plans

    physician = staff["physician"]
    result = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, result.pk, {"decision": "eligible", "note": "no findings"})
    draft = plans.draft_plan(physician, patient.pk, {"protocol": "ketamine-iv-0.5mgkg-40min"})
    return plans.sign_plan(physician, draft.pk, SIGNED)


def _sessions(proposal: Any) -> list[dict[str, Any]]:
    return [{"chair_id": s.chair.pk, "start": s.starts_at.isoformat()} for s in proposal.sessions]


def _book(desk: Any, patient: Any, plan: Any, location: Any, sessions: list[dict[str, Any]]) -> Any:
    return services.book_series(
        desk,
        {
            "patient_id": patient.pk,
            "plan_id": plan.pk,
            "location_id": location.pk,
            "sessions": sessions,
        },
    )


def test_a_proposed_series_is_booked_as_one_row_per_session_across_dst(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    desk = staff["front_desk"]
    proposal = _propose(desk, patient, signed_plan, location, at)
    assert proposal.found
    local = [s.starts_at.astimezone(NEW_YORK) for s in proposal.sessions]
    # Mon–Thu 07:00, Fri 08:00 (opening), then Monday 07:00 after the clocks went forward.
    assert [(t.day, t.hour) for t in local] == [(3, 7), (4, 7), (5, 7), (6, 7), (7, 8), (10, 7)]
    assert local[-1].utcoffset() == timedelta(hours=-4)
    assert local[0].utcoffset() == timedelta(hours=-5)
    series = _book(desk, patient, signed_plan, location, _sessions(proposal))
    rows = list(series.appointments.order_by("session"))
    assert [r.session for r in rows] == [1, 2, 3, 4, 5, 6]
    assert {r.status for r in rows} == {Status.BOOKED}
    assert all(r.duration_min == 115 for r in rows)  # 15 preparation + 40 infusion + 60 recovery
    assert (series.sessions, series.min_spacing_h, series.max_span_days) == (6, 24, 14)
    entry = AuditEvent.objects.get(action="booking.book", object_id=str(series.pk))
    assert entry.patient_id == patient.pk
    assert AuditEvent.objects.filter(action="booking.propose", patient_id=patient.pk).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "2031-03-03T06:00:00-05:00"}, "sessions.0.start"),  # before opening
        ({"start": "2031-03-08T09:00:00-05:00"}, "sessions.0.start"),  # a Saturday
        ({"start": "2031-03-03T09:00:00"}, "sessions.0.start"),  # no zone
        ({"chair_id": 999999}, "sessions.0.chair_id"),  # unknown chair
    ],
)
def test_bad_sessions_name_the_field_and_write_nothing(
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
    at: Any,
    change: dict[str, Any],
    field: str,
) -> None:
    sessions = _sessions(_propose(staff["front_desk"], patient, signed_plan, location, at))
    sessions[0] = {**sessions[0], **change}
    with pytest.raises(InvalidInput) as error:
        _book(staff["front_desk"], patient, signed_plan, location, sessions)
    assert field in [e.field for e in error.value.errors]
    assert not Appointment.objects.exists()
    assert not Series.objects.exists()


def test_spacing_below_the_protocol_minimum_is_refused(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    sessions = _sessions(_propose(staff["front_desk"], patient, signed_plan, location, at))
    sessions[1]["start"] = at(MONDAY, "13:00").isoformat()  # 6 h after session 1
    with pytest.raises(InvalidInput) as error:
        _book(staff["front_desk"], patient, signed_plan, location, sessions)
    assert error.value.errors[0].field == "sessions"
    assert "apart" in error.value.errors[0].message
    assert not Appointment.objects.exists()


def test_a_closure_refuses_bookings_and_the_proposal_goes_round_it(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    result = clinics.add_closure(
        staff["manager"], location.pk, {"date": "2031-03-04", "reason": "training day"}
    )
    assert result.affected == []
    proposal = _propose(staff["front_desk"], patient, signed_plan, location, at)
    days = [s.starts_at.astimezone(NEW_YORK).day for s in proposal.sessions]
    assert 4 not in days
    sessions = _sessions(proposal)
    sessions[1]["start"] = at("2031-03-04", "07:00").isoformat()
    with pytest.raises(InvalidInput) as error:
        _book(staff["front_desk"], patient, signed_plan, location, sessions)
    assert "training day" in error.value.errors[0].message


def test_a_series_needs_a_signed_plan(
    staff: dict[str, Any], location: Any, draft_plan: Any, patient: Any, at: Any
) -> None:
    with pytest.raises(InvalidInput) as error:
        _propose(staff["front_desk"], patient, draft_plan, location, at)
    assert error.value.errors[0].field == "plan_id"
    assert "not signed" in error.value.errors[0].message


def test_a_taken_chair_answers_a_conflict_naming_the_slot(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, register: Any, at: Any
) -> None:
    desk = staff["front_desk"]
    proposal = _propose(desk, patient, signed_plan, location, at)
    first = proposal.sessions[0]
    other = register(mrn="OTHER-1", given_name="Blake")
    # Someone else took session 1's chair after the proposal was shown.
    taken = Appointment.objects.create(
        patient=other,
        location=location,
        chair=first.chair,
        appointment_type="infusion",
        starts_at=first.starts_at + timedelta(minutes=30),
        ends_at=first.starts_at + timedelta(minutes=145),
        policy_version="test",
        booked_by=desk.user,
    )
    with pytest.raises(SlotConflict) as clash:
        _book(desk, patient, signed_plan, location, _sessions(proposal))
    assert clash.value.slot.chair == first.chair.name
    assert clash.value.slot.starts_at == taken.starts_at
    assert first.chair.name in str(clash.value)
    assert "07:30" in str(clash.value)
    assert not Series.objects.exists()
    assert Appointment.objects.count() == 1


def test_the_nurse_ratio_is_never_exceeded(
    staff: dict[str, Any], users: dict[str, Any], register: Any, at: Any
) -> None:
    from bookings_support import add_location

    small = add_location(staff["manager"], users["nurse"], "ratio", NEW_YORK, patients_per_nurse=2)
    chairs = chairs_of(small)
    desk = staff["front_desk"]
    for n, chair in enumerate(chairs[:2]):
        Appointment.objects.create(
            patient=register(mrn=f"R-{n}", given_name=f"P{n}"),
            location=small,
            chair=chair,
            appointment_type="infusion",
            starts_at=at(MONDAY, "09:00"),
            ends_at=at(MONDAY, "10:55"),
            policy_version="test",
            booked_by=desk.user,
        )
    third = register(mrn="R-3", given_name="P3")
    visit = {
        "patient_id": third.pk,
        "location_id": small.pk,
        "appointment_type": "consultation",
        "start": at(MONDAY, "09:00").isoformat(),
    }
    services.book_appointment(desk, visit)  # no chair: no nurse needed
    plan = _signed_plan_for(third, staff)
    with pytest.raises(Conflict) as full:
        services.book_appointment(
            desk,
            {
                **visit,
                "appointment_type": "infusion",
                "plan_id": plan.pk,
                "chair_id": chairs[2].pk,
                "start": at(MONDAY, "10:00").isoformat(),
            },
        )
    assert "nurse" in str(full.value)
    # A shift removal that would leave 2 patients with no nurse is refused.
    shift = small.shifts.filter(starts_at__lte=at(MONDAY, "09:00")).order_by("-starts_at").first()
    with pytest.raises(Conflict) as error:
        clinics.remove_shift(staff["manager"], shift.pk)
    assert "nurse ratio" in str(error.value)
    with pytest.raises(Conflict):
        clinics.update_location(staff["manager"], small.pk, {"patients_per_nurse": 1})


def test_reschedule_one_session_keeps_the_series_valid_or_says_why(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    desk = staff["front_desk"]
    series = _book(
        desk,
        patient,
        signed_plan,
        location,
        _sessions(_propose(desk, patient, signed_plan, location, at)),
    )
    third = series.appointments.get(session=3)
    with pytest.raises(InvalidInput) as error:  # 18 h before session 4: spacing broken
        services.reschedule(desk, third.pk, {"start": at("2031-03-05", "13:00").isoformat()})
    assert "sessions 3 and 4 start 18 h apart" in error.value.errors[0].message
    sixth = series.appointments.get(session=6)
    moved = services.reschedule(desk, sixth.pk, {"start": at("2031-03-10", "13:00").isoformat()})
    sixth.refresh_from_db()
    assert sixth.status == Status.RESCHEDULED
    assert moved.replaces_id == sixth.pk
    assert moved.session == 6
    assert series.appointments.filter(status=Status.BOOKED).count() == 6
    assert AuditEvent.objects.filter(action="booking.reschedule", patient_id=patient.pk).exists()


def test_cancel_then_rebook_a_session_and_no_show(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any, at: Any
) -> None:
    desk = staff["front_desk"]
    series = _book(
        desk,
        patient,
        signed_plan,
        location,
        _sessions(_propose(desk, patient, signed_plan, location, at)),
    )
    second = series.appointments.get(session=2)
    services.cancel(desk, second.pk, {"reason": "ill"})
    second.refresh_from_db()
    assert (second.status, second.status_reason) == (Status.CANCELLED, "ill")
    with pytest.raises(Conflict):
        services.cancel(desk, second.pk)
    again = services.reschedule(desk, second.pk, {"start": at("2031-03-04", "07:00").isoformat()})
    assert again.status == Status.BOOKED
    assert again.session == 2
    with pytest.raises(Conflict):  # a future visit is cancelled, not a no-show
        services.mark_no_show(staff["nurse"], again.pk)


def test_patients_change_only_their_own_and_not_within_24_h(
    staff: dict[str, Any],
    location: Any,
    patient: Any,
    patient_user: Any,
    register: Any,
    actor_for: Any,
) -> None:
    from django.utils import timezone

    desk = staff["front_desk"]
    me = actor_for(patient_user)
    other = register(mrn="OTHER-2", given_name="Casey")

    def consultation(person: Any, days: float) -> Any:
        start = (timezone.now() + timedelta(days=days)).astimezone(NEW_YORK)
        start = start.replace(hour=10, minute=0, second=0, microsecond=0)
        while start.weekday() > 3:
            start += timedelta(days=1)
        return services.book_appointment(
            desk,
            {
                "patient_id": person.pk,
                "location_id": location.pk,
                "appointment_type": "consultation",
                "start": start.isoformat(),
            },
        )

    theirs = consultation(other, 10)
    with pytest.raises(Forbidden):
        services.cancel(me, theirs.pk)
    mine = consultation(patient, 14)  # one physician: not at the same time as theirs
    with pytest.raises(InvalidInput) as error:
        services.reschedule(
            me, mine.pk, {"start": (timezone.now() + timedelta(hours=2)).isoformat()}
        )
    assert error.value.errors[0].field == "start"
    services.cancel(me, mine.pk)
    assert [a.pk for a in services.list_appointments(me, patient.pk)] == [mine.pk]
