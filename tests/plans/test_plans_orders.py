"""Orders from the signed plan and the latest weight; the weight re-check; the preparation and
the independent double-check that verify an order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from plans_support import SEED, SEED_DOSE

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans import orders, screening, services
from ketaclinic.records.plans.models import (
    DoubleCheck,
    Order,
    OrderStatus,
    Preparation,
    WeightConfirmation,
)
from support import SIGNED


def _today() -> Any:
    return timezone.localdate()


def test_an_order_from_the_signed_plan(order: Any, signed: Any) -> None:
    assert (order.dose_mg, order.volume_ml, order.rate_ml_per_h) == (35, 35, 52.5)
    assert (order.plan_id, order.session_on, order.weight_kg) == (signed.pk, _today(), 70)
    assert order.status == OrderStatus.AWAITING_PREPARATION
    assert not orders.order_is_verified(order)
    assert order.dose_request["weight_kg"] == 70
    entry = AuditEvent.objects.get(action="order.create")
    assert entry.detail["session_on"] == _today().isoformat()


def test_no_order_for_a_draft_a_superseded_plan_or_a_past_date(
    draft: Any, nurse: Any, physician: Any
) -> None:
    plan = draft()
    with pytest.raises(Conflict):
        orders.create_order(nurse, plan.pk, {"session_on": _today()})
    services.sign_plan(physician, plan.pk, SIGNED)
    with pytest.raises(InvalidInput) as error:
        orders.create_order(nurse, plan.pk, {"session_on": _today() - timedelta(days=1)})
    assert error.value.errors[0].field == "session_on"
    amendment = services.amend_plan(physician, plan.pk, {"sessions": 4, "reason": "fewer"})
    services.sign_plan(physician, amendment.pk, SIGNED)
    with pytest.raises(Conflict):
        orders.create_order(nurse, plan.pk, {"session_on": _today()})
    assert not Order.objects.exists()
    assert orders.create_order(nurse, amendment.pk, {"session_on": _today()}).plan_id == (
        amendment.pk
    )


def test_one_order_per_plan_and_day(order: Any, nurse: Any) -> None:
    with pytest.raises(Conflict):
        orders.create_order(nurse, order.plan_id, {"session_on": _today()})


def test_an_order_further_ahead_than_a_weight_stays_valid(signed: Any, nurse: Any) -> None:
    """The weight was taken today: a session 30 days on may use it, 31 days on may not."""
    on_limit = orders.create_order(nurse, signed.pk, {"session_on": _today() + timedelta(30)})
    assert on_limit.weight_kg == 70
    for later in (_today() + timedelta(31), date.max):
        with pytest.raises(InvalidInput) as error:
            orders.create_order(nurse, signed.pk, {"session_on": later})
        assert error.value.errors[0].field == "session_on"
        assert "too old by then" in error.value.errors[0].message
    assert Order.objects.count() == 1


def test_a_weight_changed_by_more_than_5_percent_needs_a_check(
    signed: Any, nurse: Any, physician: Any
) -> None:
    patients.record_measurement(nurse, signed.patient_id, {"weight_kg": 73.5})
    within = orders.create_order(nurse, signed.pk, {"session_on": _today()})
    assert (within.weight_kg, within.dose_mg) == (73.5, 36.8)
    patients.record_measurement(nurse, signed.patient_id, {"weight_kg": 73.6})
    tomorrow = {"session_on": _today() + timedelta(days=1)}
    with pytest.raises(InvalidInput) as error:
        orders.create_order(nurse, signed.pk, tomorrow)
    assert error.value.errors[0].field == "weight_kg"
    assert "physician confirms" in error.value.errors[0].message
    with pytest.raises(Forbidden):
        orders.confirm_weight(nurse, signed.pk, {"note": "looks right"})
    with pytest.raises(InvalidInput):
        orders.confirm_weight(physician, signed.pk, {"note": ""})
    confirmation = orders.confirm_weight(physician, signed.pk, {"note": "weighed twice"})
    assert confirmation.weight_kg == 73.6
    assert "5.1%" in confirmation.reasons[0]
    with pytest.raises(Conflict):
        orders.confirm_weight(physician, signed.pk, {"note": "again"})
    confirmed = orders.create_order(nurse, signed.pk, tomorrow)
    assert confirmed.weight_confirmation_id == confirmation.pk
    assert confirmed.dose_mg == 36.8
    assert any(w.startswith("confirmed:") for w in confirmed.dose_result["warnings"])
    assert AuditEvent.objects.filter(action="order.confirm_weight", outcome="allowed").count() == 1


def test_nothing_to_confirm(signed: Any, physician: Any) -> None:
    with pytest.raises(Conflict):
        orders.confirm_weight(physician, signed.pk, {"note": "unchanged"})


def test_a_stale_weight_cannot_be_confirmed(register: Any, physician: Any, nurse: Any) -> None:
    patient = register(mrn="OLD-WEIGHT", weight_kg=None)
    weighed = {"weight_kg": 70, "measured_at": timezone.now() - timedelta(days=31)}
    patients.record_measurement(nurse, patient.pk, weighed)
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, found.pk, {"decision": "eligible", "note": "ok"})
    plan = services.draft_plan(physician, patient.pk, {"protocol": SEED})
    services.sign_plan(physician, plan.pk, SIGNED)
    with pytest.raises(InvalidInput) as error:
        orders.create_order(nurse, plan.pk, {"session_on": _today()})
    assert "weigh the patient again" in error.value.errors[0].message
    with pytest.raises(InvalidInput) as error:
        orders.confirm_weight(physician, plan.pk, {"note": "still right"})
    assert error.value.errors[0].field == "weight_kg"
    assert not WeightConfirmation.objects.exists()
    patients.record_measurement(nurse, patient.pk, {"weight_kg": 70.4})
    assert orders.create_order(nurse, plan.pk, {"session_on": _today()}).weight_kg == 70.4


def test_a_soft_limit_the_plan_did_not_override_refuses_the_order(
    draft: Any, physician: Any, nurse: Any
) -> None:
    """0.8 mg/kg at 70 kg = 56 mg (under the 60 mg soft limit); at 76 kg it is 60.8 mg."""
    plan = draft(dose_mg_per_kg=0.8)
    reasons = {"dose_mg_per_kg": "no relief", "rate_mg_per_kg_per_h": "same dose"}
    services.sign_plan(physician, plan.pk, {**SIGNED, "overrides": reasons})
    patients.record_measurement(nurse, plan.patient_id, {"weight_kg": 76})
    orders.confirm_weight(physician, plan.pk, {"note": "gained weight"})
    with pytest.raises(InvalidInput) as error:
        orders.create_order(nurse, plan.pk, {"session_on": _today()})
    assert [e.field for e in error.value.errors] == ["dose_mg"]
    assert "amends the plan" in error.value.errors[0].message
    assert not Order.objects.exists()


def test_the_series_counts_earlier_orders_within_its_span(signed: Any, nurse: Any) -> None:
    for day in (0, 2, 4):
        created = orders.create_order(
            nurse, signed.pk, {"session_on": _today() + timedelta(days=day)}
        )
    assert created.series_dose_mg_given == 70
    span_after = orders.create_order(
        nurse, signed.pk, {"session_on": _today() + timedelta(days=18)}
    )
    assert span_after.series_dose_mg_given == 0
    within_span = orders.create_order(
        nurse, signed.pk, {"session_on": _today() + timedelta(days=17)}
    )
    assert within_span.series_dose_mg_given == 35


def test_the_minimum_interval_between_sessions(screened: Any, physician: Any, nurse: Any) -> None:
    plan = services.draft_plan(physician, screened.pk, {"protocol": "esketamine-in-56mg"})
    services.sign_plan(physician, plan.pk, SIGNED)
    orders.create_order(nurse, plan.pk, {"session_on": _today()})
    with pytest.raises(InvalidInput) as error:
        orders.create_order(nurse, plan.pk, {"session_on": _today() + timedelta(days=1)})
    assert error.value.errors[0].field == "session_on"
    assert orders.create_order(nurse, plan.pk, {"session_on": _today() + timedelta(days=2)})


def test_the_preparation_must_match_the_order(order: Any, nurse: Any, physician: Any) -> None:
    with pytest.raises(Forbidden):
        orders.prepare_order(physician, order.pk, SEED_DOSE)
    with pytest.raises(InvalidInput) as error:
        orders.prepare_order(nurse, order.pk, {"dose_mg": 35, "volume_ml": 35})
    assert error.value.errors[0].field == "rate_ml_per_h"
    with pytest.raises(InvalidInput) as error:
        orders.prepare_order(nurse, order.pk, {**SEED_DOSE, "dose_mg": 350, "volume_ml": 3.5})
    assert {e.field for e in error.value.errors} == {"dose_mg", "volume_ml"}
    assert not Preparation.objects.exists()
    # The mismatch is audited with the order (the missing rate before it, without one).
    failed = AuditEvent.objects.get(
        action="order.prepare", outcome="failed", object_id=str(order.pk)
    )
    assert len(failed.detail["mismatches"]) == 2
    orders.prepare_order(nurse, order.pk, {**SEED_DOSE, "note": "bag 1 mg/mL"})
    assert orders.order_status(order) == OrderStatus.AWAITING_DOUBLE_CHECK
    with pytest.raises(Conflict):
        orders.prepare_order(nurse, order.pk, SEED_DOSE)


def test_the_double_check(prepared: Any, nurse: Any, second_nurse: Any, physician: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        orders.verify_order(nurse, prepared.pk, {**SIGNED, **SEED_DOSE})
    assert error.value.errors[0].field == "verified_by"
    assert not DoubleCheck.objects.exists()
    assert AuditEvent.objects.filter(action="order.verify", outcome="failed").count() == 1
    with pytest.raises(InvalidInput) as error:
        orders.verify_order(second_nurse, prepared.pk, {**SIGNED, "dose_mg": 35, "volume_ml": 35})
    assert error.value.errors[0].field == "rate_ml_per_h"
    mismatch = orders.verify_order(
        second_nurse, prepared.pk, {**SIGNED, **SEED_DOSE, "rate_ml_per_h": 35}
    )
    assert not mismatch.matches
    assert mismatch.mismatches == ["rate_ml_per_h: order 52.5, entered 35"]
    assert not orders.order_is_verified(prepared)
    assert AuditEvent.objects.get(action="order.verify", outcome="allowed").detail == {
        "matches": False,
        "mismatches": mismatch.mismatches,
        "meaning": "verified",
        "credential": "password",
    }
    within_tolerance = {"dose_mg": 35.3, "volume_ml": 35, "rate_ml_per_h": 52.5}
    match = orders.verify_order(physician, prepared.pk, {**SIGNED, **within_tolerance})
    assert match.matches
    assert orders.order_is_verified(prepared)
    with pytest.raises(Conflict):
        orders.verify_order(second_nurse, prepared.pk, {**SIGNED, **SEED_DOSE})
    assert DoubleCheck.objects.count() == 2


def test_verification_waits_for_the_preparation(order: Any, second_nurse: Any) -> None:
    with pytest.raises(Conflict):
        orders.verify_order(second_nurse, order.pk, {**SIGNED, **SEED_DOSE})


def test_an_amended_plan_voids_its_orders(prepared: Any, second_nurse: Any, physician: Any) -> None:
    orders.verify_order(second_nurse, prepared.pk, {**SIGNED, **SEED_DOSE})
    assert orders.order_is_verified(prepared)
    amendment = services.amend_plan(
        physician, prepared.plan_id, {"duration_min": 60, "reason": "slower"}
    )
    assert orders.order_is_verified(prepared)
    services.sign_plan(physician, amendment.pk, SIGNED)
    assert orders.order_status(prepared) == OrderStatus.VOID
    assert not orders.order_is_verified(prepared)


def test_the_database_refuses_a_self_check(prepared: Any, nurse: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DoubleCheck.objects.create(
            order=prepared,
            dose_mg=35,
            matches=True,
            prepared_by=nurse.user,
            verified_by=nurse.user,
        )


def test_reading_an_order_is_audited_and_not_for_the_front_desk(
    order: Any, nurse: Any, actor_for: Any, users: dict[str, Any]
) -> None:
    detail = orders.get_order(nurse, order.pk)
    assert detail.order.pk == order.pk
    assert AuditEvent.objects.filter(action="plan.view", object_type="plans.order").exists()
    with pytest.raises(Forbidden):
        orders.get_order(actor_for(users["front_desk"]), order.pk)
    with pytest.raises(Forbidden):
        orders.create_order(actor_for(users["front_desk"]), order.plan_id, {"session_on": "x"})
    assert order.plan.protocol_id == SEED


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])
def test_today_is_the_day_at_the_patients_visit_location(
    signed: Any, nurse: Any, users: dict[str, Any], zone: str
) -> None:
    """A patient booked at a location 14 hours ahead of UTC or 12 behind: the order's "today"
    is that location's date, not the clinic's default zone's (at any hour one of the two
    differs from the default zone's date)."""
    from zoneinfo import ZoneInfo

    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.clinics.models import Location

    place = Location.objects.create(slug="far", name="Far Clinic", time_zone=zone)
    starts = timezone.now() + timedelta(days=3)
    Appointment.objects.create(
        patient_id=signed.patient_id,
        location=place,
        appointment_type="consultation",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        policy_version="test",
        booked_by=users["front_desk"],
    )
    there = timezone.localdate(timezone.now(), ZoneInfo(zone))
    with pytest.raises(InvalidInput, match="past"):
        orders.create_order(nurse, signed.pk, {"session_on": there - timedelta(days=1)})
    assert orders.create_order(nurse, signed.pk, {"session_on": there}).session_on == there
