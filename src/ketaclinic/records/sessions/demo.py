"""Demo sessions, and ``walk``: a session taken through its lifecycle with plausible entries
(used by the demo loader and by tests). Idempotent: an order with a session is left alone.

Orders cannot be made for past days, so the demo's sessions are today's: the plans' demo
patient is discharged and the record signed (when the day is long enough for the backdated
times), and a second patient is infusing on the live board.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.plans import orders, screening
from ketaclinic.records.plans import services as plans
from ketaclinic.records.plans.inputs import ScreeningIn
from ketaclinic.records.plans.models import Order, Screening
from ketaclinic.screening import screen
from ketaclinic.sessions import State, session_rules

from . import checklist, flowsheet, lifecycle, scores, signing
from .common import load_timeline
from .lifecycle import uses_pump
from .models import Session

SEED_PROTOCOL = "ketamine-iv-0.5mgkg-40min"
PRE_MIN, START_MIN = 5, 10  # pre-checks done, infusion started (minutes after check-in)
GOOD_VITALS = {
    "sbp_mm_hg": 122,
    "dbp_mm_hg": 78,
    "heart_rate_per_min": 72,
    "spo2_percent": 98,
    "resp_rate_per_min": 14,
}
ALDRETE_READY = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "oxygen_saturation": 2,
}
CADSS6_MILD = {f"cadss_{n}": 1 for n in (1, 2, 6, 7, 15, 22)}


def minutes_to_discharge(session: Session) -> float:
    """How long ``walk`` needs from check-in to discharge (infusion plus observation)."""
    return START_MIN + session.order.duration_min + session.observation_min + 2


def walk(nurse: Actor, session_id: int, until: State, start: datetime) -> Session:
    """Take the session from its state to ``until`` (a state on the way to discharge), with
    check-in at ``start`` and each step at a plausible time after it. The order must be
    verified before the dose is."""
    session = Session.objects.select_related("order", "patient").get(pk=session_id)
    order = session.order
    end_min = START_MIN + order.duration_min

    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    def go(command: str, minutes: float, **extra: Any) -> None:
        lifecycle.transition(nurse, session_id, {"command": command, "at": at(minutes), **extra})

    def pre_checks() -> None:
        checklist.record_weight(nurse, session_id, {"weight_kg": order.weight_kg})
        flowsheet.record_vitals(nurse, session_id, {**GOOD_VITALS, "at": at(2)})
        _pain(nurse, session_id, 6, at(3))
        for item in session_rules().pre_checks.confirmations:
            if item.applies_to(session.patient.sex):
                checklist.confirm(nurse, session_id, {"kind": item.kind, "at": at(4)})
        screen_for_repeat = dict.fromkeys(("urgency", "frequency", "dysuria"), False)
        flowsheet.record_urinary_screen(
            nurse, session_id, {**screen_for_repeat, "haematuria": False, "at": at(4)}
        )
        go("complete_pre_checks", PRE_MIN)

    def infusion() -> None:
        for minutes in range(15, int(order.duration_min), 15):
            flowsheet.record_vitals(
                nurse, session_id, {**GOOD_VITALS, "at": at(START_MIN + minutes)}
            )
        scores.record_score(
            nurse, session_id, {"instrument": "cadss6", "answers": CADSS6_MILD, "at": at(25)}
        )
        volume = {"volume_infused_ml": order.volume_ml} if uses_pump(session) else {}
        go("end_infusion", end_min, **volume)

    def recovery() -> None:
        done = end_min + session.observation_min
        flowsheet.record_vitals(nurse, session_id, {**GOOD_VITALS, "at": at(end_min + 15)})
        scores.record_score(
            nurse, session_id, {"instrument": "aldrete", "answers": ALDRETE_READY, "at": at(done)}
        )
        _pain(nurse, session_id, 4, at(done))
        for item in session_rules().discharge.confirmations:
            checklist.confirm(nurse, session_id, {"kind": item.kind, "at": at(done)})
        go("discharge", done + 1)

    pump = (
        {"rate_ml_per_h": order.rate_ml_per_h, "vtbi_ml": order.volume_ml}
        if uses_pump(session)
        else {}
    )
    steps: list[tuple[State, Callable[[], None]]] = [
        (State.CHECKED_IN, lambda: go("check_in", 0)),
        (State.PRE_CHECKS_DONE, pre_checks),
        (State.DOSE_VERIFIED, lambda: go("verify_dose", PRE_MIN + 2)),
        (State.INFUSING, lambda: go("start_infusion", START_MIN, **pump)),
        (State.INFUSION_ENDED, infusion),
        (State.RECOVERY, lambda: go("start_recovery", end_min + 1)),
        (State.DISCHARGED, recovery),
    ]
    order_of = [state for state, _ in steps]
    state = load_timeline(session).state
    for reached, step in steps:
        if state == until:
            break
        if state == State.SCHEDULED or order_of.index(reached) > order_of.index(state):
            step()
            state = reached
    return session


def _pain(nurse: Actor, session_id: int, value: int, at: datetime) -> None:
    answers = {"nrs_pain_average": value}
    scores.record_score(
        nurse, session_id, {"instrument": "nrs_pain_average", "answers": answers, "at": at}
    )


def load_sessions(physician: Actor, nurse: Actor, location_slug: str) -> None:
    """Today's demo sessions: the plans' demo patient discharged and signed, another patient
    infusing (each only if its order has no session yet)."""
    location = Location.objects.get(slug=location_slug)
    now = timezone.now()
    chairs = list(location.chairs.filter(active=True).order_by("name"))
    today = timezone.localtime(now, location.zone).date()
    first = (
        Order.objects.filter(session_on=today, patient__mrn__startswith="DEMO-")
        .order_by("id")
        .first()
    )
    if first is not None and not Session.objects.filter(order=first).exists():
        session = _open(nurse, first, location, chairs[0] if chairs else None)
        start = now - timedelta(minutes=minutes_to_discharge(session) + 5)
        if timezone.localtime(start, location.zone).date() == today:
            walk(nurse, session.pk, State.DISCHARGED, start)
            signing.sign_session(nurse, session.pk)
        else:
            walk(nurse, session.pk, State.CHECKED_IN, now)
    second = _second_patient(first)
    if second is None:
        return
    order = _verified_order(physician, nurse, second)
    if Session.objects.filter(order=order).exists():
        return
    session = _open(nurse, order, location, chairs[1] if len(chairs) > 1 else None)
    start = now - timedelta(minutes=START_MIN + 12)
    if timezone.localtime(start, location.zone).date() == today:
        walk(nurse, session.pk, State.INFUSING, start)


def _open(nurse: Actor, order: Order, location: Location, chair: Any) -> Session:
    return lifecycle.open_session(
        nurse,
        {
            "order_id": order.pk,
            "location_id": location.pk,
            "chair_id": chair.pk if chair else None,
        },
    )


def _second_patient(first: Order | None) -> Patient | None:
    """The next demo patient the screening rules find eligible, other than the first."""
    facts = ScreeningIn(pregnant=False, protocol=SEED_PROTOCOL)
    for patient in Patient.objects.filter(mrn__startswith="DEMO-").order_by("mrn"):
        if first is not None and patient.pk == first.patient_id:
            continue
        if screen(screening.screening_input(patient, facts)).outcome == "eligible":
            return patient
    return None


def _verified_order(physician: Actor, nurse: Actor, patient: Patient) -> Order:
    """Today's verified order for ``patient`` on the seed regimen (made once)."""
    existing = Order.objects.filter(patient=patient, session_on=timezone.localdate()).first()
    if existing is not None:
        return existing
    if not Screening.objects.filter(patient=patient).exists():
        found = screening.run_screening(physician, patient.pk, {"pregnant": False})
        screening.decide(physician, found.pk, {"decision": "eligible", "note": "Demo."})
    plan = plans.current_plan(patient.pk)
    if plan is None:
        draft = plans.draft_plan(physician, patient.pk, {"protocol": SEED_PROTOCOL})
        plan = plans.sign_plan(physician, draft.pk, {})
    order = orders.create_order(nurse, plan.pk, {"session_on": timezone.localdate()})
    numbers = {
        "dose_mg": order.dose_mg,
        "volume_ml": order.volume_ml,
        "rate_ml_per_h": order.rate_ml_per_h,
    }
    orders.prepare_order(nurse, order.pk, numbers)
    orders.verify_order(physician, order.pk, numbers)
    return order
