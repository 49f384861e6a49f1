"""The demo sessions: the plans' demo patient checked in for today's verified order at the first
chair, with vital signs and the confirmations taken and the dose drawn from the demo ledger for
the session (so that the live board shows a patient and a demo user can carry the session on),
and one completed session of a second demo patient that passed every gate, so that the outcome
screens have an infusion to show (its bag is recorded as prepared by the pharmacy: no draw).

Orders are only made for today, so the completed session is today's too: it is charted through
the services with the times it happened (check-in 2 h 30 min ago, as a nurse enters a late
entry, each with its reason), and every rule holds as for any session; no rule is relaxed.
When the clinic's day is younger than that (just after midnight), it is left for a later run.

Idempotent: an order with a session is left alone, and a demo patient who has been
discharged gets no second completed session.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_UP, Decimal
from typing import Any

from django.utils import timezone

from ketaclinic.records.alerts.models import Alert, Severity
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.context import Actor
from ketaclinic.records.ledger.quantities import ML_STEP
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.plans.demo import eligible, order_today
from ketaclinic.records.plans.demo_consent import load_consent_and_results, signed
from ketaclinic.records.plans.models import Order, Screening
from ketaclinic.records.toolkit import local_today
from ketaclinic.sessions import Command, State, session_rules

from . import checklist, flowsheet, lifecycle, scores, signing, supply
from .models import Session, Transition

GOOD_VITALS = {
    "sbp_mm_hg": 122,
    "dbp_mm_hg": 78,
    "heart_rate_per_min": 72,
    "spo2_percent": 98,
    "resp_rate_per_min": 14,
}
# The completed session, in minutes after check-in.
COMPLETED_AGO_MIN = 150
ALDRETE_READY = dict.fromkeys(
    ("activity", "respiration", "circulation", "consciousness", "oxygen_saturation"), 2
)
CADSS6_ITEMS = ("cadss_1", "cadss_2", "cadss_6", "cadss_7", "cadss_15", "cadss_22")
LATE = "demo: charted from the paper flowsheet"


def load_sessions(
    nurse: Actor, physician: Actor, location_slug: str, passwords: Mapping[str, str]
) -> Session | None:
    """Check in the demo patient with today's order (once); complete one session (once)."""
    location = Location.objects.get(slug=location_slug)
    chairs = list(location.chairs.filter(active=True).order_by("name"))
    chair = chairs[1] if len(chairs) > 1 else None
    _completed_session(nurse, physician, location, chair, passwords)
    today = local_today(location.zone)
    order = (
        Order.objects.with_status()  # verified: today's visit booked by demo_today waits
        .filter(session_on=today, patient__mrn__startswith="DEMO-", is_verified=True)
        .exclude(sessions__isnull=False)
        .order_by("id")
        .first()
    )
    if order is None:
        return None
    session = lifecycle.open_session(
        nurse,
        {
            "order_id": order.pk,
            "location_id": location.pk,
            "chair_id": chairs[0].pk if chairs else None,
        },
    )
    lifecycle.transition(nurse, session.pk, {"command": Command.CHECK_IN})
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    for item in session_rules().pre_checks.confirmations:
        if item.applies_to(session.patient.sex):
            checklist.confirm(nurse, session.pk, {"kind": item.kind})
    _draw_the_dose(nurse, session)
    return session


def _draw_the_dose(nurse: Actor, session: Session) -> None:
    """Draw the order's dose (rounded up to the next 0.001 mL) from the first stocked lot of
    the ordered drug at the location, if the demo ledger holds one."""
    drug = supply.ordered_drug(session)
    stocked = [b for b in supply.supply_for(session).stock if b.lot.product.drug == drug]
    if not stocked:
        return
    balance = stocked[0]
    strength = balance.lot.product.strength_mg_per_ml
    volume_ml = (Decimal(str(session.order.dose_mg)) / strength).quantize(ML_STEP, ROUND_UP)
    supply.draw_for_session(
        nurse,
        session.pk,
        {"storage_id": balance.storage_id, "lot_id": balance.lot_id, "volume_ml": volume_ml},
    )


def _completed_session(
    nurse: Actor,
    physician: Actor,
    location: Location,
    chair: Chair | None,
    passwords: Mapping[str, str],
) -> Session | None:
    demo = Patient.objects.filter(mrn__startswith="DEMO-")
    if Transition.objects.filter(session__patient__in=demo, to_state=State.DISCHARGED).exists():
        return None
    now = timezone.now()
    checked_in = now - timedelta(minutes=COMPLETED_AGO_MIN)
    if (
        timezone.localtime(checked_in, location.zone).date()
        != timezone.localtime(now, location.zone).date()
    ):
        return None
    screened = Screening.objects.values_list("patient_id", flat=True)
    alarmed = Alert.objects.filter(severity=Severity.URGENT, acknowledgement__isnull=True)
    candidates = demo.exclude(pk__in=screened).exclude(
        pk__in=alarmed.values_list("patient_id", flat=True)
    )
    patient = next((p for p in candidates.order_by("mrn") if eligible(p, after_review=True)), None)
    if patient is None:
        return None
    order = order_today(physician, nurse, patient, passwords)
    load_consent_and_results(physician, passwords)  # the consent the start asks for
    session = lifecycle.open_session(
        nurse,
        {"order_id": order.pk, "location_id": location.pk, "chair_id": chair.pk if chair else None},
    )
    _chart(nurse, session, order, checked_in)
    signing.sign_session(nurse, session.pk, signed(nurse, passwords))
    return session


def _chart(nurse: Actor, session: Session, order: Order, checked_in: datetime) -> None:
    """A session that passed every gate: vitals on the schedule, the scores and
    confirmations, pump settings as ordered, discharge after the observation."""
    rules = session_rules()
    sid = session.pk

    def at(minutes: float) -> datetime:
        return checked_in + timedelta(minutes=minutes)

    def go(command: str, minutes: float, **extra: Any) -> None:
        lifecycle.transition(nurse, sid, {"command": command, "at": at(minutes), **extra})

    def vitals(minutes: float) -> None:
        flowsheet.record_vitals(nurse, sid, {**GOOD_VITALS, "at": at(minutes), "late_reason": LATE})

    def score(instrument: str, answers: Mapping[str, Any], minutes: float) -> None:
        data = {"instrument": instrument, "answers": dict(answers), "at": at(minutes)}
        scores.record_score(nurse, sid, data)

    def confirm(items: tuple[Any, ...], minutes: float) -> None:
        for item in items:
            if item.applies_to(session.patient.sex):
                checklist.confirm(nurse, sid, {"kind": item.kind, "at": at(minutes)})

    start, end = 10, 10 + order.duration_min
    done = end + session.observation_min
    go(Command.CHECK_IN, 0)
    vitals(2)
    score("nrs_pain_now", {"nrs_pain_now": 6}, 3)
    score("nrs_pain_average", {"nrs_pain_average": 6}, 3)
    confirm(rules.pre_checks.confirmations, 4)
    go(Command.COMPLETE_PRE_CHECKS, 5)
    go(Command.VERIFY_DOSE, 7)
    supply.waive_draw(nurse, sid, {"reason": "demo: bag prepared and accounted by the pharmacy"})
    pump = {"rate_ml_per_h": order.rate_ml_per_h, "vtbi_ml": order.volume_ml}
    go(Command.START_INFUSION, start, **(pump if order.rate_ml_per_h else {}))
    for minutes in range(start + 15, int(end), 15):
        vitals(minutes)
    score("cadss6", dict.fromkeys(CADSS6_ITEMS, 1), start + 20)
    vitals(end)
    volume = {"volume_infused_ml": order.volume_ml} if order.rate_ml_per_h else {}
    go(Command.END_INFUSION, end, **volume)
    score("cadss6", dict.fromkeys(CADSS6_ITEMS, 1), end + 2)
    go(Command.START_RECOVERY, end + 3)
    for minutes in range(15, int(session.observation_min) + 1, 15):
        vitals(end + minutes)
    score("cadss6", dict.fromkeys(CADSS6_ITEMS, 0), done)
    score(rules.discharge.aldrete_instrument, ALDRETE_READY, done)
    score("nrs_pain_now", {"nrs_pain_now": 3}, done)
    confirm(rules.discharge.confirmations, done)
    go(Command.DISCHARGE, done + 1)
