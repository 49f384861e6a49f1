"""Taking a session through its lifecycle with plausible entries, for the session tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ketaclinic.records.context import Actor
from ketaclinic.records.sessions import checklist, flowsheet, lifecycle, scores, supply
from ketaclinic.records.sessions.common import load_timeline
from ketaclinic.records.sessions.demo import GOOD_VITALS
from ketaclinic.records.sessions.lifecycle import uses_pump
from ketaclinic.records.sessions.models import Session
from ketaclinic.sessions import State, session_rules

PRE_MIN, START_MIN = 5, 10  # pre-checks done, infusion started (minutes after check-in)
ALDRETE_READY = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "oxygen_saturation": 2,
}
CADSS6_MILD = {f"cadss_{n}": 1 for n in (1, 2, 6, 7, 15, 22)}
CADSS6_NONE = dict.fromkeys(CADSS6_MILD, 0)
# The walk charts everything at once, after the fact: each set of vitals says so.
LATE = {"late_reason": "charted after the fact"}
PAIN_NOW = "nrs_pain_now"  # the pain score before and after the infusion
PAIN_AVERAGE = "nrs_pain_average"  # the past 24 hours, asked before the infusion too


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

    def vitals(minutes: float) -> None:
        flowsheet.record_vitals(nurse, session_id, {**GOOD_VITALS, **LATE, "at": at(minutes)})

    def cadss6(answers: dict[str, int], minutes: float) -> None:
        scores.record_score(
            nurse, session_id, {"instrument": "cadss6", "answers": answers, "at": at(minutes)}
        )

    def go(command: str, minutes: float, **extra: Any) -> None:
        lifecycle.transition(nurse, session_id, {"command": command, "at": at(minutes), **extra})

    def pre_checks() -> None:
        checklist.record_weight(nurse, session_id, {"weight_kg": order.weight_kg})
        vitals(2)
        _pain(nurse, session_id, 6, at(3))
        _pain(nurse, session_id, 5, at(3), PAIN_AVERAGE)
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
            vitals(START_MIN + minutes)
        cadss6(CADSS6_MILD, 25)
        vitals(end_min)
        volume = {"volume_infused_ml": order.volume_ml} if uses_pump(session) else {}
        go("end_infusion", end_min, **volume)
        cadss6(CADSS6_MILD, end_min + 0.5)

    done = end_min + session.observation_min

    def start_recovery() -> None:
        go("start_recovery", end_min + 1)
        # The sets due every 15 min and the CADSS-6 before discharge, those already past.
        for minutes in range(15, int(session.observation_min) + 1, 15):
            if at(end_min + minutes) < timezone.now():
                vitals(end_min + minutes)
        if at(done) < timezone.now():
            cadss6(CADSS6_NONE, done)

    def recovery() -> None:
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
        (
            State.INFUSING,
            lambda: _start(nurse, session, lambda: go("start_infusion", START_MIN, **pump)),
        ),
        (State.INFUSION_ENDED, infusion),
        (State.RECOVERY, start_recovery),
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


def _start(nurse: Actor, session: Session, start: Callable[[], None]) -> None:
    """The start needs a draw for the session or the reason there is none: these tests have
    no ledger stock, so the bag comes from elsewhere (unless a test drew already)."""
    if supply.start_finding(session) is not None:
        supply.waive_draw(nurse, session.pk, {"reason": "Bag prepared by the hospital pharmacy"})
    start()


def _pain(
    nurse: Actor, session_id: int, value: int, at: datetime, instrument: str = PAIN_NOW
) -> None:
    answers = {instrument: value}
    scores.record_score(nurse, session_id, {"instrument": instrument, "answers": answers, "at": at})
