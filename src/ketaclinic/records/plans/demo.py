"""Demo data for screening, plans and orders: one screened eligible patient with a signed plan
on the seed regimen and today's order, prepared and verified. Idempotent: once any demo
patient has been screened, nothing more is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from ketaclinic.dosing import default_clinic_policy
from ketaclinic.protocols import get_protocol
from ketaclinic.records.context import Actor
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.models import Patient
from ketaclinic.screening import screen
from ketaclinic.screening.lab_tests import required_results

from . import orders, screening
from . import services as plans
from .common import plan_weighing
from .demo_consent import record_required_results, signed
from .inputs import ScreeningIn
from .models import Order, Screening, TreatmentPlan

SEED_PROTOCOL = "ketamine-iv-0.5mgkg-40min"
FACTS: dict[str, Any] = {"pregnant": False, "protocol": SEED_PROTOCOL}


def load_plans(
    physician: Actor, nurse: Actor, passwords: Mapping[str, str]
) -> TreatmentPlan | None:
    """The first demo patient the rules find eligible (DEMO-0001 when it is) gets the plan;
    ``passwords`` are the demo logins' (signing asks for them).

    Returns the plan made now, or None when the demo's plan was made by an earlier load.
    """
    demo_patients = Patient.objects.filter(mrn__startswith="DEMO-").order_by("mrn")
    if Screening.objects.filter(patient__in=demo_patients).exists():
        return None
    patient = next((p for p in demo_patients if eligible(p)), None)
    if patient is None:
        return None
    return order_today(physician, nurse, patient, passwords).plan


def order_today(
    physician: Actor, nurse: Actor, patient: Patient, passwords: Mapping[str, str]
) -> Order:
    """Screen ``patient`` eligible, sign a plan on the seed regimen, and make today's order,
    prepared and verified."""
    order = unverified_order_today(physician, nurse, patient, passwords)
    orders.verify_order(physician, order.pk, {**_numbers(order), **signed(physician, passwords)})
    return order


def unverified_order_today(
    physician: Actor, nurse: Actor, patient: Patient, passwords: Mapping[str, str]
) -> Order:
    """As ``order_today``, the order prepared but not yet double-checked."""
    plan = plans.sign_plan(
        physician, draft_plan(physician, nurse, patient).pk, signed(physician, passwords)
    )
    order = orders.create_order(nurse, plan.pk, {"session_on": timezone.localdate()})
    orders.prepare_order(nurse, order.pk, {**_numbers(order), "note": "demo bag"})
    return order


def _numbers(order: Order) -> dict[str, float | None]:
    """What the preparation and the double-check state: the order's own numbers."""
    return {
        "dose_mg": order.dose_mg,
        "volume_ml": order.volume_ml,
        "rate_ml_per_h": order.rate_ml_per_h,
    }


def draft_plan(physician: Actor, nurse: Actor, patient: Patient) -> TreatmentPlan:
    """Screen ``patient`` (eligible, or proceed after review), record the tests asked for,
    and draft a plan on the seed regimen, not yet signed."""
    _weigh_if_stale(nurse, patient)
    found = screening.run_screening(physician, patient.pk, FACTS)
    decision = (
        {"decision": "eligible", "note": "Demo: no findings; ECG not needed."}
        if found.outcome == "eligible"
        else {"decision": "proceed_after_review", "note": "Demo: findings reviewed; proceed."}
    )
    screening.decide(physician, found.pk, decision)
    asked = [item["test"] for item in found.result.get("required_tests", [])]
    protocol = get_protocol(SEED_PROTOCOL)
    record_required_results(physician, patient.pk, required_results(asked, protocol.baseline_lfts))
    return plans.draft_plan(physician, patient.pk, {"protocol": SEED_PROTOCOL})


def eligible(patient: Patient, after_review: bool = False) -> bool:
    """Whether the rules find ``patient`` eligible (or, ``after_review``, at least open to a
    physician's review)."""
    facts = ScreeningIn.model_validate(FACTS)
    outcome = screen(screening.screening_input(patient, facts)).outcome
    return outcome == "eligible" or (after_review and outcome == "needs_physician_review")


def _weigh_if_stale(nurse: Actor, patient: Patient) -> None:
    """A demo loaded long ago has old weights: weigh again so today's order may be made."""
    weighing = plan_weighing(patient.pk)
    age_days = (timezone.localdate() - weighing.measured_on).days
    if age_days > default_clinic_policy().weight_max_age_days.value:
        patients.record_measurement(nurse, patient.pk, {"weight_kg": weighing.weight_kg})
