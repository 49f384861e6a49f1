"""The gates a session step must pass: each is a name (a key of the session rules' ``[gates]``
table, with its label and source), the field a face points to, and a check that returns what
is missing in words, or None. A gate a physician has overridden (``overrides.py``) no longer
stops its step.

A new gate is one ``Gate(...)`` line in the step's tuple below plus its entry in the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.utils import timezone

from ketaclinic.records.alerts.models import Alert, Severity
from ketaclinic.records.consents.checks import consent_missing
from ketaclinic.records.errors import Conflict, FieldError
from ketaclinic.sessions import (
    Blocker,
    Command,
    DissociationFacts,
    Gap,
    Phase,
    State,
    Timeline,
    aldrete_below_floor,
    dissociation_problems,
    missing_vitals,
    required_confirmations,
    session_rules,
    vitals_findings,
    vitals_out_of_limits,
)
from ketaclinic.sessions.rules import VITAL_QUANTITIES

from .models import Confirmation, GateOverride, Session, VitalSigns
from .readiness import session_assessments
from .supply import allergy_finding, sign_finding, start_finding

SIGN = "sign"
CADSS6 = "cadss6"


@dataclass
class StepFacts:
    """What the gates of one step read, each read once when first needed."""

    session: Session
    timeline: Timeline
    at: datetime
    """When the step happens (discharge time, start time)."""

    def local(self, moment: datetime) -> datetime:
        return timezone.localtime(moment, self.session.location.zone)

    @cached_property
    def vitals(self) -> list[VitalSigns]:
        return list(VitalSigns.objects.current().filter(session=self.session).order_by("at", "id"))

    def latest_vitals(self, phase: Phase | None = None) -> VitalSigns | None:
        rows = [row for row in self.vitals if phase is None or row.phase == phase]
        return rows[-1] if rows else None


def values_of(vitals: VitalSigns) -> dict[str, float]:
    return {name: float(getattr(vitals, name)) for name in VITAL_QUANTITIES}


def _urgent_vitals(facts: StepFacts) -> str | None:
    latest = facts.latest_vitals(Phase.PRE_INFUSION)
    if latest is None:
        return "record a set of vital signs before the infusion"
    urgent = [
        finding.message
        for finding in vitals_findings(values_of(latest), Phase.PRE_INFUSION, session_rules())
        if finding.severity == Severity.URGENT
    ]
    if not urgent:
        return None
    return (
        f"the latest vital signs ({facts.local(latest.at):%H:%M}) breach an urgent limit: "
        f"{'; '.join(urgent)}; recheck and record a new set"
    )


def _urgent_alerts(facts: StepFacts) -> str | None:
    open_urgent = Alert.objects.filter(
        patient_id=facts.session.patient_id,
        severity=Severity.URGENT,
        acknowledgement__isnull=True,
    ).order_by("raised_at", "id")
    messages = [alert.message for alert in open_urgent[:5]]
    if not messages:
        return None
    return f"open urgent alert(s) of the patient: {'; '.join(messages)}"


def _confirmations(facts: StepFacts) -> str | None:
    confirmed = set(
        Confirmation.objects.filter(session=facts.session).values_list("kind", flat=True)
    )
    rules = session_rules()
    missing = [
        item.label
        for item in required_confirmations(
            rules.pre_checks.confirmations, facts.session.patient.sex
        )
        if item.kind not in confirmed
    ]
    return f"confirm: {'; '.join(missing)}" if missing else None


def _monitoring(facts: StepFacts) -> str | None:
    started, ended = facts.timeline.infusion_started_at, facts.timeline.infusion_ended_at
    if started is None or ended is None:
        return None
    missing = missing_vitals(
        [facts.local(row.at) for row in facts.vitals],
        facts.local(started),
        facts.local(ended),
        facts.local(facts.at),
        facts.session.vitals_interval_min,
        session_rules(),
    )
    return f"vital signs missing: {'; '.join(missing)}" if missing else None


def _last_vitals(facts: StepFacts) -> str | None:
    latest = facts.latest_vitals()
    if latest is None:
        return "record a set of vital signs before discharge"
    outside = vitals_out_of_limits(values_of(latest), Phase.POST_INFUSION, session_rules())
    if not outside:
        return None
    return (
        f"the last vital signs ({facts.local(latest.at):%H:%M}) are outside limits: "
        f"{', '.join(outside)}; recheck"
    )


def _aldrete_floors(facts: StepFacts) -> str | None:
    ended = facts.timeline.infusion_ended_at
    rules = session_rules()
    latest = (
        session_assessments(facts.session, Phase.POST_INFUSION)
        .filter(instrument_id=rules.discharge.aldrete_instrument, valid=True)
        .filter(completed_at__gte=ended)
        .order_by("-completed_at", "-id")
        .first()
        if ended
        else None
    )
    if latest is None:
        return None  # the discharge criteria already ask for the score
    below = aldrete_below_floor(latest.answers, rules)
    return f"Modified Aldrete: {'; '.join(below)}" if below else None


def _dissociation(facts: StepFacts) -> str | None:
    ended = facts.timeline.infusion_ended_at
    if ended is None:
        return None
    scores = session_assessments(facts.session).filter(instrument_id=CADSS6, valid=True)
    baseline = (
        scores.filter(infusion_session__phase=Phase.PRE_INFUSION)
        .order_by("-completed_at", "-id")
        .values_list("total", flat=True)
        .first()
    )
    after = scores.filter(completed_at__gte=ended).values_list("completed_at", "total")
    problems = dissociation_problems(
        DissociationFacts(
            ended_at=ended,
            discharge_at=facts.at,
            baseline=baseline,
            scores=[(at, float(total)) for at, total in after if total is not None],
        ),
        session_rules(),
    )
    return "; ".join(problems) if problems else None


@dataclass(frozen=True)
class Gate:
    name: str
    field: str
    """Where the missing record is made (a flowsheet section)."""
    check: Callable[[StepFacts], str | None]


GATES: dict[str, tuple[Gate, ...]] = {
    Command.START_INFUSION: (
        Gate("start.urgent_vitals", "vitals", _urgent_vitals),
        Gate("start.urgent_alerts", "alerts", _urgent_alerts),
        Gate("start.confirmations", "confirm", _confirmations),
        Gate("start.allergy", "allergies", lambda facts: allergy_finding(facts.session)),
        Gate("start.draw", "draw", lambda facts: start_finding(facts.session)),
        Gate("start.consent", "consent", lambda facts: consent_missing(facts.session)),
    ),
    Command.DISCHARGE: (
        Gate("discharge.monitoring", "vitals", _monitoring),
        Gate("discharge.last_vitals", "vitals", _last_vitals),
        Gate("discharge.aldrete_floors", "score", _aldrete_floors),
        Gate("discharge.dissociation", "score", _dissociation),
    ),
    SIGN: (Gate("sign.ledger_balanced", "draw", lambda facts: sign_finding(facts.session)),),
}
BY_NAME = {gate.name: gate for gates in GATES.values() for gate in gates}


def _blocker(gate: Gate, facts: StepFacts) -> Blocker | None:
    message = gate.check(facts)
    if message is None:
        return None
    return Blocker(gate.name, gate.field, message, session_rules().gates[gate.name].source)


def blockers(step: str, session: Session, timeline: Timeline, at: datetime) -> list[Blocker]:
    """What stops ``step`` now: the gates that fail and are not overridden."""
    gates = GATES.get(step, ())
    if not gates:
        return []
    lifted = set(GateOverride.objects.filter(session=session).values_list("gate", flat=True))
    facts = StepFacts(session, timeline, at)
    found = (_blocker(gate, facts) for gate in gates if gate.name not in lifted)
    return [blocker for blocker in found if blocker is not None]


def blocker_of(name: str, session: Session, timeline: Timeline, at: datetime) -> Blocker | None:
    """What gate ``name`` says now (None when it passes or has no check here)."""
    gate = BY_NAME.get(name)
    return _blocker(gate, StepFacts(session, timeline, at)) if gate else None


def next_step(state: State) -> str | None:
    """The gated step a session in ``state`` comes to next."""
    return {
        State.CHECKED_IN: Command.START_INFUSION,
        State.PRE_CHECKS_DONE: Command.START_INFUSION,
        State.DOSE_VERIFIED: Command.START_INFUSION,
        State.RECOVERY: Command.DISCHARGE,
        State.DISCHARGED: SIGN,
        State.CANCELLED: SIGN,
    }.get(state)


STEP_LABELS = {
    Command.COMPLETE_PRE_CHECKS: "pre-infusion checks",
    Command.START_INFUSION: "infusion start",
    Command.DISCHARGE: "discharge",
    SIGN: "signature",
}


class Blocked(Conflict):
    """A step refused for what is missing: the criteria (``gaps``, to be recorded) and the
    gates (``blockers``, to be recorded or overridden by a physician). ``errors`` names each:
    a gap by its field, a gate by its name."""

    def __init__(self, step: str, gaps: Sequence[Gap], found: Sequence[Blocker]) -> None:
        self.step = step
        self.gaps = list(gaps)
        self.blockers = list(found)
        self.errors = [FieldError(gap.field, gap.message) for gap in self.gaps] + [
            FieldError(blocker.gate, blocker.message) for blocker in self.blockers
        ]
        what = "; ".join(error.message for error in self.errors)
        super().__init__(f"{STEP_LABELS.get(step, step)} not complete: {what}")


def refuse_unless_clear(
    step: str, session: Session, timeline: Timeline, at: datetime, gaps: Sequence[Gap] = ()
) -> None:
    """Raise ``Blocked`` when the criteria have gaps or a gate of ``step`` stops it."""
    found = blockers(step, session, timeline, at)
    if gaps or found:
        raise Blocked(step, gaps, found)
