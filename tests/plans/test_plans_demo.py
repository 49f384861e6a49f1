"""The demo clinic's plan: a screened eligible patient, a signed seed-regimen plan, one
verified order; loading again writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.demo import load_demo
from ketaclinic.records.plans.models import Order, Screening, TreatmentPlan
from ketaclinic.records.plans.orders import order_is_verified


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_has_a_signed_plan_and_a_verified_order(db: Any, var_dir: Path) -> None:
    load_demo()
    # The first eligible patient; the sessions demo plans a second one (after review), and the
    # day's demo more (sessions/demo_today.py).
    screening = (
        Screening.objects.select_related("decision", "patient")
        .filter(outcome="eligible")
        .order_by("patient__mrn")
        .first()
    )
    assert screening is not None
    assert (screening.outcome, screening.decision.decision) == ("eligible", "eligible")
    plan = TreatmentPlan.objects.with_status().get(patient=screening.patient)
    assert (plan.protocol_id, plan.status) == ("ketamine-iv-0.5mgkg-40min", "current")
    assert plan.patient_id == screening.patient_id
    order = Order.objects.get(patient=screening.patient)
    assert order_is_verified(order)
    rows = (Screening.objects.count(), TreatmentPlan.objects.count(), Order.objects.count())
    audit_entries = AuditEvent.objects.count()
    load_demo()
    assert (Screening.objects.count(), TreatmentPlan.objects.count(), Order.objects.count()) == rows
    assert AuditEvent.objects.count() == audit_entries


def test_demo_patient_with_the_plan_has_a_signed_consent_and_a_result(
    db: Any, var_dir: Path
) -> None:
    from django.utils import timezone

    from ketaclinic.records.consents.models import Consent
    from ketaclinic.records.consents.services import consent_state
    from ketaclinic.records.results.models import TestResult

    load_demo()
    plans = list(TreatmentPlan.objects.current())
    assert plans  # the plan of the checked-in patient, of the completed session, of today's
    for plan in plans:
        consent = Consent.objects.select_related("countersignature").get(
            patient_id=plan.patient_id, protocol_id=plan.protocol_id
        )
        assert consent_state(consent, timezone.localdate()) == "current"
        assert TestResult.objects.filter(patient_id=plan.patient_id).exists()
    counts = (Consent.objects.count(), TestResult.objects.count())
    load_demo()
    assert (Consent.objects.count(), TestResult.objects.count()) == counts
