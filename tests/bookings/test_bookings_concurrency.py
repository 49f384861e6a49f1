"""Double-booking under concurrency (PostgreSQL): twenty simultaneous requests for one chair slot,
each on its own connection, and exactly one succeeds; the nurse ratio holds under a rush; the
exclusion constraint refuses a double-booking that bypasses the services."""

from __future__ import annotations

from typing import Any

import pytest
from bookings_support import MONDAY, NEW_YORK, add_location, chairs_of
from django.db import IntegrityError, connection, transaction

from ketaclinic.records.bookings import services
from ketaclinic.records.bookings.checks import SlotConflict
from ketaclinic.records.bookings.models import Appointment, Status
from ketaclinic.records.errors import Conflict
from support import SIGNED, all_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 20


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer")


def _visit(patient: Any, location: Any, chair: Any, start: Any, plan: Any) -> dict[str, Any]:
    return {
        "patient_id": patient.pk,
        "location_id": location.pk,
        "appointment_type": "infusion",
        "plan_id": plan.pk,
        "chair_id": chair.pk,
        "start": start.isoformat(),
    }


def _signed_plans(count: int, register: Any, staff: dict[str, Any]) -> list[tuple[Any, Any]]:
    from ketaclinic.records.plans import screening
    from ketaclinic.records.plans import services as plans

    physician = staff["physician"]
    made = []
    for n in range(count):
        person = register(mrn=f"C-{n}", given_name=f"Racer{n}")
        result = screening.run_screening(physician, person.pk, {"pregnant": False})
        screening.decide(physician, result.pk, {"decision": "eligible", "note": "ok"})
        draft = plans.draft_plan(physician, person.pk, {"protocol": "ketamine-iv-0.5mgkg-40min"})
        made.append((person, plans.sign_plan(physician, draft.pk, SIGNED)))
    return made


def test_twenty_requests_for_one_chair_slot_exactly_one_wins(
    staff: dict[str, Any], location: Any, register: Any, at: Any
) -> None:
    chair = chairs_of(location)[0]
    racers = _signed_plans(REQUESTS, register, staff)
    start = at(MONDAY, "09:00")
    calls = [
        (
            lambda p=p, plan=plan: services.book_appointment(
                staff["front_desk"], _visit(p, location, chair, start, plan)
            )
        )
        for p, plan in racers
    ]
    results = all_at_once(calls)
    booked = [r for r in results if isinstance(r, Appointment)]
    clashes = [r for r in results if isinstance(r, SlotConflict)]
    assert len(booked) == 1, results
    assert len(clashes) == REQUESTS - 1, results
    assert all(c.slot.chair == chair.name and c.slot.starts_at == start for c in clashes)
    assert Appointment.objects.filter(chair=chair, status=Status.BOOKED).count() == 1


def test_the_nurse_ratio_holds_when_many_book_at_once(
    staff: dict[str, Any], users: dict[str, Any], register: Any, at: Any
) -> None:
    """Eight chairs, one nurse at 1 : 3: eight patients rush eight chairs at the same time."""
    location = add_location(
        staff["manager"], users["nurse"], "rush", NEW_YORK, chairs=8, patients_per_nurse=3
    )
    racers = _signed_plans(8, register, staff)
    start = at(MONDAY, "09:00")
    calls = [
        (
            lambda p=p, plan=plan, chair=chair: services.book_appointment(
                staff["front_desk"], _visit(p, location, chair, start, plan)
            )
        )
        for (p, plan), chair in zip(racers, chairs_of(location), strict=True)
    ]
    results = all_at_once(calls)
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(booked) == 3, results
    assert len(refused) == 5
    assert all("nurse" in str(r) for r in refused)


def test_the_database_refuses_a_double_booking_that_skips_the_services(
    staff: dict[str, Any], location: Any, register: Any, at: Any
) -> None:
    chair = chairs_of(location)[0]
    first, second = register(mrn="X-1"), register(mrn="X-2", given_name="Blake")
    row = {
        "location": location,
        "chair": chair,
        "appointment_type": "infusion",
        "starts_at": at(MONDAY, "09:00"),
        "ends_at": at(MONDAY, "10:55"),
        "policy_version": "test",
        "booked_by": staff["front_desk"].user,
    }
    Appointment.objects.create(patient=first, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(patient=second, **{**row, "starts_at": at(MONDAY, "10:00")})
    # A cancelled visit frees the chair for the constraint too.
    Appointment.objects.filter(patient=first).update(status=Status.CANCELLED)
    Appointment.objects.create(patient=second, **row)


def test_two_moves_of_one_visit_at_once_the_loser_is_told_where_it_went(
    staff: dict[str, Any], location: Any, register: Any, at: Any
) -> None:
    """Moved to two different times at once: a retry of the losing move could not succeed (the
    visit is no longer booked there), so its refusal says where the visit is now."""
    desk = staff["front_desk"]
    chair = chairs_of(location)[0]
    ((person, plan),) = _signed_plans(1, register, staff)
    visit = services.book_appointment(
        desk, _visit(person, location, chair, at(MONDAY, "09:00"), plan)
    )
    moves = [at(MONDAY, "11:00"), at(MONDAY, "13:00")]
    results = all_at_once(
        [
            (lambda start=start: services.reschedule(desk, visit.pk, {"start": start.isoformat()}))
            for start in moves
        ]
    )
    moved = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(moved) == 1, results
    assert len(refused) == 1, results
    message = str(refused[0])
    assert message.startswith(f"appointment {visit.pk} was moved at the same moment, to ")
    assert f"{moved[0].starts_at.astimezone(NEW_YORK):%H:%M}" in message
    assert "try again" not in message
    assert Appointment.objects.filter(patient=person, status=Status.BOOKED).count() == 1
