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
        plans.sign_plan(physician, draft.pk, {})
    _result(physician, patient.pk, "ecg", days_ago=400)
    with pytest.raises(Conflict, match="older than 365 days"):
        plans.sign_plan(physician, draft.pk, {})
    _result(physician, patient.pk, "ecg", days_ago=365)
    assert plans.sign_plan(physician, draft.pk, {}).is_signed


def test_the_long_regimen_needs_baseline_liver_tests(patient: Any, physician: Any) -> None:
    _screen(physician, patient.pk)
    draft = plans.draft_plan(physician, patient.pk, {"protocol": CHRONIC_PAIN})
    with pytest.raises(Conflict, match=r"ALT .*no result recorded"):
        plans.sign_plan(physician, draft.pk, {})
    for test, value, unit in (("alt", 20, "U/L"), ("ast", 20, "U/L"), ("bilirubin", 9, "umol/L")):
        _result(physician, patient.pk, test, value=value, unit=unit)
    assert plans.sign_plan(physician, draft.pk, {}).is_signed


def test_a_healthy_patient_on_the_seed_regimen_needs_no_result(
    patient: Any, physician: Any
) -> None:
    _screen(physician, patient.pk)
    draft = plans.draft_plan(physician, patient.pk, {"protocol": SEED})
    assert plans.sign_plan(physician, draft.pk, {}).is_signed


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
    plan = plans.sign_plan(physician, draft.pk, {})
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
