"""What must hold before a plan is signed or an order made, beyond the dose itself: a current
screening decision, the required test results within their validity windows, the follow-up
liver tests after a long or repeated regimen, and the cumulative exposure limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ketaclinic.protocols import Protocol
from ketaclinic.protocols.exposure import ExposureCheck, check_exposure, exposure_window
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.results.services import latest_taken_on, taken_after
from ketaclinic.records.toolkit import local_date, local_today
from ketaclinic.screening.currency import decision_expired
from ketaclinic.screening.lab_tests import (
    FollowUpLft,
    TestGap,
    follow_up_lft,
    gaps,
    lab_catalog,
    required_results,
)

from .calculation import protocol_for
from .common import plan_today, plan_zone
from .models import Order, Screening, TreatmentPlan
from .screening import plan_allowing_decision


def test_gaps(patient_id: int, protocol: Protocol, on: date) -> tuple[TestGap, ...]:
    """Required results that are missing or too old on ``on``: those the latest screening asks
    for (an ECG, liver tests) and the protocol's baseline liver tests."""
    latest = Screening.objects.filter(patient_id=patient_id).first()
    asked = [t["test"] for t in latest.result.get("required_tests", [])] if latest else []
    required = required_results(asked, protocol.baseline_lfts)
    return gaps(required, latest_taken_on(patient_id), on)


def refuse_unless_ready_to_sign(patient_id: int, protocol: Protocol) -> None:
    """Plan signing: a current screening decision that allows a plan, and current results."""
    zone = plan_zone(patient_id)
    today = local_today(zone)
    decision = plan_allowing_decision(patient_id)
    problems = [decision_expired(local_date(decision.decided_at, zone), today)]
    problems += [f"{gap.label}: {gap.reason}" for gap in test_gaps(patient_id, protocol, today)]
    _refuse(problems)


def order_days(patient_id: int, before: date, days: int) -> dict[date, float]:
    """Ordered mg per session day in the ``days`` before ``before`` (latest order of each day)."""
    by_day: dict[date, float] = {}
    rows = Order.objects.filter(
        patient_id=patient_id, session_on__gte=before - timedelta(days=days), session_on__lt=before
    ).order_by("id")
    for day, dose_mg in rows.values_list("session_on", "dose_mg"):
        by_day[day] = dose_mg
    return by_day


def follow_up_due(patient_id: int, protocol: Protocol, on: date) -> FollowUpLft | None:
    """The follow-up liver test a long or repeated regimen calls for, if not yet taken."""
    window = int(exposure_window().value)
    earlier = order_days(patient_id, on, window)
    last = max(earlier, default=None)
    due = follow_up_lft(
        session_duration_min=protocol.duration_min.value,
        infusions_in_12_months=len(earlier),
        last_infusion_on=last,
    )
    if due is None or last is None:
        return None
    tests = lab_catalog().follow_up_lft.tests
    return None if set(tests) <= taken_after(patient_id, tests, last) else due


def refuse_unless_ready_to_order(patient_id: int, protocol: Protocol, on: date) -> None:
    """Orders: the screening decision still current, required results current on the session
    day, and an overdue follow-up liver test taken."""
    decision = plan_allowing_decision(patient_id)
    problems = [decision_expired(local_date(decision.decided_at, plan_zone(patient_id)), on)]
    problems += [f"{gap.label}: {gap.reason}" for gap in test_gaps(patient_id, protocol, on)]
    due = follow_up_due(patient_id, protocol, on)
    if due is not None and due.due_by < on:
        problems.append(f"{due.reason}, due by {due.due_by.isoformat()} ({due.source})")
    _refuse(problems)


def exposure_for_order(
    actor: Actor, patient_id: int, protocol: Protocol, on: date, dose_mg: float, reason: str
) -> ExposureCheck:
    """Cumulative exposure with the new order: refused past a hard limit; past a soft limit
    only with a physician's reason (``exposure_override_reason``)."""
    window = int(exposure_window().value)
    earlier = order_days(patient_id, on, window)
    checked = check_exposure(protocol.id, earlier.items(), on, dose_mg)
    if checked.level == "hard":
        raise Conflict("; ".join(checked.reasons))
    if checked.level == "soft" and not (reason.strip() and actor.role == "physician"):
        raise InvalidInput.single(
            "exposure_override_reason",
            "; ".join(checked.reasons) + " (a physician gives it)",
        )
    return checked


def _refuse(problems: list[str | None]) -> None:
    found = [p for p in problems if p]
    if found:
        raise Conflict("; ".join(found))


def plan_protocol_id(patient_id: int) -> str | None:
    """The protocol of the patient's current plan, else of their latest draft (internal: the
    caller authorizes and audits its own read)."""
    plans = TreatmentPlan.objects.filter(patient_id=patient_id)
    plan = plans.current().first() or plans.filter(signature__isnull=True).order_by("-id").first()
    return plan.protocol_id if plan is not None else None


@dataclass(frozen=True)
class Prerequisites:
    """What the chart shows about results before the next plan or order."""

    protocol_id: str | None
    gaps: tuple[TestGap, ...]
    follow_up: FollowUpLft | None


def prerequisites_for(actor: Actor, patient_id: int) -> Prerequisites:
    """Missing or stale required results and a due follow-up liver test, for the protocol of
    the patient's plan (none without a plan)."""
    authorize(actor, Action.RESULT_VIEW, patient_id=patient_id)
    protocol_id = plan_protocol_id(patient_id)
    if protocol_id is None:
        return Prerequisites(None, (), None)
    protocol = protocol_for(protocol_id)
    today = plan_today(patient_id)
    return Prerequisites(
        protocol_id,
        test_gaps(patient_id, protocol, today),
        follow_up_due(patient_id, protocol, today),
    )
