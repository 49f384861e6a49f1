"""Gates before signing and ordering: screening currency, required results, follow-up LFT."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from plans_support import CHRONIC_PAIN, SEED

from ketaclinic.protocols import get_protocol
from ketaclinic.records.errors import Conflict
from ketaclinic.records.plans import orders, prerequisites, screening
from ketaclinic.records.plans import services as plans
from ketaclinic.records.results import services as results
from support import SIGNED


def _screen(physician: Any, patient_id: int, **flags: Any) -> None:
    found = screening.run_screening(physician, patient_id, {"pregnant": False, **flags})
    decision = "eligible" if found.outcome == "eligible" else "proceed_after_review"
    screening.decide(physician, found.pk, {"decision": decision, "note": "reviewed"})


def _result(physician: Any, patient_id: int, test: str, days_ago: int = 0, **fields: Any) -> None:
    taken_on = timezone.localdate() - timedelta(days=days_ago)
    body = fields or {"code": "normal"}
    results.record_result(physician, patient_id, {"test": test, "taken_on": taken_on, **body})


def test_an_ecg_the_screening_asks_for_gates_signing(patient: Any, physician: Any) -> None:
    from ketaclinic.records.patients import services as patients

    patients.update_patient(physician, patient.pk, {"history_flags": ["hypertension"]})
    _screen(physician, patient.pk)
    draft = plans.draft_plan(physician, patient.pk, {"protocol": SEED})
    with pytest.raises(Conflict, match="12-lead ECG: no result recorded"):
        plans.sign_plan(physician, draft.pk, SIGNED)
    _result(physician, patient.pk, "ecg", days_ago=400)
    with pytest.raises(Conflict, match="older than 365 days"):
        plans.sign_plan(physician, draft.pk, SIGNED)
    _result(physician, patient.pk, "ecg", days_ago=365)
    assert plans.sign_plan(physician, draft.pk, SIGNED).is_signed


def test_the_long_regimen_needs_baseline_liver_tests(patient: Any, physician: Any) -> None:
    _screen(physician, patient.pk)
    draft = plans.draft_plan(physician, patient.pk, {"protocol": CHRONIC_PAIN})
    with pytest.raises(Conflict, match=r"ALT .*no result recorded"):
        plans.sign_plan(physician, draft.pk, SIGNED)
    for test, value, unit in (("alt", 20, "U/L"), ("ast", 20, "U/L"), ("bilirubin", 9, "umol/L")):
        _result(physician, patient.pk, test, value=value, unit=unit)
    assert plans.sign_plan(physician, draft.pk, SIGNED).is_signed


def test_a_healthy_patient_on_the_seed_regimen_needs_no_result(
    patient: Any, physician: Any
) -> None:
    _screen(physician, patient.pk)
    draft = plans.draft_plan(physician, patient.pk, {"protocol": SEED})
    assert plans.sign_plan(physician, draft.pk, SIGNED).is_signed


def test_an_expired_screening_decision_stops_orders(signed: Any) -> None:
    protocol = get_protocol(SEED)
    today = timezone.localdate()
    prerequisites.refuse_unless_ready_to_order(signed.patient_id, protocol, today + timedelta(365))
    with pytest.raises(Conflict, match=r"screening decision .* older than 365 days"):
        prerequisites.refuse_unless_ready_to_order(
            signed.patient_id, protocol, today + timedelta(366)
        )


def test_a_follow_up_liver_test_after_the_long_regimen(
    screened: Any, physician: Any, nurse: Any
) -> None:
    draft = plans.draft_plan(physician, screened.pk, {"protocol": CHRONIC_PAIN})
    plan = plans.sign_plan(physician, draft.pk, SIGNED)
    today = timezone.localdate()
    orders.create_order(nurse, plan.pk, {"session_on": today})
    protocol = get_protocol(CHRONIC_PAIN)
    due = prerequisites.follow_up_due(screened.pk, protocol, today + timedelta(days=1))
    assert due is not None
    assert due.due_by == today + timedelta(days=14)
    prerequisites.refuse_unless_ready_to_order(screened.pk, protocol, today + timedelta(days=14))
    with pytest.raises(Conflict, match="follow-up liver tests"):
        prerequisites.refuse_unless_ready_to_order(
            screened.pk, protocol, today + timedelta(days=15)
        )


def test_the_seed_regimen_schedules_no_follow_up_after_one_series(signed: Any, nurse: Any) -> None:
    today = timezone.localdate()
    orders.create_order(nurse, signed.pk, {"session_on": today})
    assert (
        prerequisites.follow_up_due(signed.patient_id, get_protocol(SEED), today + timedelta(30))
        is None
    )


def _history(order: Any, sessions: int) -> None:
    """Earlier series as the records would hold them: copies of ``order`` weekly, from 20 days
    before it back (outside the series span)."""
    from django.forms.models import model_to_dict

    from ketaclinic.records.plans.models import Order

    fields = model_to_dict(order, exclude=["id", "session_on"])
    fields = {
        f"{k}_id"
        if k in {"plan", "patient", "measurement", "weight_confirmation", "created_by"}
        else k: v
        for k, v in fields.items()
    }
    for week in range(sessions):
        Order.objects.create(**fields, session_on=order.session_on - timedelta(days=20 + 7 * week))


def test_exposure_soft_limit_needs_a_physicians_reason(
    order: Any, nurse: Any, physician: Any
) -> None:
    from ketaclinic.records.errors import InvalidInput

    _history(order, 17)  # with today's order 18; tomorrow's would be the 19th (soft 18)
    tomorrow = {"session_on": timezone.localdate() + timedelta(days=1)}
    with pytest.raises(InvalidInput) as refused:
        orders.create_order(nurse, order.plan_id, tomorrow)
    assert refused.value.errors[0].field == "exposure_override_reason"
    with pytest.raises(InvalidInput):
        orders.create_order(nurse, order.plan_id, {**tomorrow, "exposure_override_reason": "ok"})
    made = orders.create_order(
        physician, order.plan_id, {**tomorrow, "exposure_override_reason": "responding well"}
    )
    assert made.session_on == tomorrow["session_on"]


def test_exposure_hard_limit_stops_the_order(order: Any, physician: Any) -> None:
    _history(order, 23)  # with today's 24; tomorrow's would be the 25th (hard 24)
    tomorrow = {
        "session_on": timezone.localdate() + timedelta(days=1),
        "exposure_override_reason": "asked",
    }
    with pytest.raises(Conflict, match="hard limit 24"):
        orders.create_order(physician, order.plan_id, tomorrow)
