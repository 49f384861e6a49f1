"""Charges post from completed care, from the price list in effect on the day of service: a
signed, discharged session; a consultation marked done; a package uses one prepaid infusion
per session instead; an estimate outrun by $400 or more warns the manager."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.records.billing import charges, packages, services
from ketaclinic.records.billing.choices import EntryKind, WarningKind
from ketaclinic.records.billing.models import BillingWarning, Entry, PackageUse
from ketaclinic.records.billing.policy import infusion_hours
from ketaclinic.records.errors import Conflict
from ketaclinic.records.sessions import signing
from support import SIGNED


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (10, (0, 0)),
        (15, (0, 0)),
        (16, (1, 0)),
        (40, (1, 0)),
        (90, (1, 0)),
        (91, (1, 1)),
        (150, (1, 1)),
        (151, (1, 2)),
        (240, (1, 3)),
    ],
)
def test_infusion_hours_follow_the_cpt_time_rules(minutes: float, hours: tuple[int, int]) -> None:
    assert infusion_hours(minutes) == hours


def test_signing_a_discharged_session_posts_its_charge_once(
    walked: Any, nurse: Any, desk: Any, session: Any, prices: Any
) -> None:
    walked("discharged")
    assert not Entry.objects.exists()
    signing.sign_session(nurse, session.pk, SIGNED)
    lines = list(Entry.objects.filter(session=session))
    assert [(e.kind, e.code, e.codes, e.quantity, e.amount_cents) for e in lines] == [
        (EntryKind.CHARGE, "96365", ["96365", "J3490"], 1, 45000)
    ]
    assert lines[0].service_on == session.order.session_on
    assert services.balance(desk, session.patient_id) == 45000
    assert charges.post_session_charges(nurse, session.pk) == []  # once
    assert Entry.objects.count() == 1


def test_a_session_without_a_price_is_signed_and_the_manager_told(
    walked: Any, nurse: Any, session: Any, location: Any
) -> None:
    walked("discharged")
    signing.sign_session(nurse, session.pk, SIGNED)
    assert not Entry.objects.exists()
    warning = BillingWarning.objects.get()
    assert warning.kind == WarningKind.UNPRICED
    assert "no price list" in warning.message


def test_a_package_uses_a_prepaid_infusion_instead_of_a_charge(
    walked: Any, nurse: Any, desk: Any, session: Any, prices: Any
) -> None:
    package = packages.sell_package(desk, session.patient_id, {})
    assert package.infusions == 6
    assert services.balance(desk, session.patient_id) == 240000
    walked("discharged")
    signing.sign_session(nurse, session.pk, SIGNED)
    assert PackageUse.objects.get().package == package
    assert not Entry.objects.filter(session=session).exists()
    assert services.balance(desk, session.patient_id) == 240000
    (state,) = packages.packages_of(session.patient_id)
    assert state.left == 5
    bill = services.superbill(
        desk, session.patient_id, session.order.session_on, session.order.session_on
    )
    assert [line.codes for line in bill.services] == [["96365", "J3490"], ["96365", "J3490"]]


def test_a_consultation_marked_done_is_charged_once(
    desk: Any, physician: Any, patient: Any, location: Any, prices: Any, users: Any
) -> None:
    from ketaclinic.records.bookings.models import Appointment

    starts = timezone.now() - timedelta(minutes=30)
    visit = Appointment.objects.create(
        patient=patient,
        location=location,
        appointment_type="consultation",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        policy_version="test",
        booked_by=users["front_desk"],
    )
    (line,) = charges.complete_consultation(physician, visit.pk)
    assert (line.code, line.amount_cents, line.appointment_id) == ("99204", 35000, visit.pk)
    with pytest.raises(Conflict, match="already"):
        charges.complete_consultation(desk, visit.pk)
    assert services.balance(desk, patient.pk) == 35000


def test_charges_above_the_estimate_by_400_dollars_warn_the_manager(
    walked: Any, nurse: Any, desk: Any, session: Any, prices: Any, users: Any
) -> None:
    from ketaclinic.records.pricing.models import Estimate

    day = session.order.session_on
    estimate = Estimate.objects.create(
        patient_id=session.patient_id,
        location=session.location,
        price_list=prices,
        patient_name="Ada Example",
        patient_date_of_birth=session.patient.date_of_birth,
        summary="Ketamine infusion",
        timing="on request",
        basis="items",
        requested=True,
        service_from=day - timedelta(days=1),
        service_to=day + timedelta(days=13),
        due_by=day,
        provider={},
        location_name="Test clinic",
        diagnosis_codes=[],
        disclaimers=[],
        disclaimers_version="test",
        total_cents=5000,  # $50 estimated; the infusion bills $450: $400 over
        issued_by=users["front_desk"],
    )
    walked("discharged")
    signing.sign_session(nurse, session.pk, SIGNED)
    warning = BillingWarning.objects.get(kind=WarningKind.OVERRUN)
    assert warning.estimate_id == estimate.pk
    assert warning.billed_cents - warning.estimate_total_cents == 40000


def test_the_time_infused_leaves_out_pauses() -> None:
    from datetime import UTC, datetime

    from ketaclinic.sessions import State
    from ketaclinic.sessions.lifecycle import Command, Step, Timeline

    start = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)

    def step(command: Command, state: State, minutes: int) -> Step:
        return Step(command, state, start + timedelta(minutes=minutes))

    timeline = Timeline(
        [
            step(Command.START_INFUSION, State.INFUSING, 0),
            step(Command.PAUSE, State.PAUSED, 30),
            step(Command.RESUME, State.INFUSING, 60),
            step(Command.END_INFUSION, State.INFUSION_ENDED, 110),
        ]
    )
    assert timeline.infused_min == 80  # 30 + 50: the 30 paused minutes are not infused
    assert infusion_hours(timeline.infused_min) == (1, 0)  # 110 min from start to end: (1, 1)
