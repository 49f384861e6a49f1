"""A patient's outcomes ("is it working?"), the physician's booster decision and drop-outs.

Every read is permission-checked and audited; the screen's data comes from a fixed number of
queries (the patient, all of their outcome scores in one, the plan's protocol, the decisions
and drop-outs), whatever the length of the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.instruments import Definition
from ketaclinic.outcomes import (
    InfusionEvent,
    PatientOutcome,
    ScorePoint,
    assess_patient,
    outcome_rules,
)
from ketaclinic.protocols import Protocol, get_protocol
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import atomic_or, audits_refusals, validate

from . import infusions
from .inputs import BoosterDecisionIn, DiscontinuationIn
from .models import BoosterReview, Discontinuation
from .queries import current
from .queue import outcome_changed

REVIEWS_SHOWN = 5


@dataclass(frozen=True)
class PatientOutcomes:
    patient: Patient
    outcome: PatientOutcome
    protocol: Protocol | None
    definitions: dict[str, Definition]
    reviews: list[BoosterReview]
    """The latest booster decisions, newest first."""
    discontinuations: list[Discontinuation]
    """Current drop-out records, newest first."""
    evidence_at: datetime | None
    """The later of the last infusion and the pain score the booster rule read."""

    @property
    def booster_pending(self) -> bool:
        """A booster is due and no physician has decided on this evidence yet."""
        return self.outcome.booster.due and not any(
            review.evidence_at == self.evidence_at for review in self.reviews
        )

    def title(self, instrument_id: str) -> str:
        definition = self.definitions.get(instrument_id)
        return definition.title if definition else instrument_id

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for the API."""
        outcome = self.outcome
        durability = outcome.durability
        booster = outcome.booster
        return {
            "patient_id": self.patient.pk,
            "protocol_id": self.protocol.id if self.protocol else None,
            "rules": outcome.rules.as_dict(),
            "trajectories": [
                {
                    "instrument_id": t.instrument_id,
                    "title": self.title(t.instrument_id),
                    "baseline": t.baseline.total if t.baseline else None,
                    "latest": t.latest.total if t.latest else None,
                    "change_points": change.points if (change := t.change()) else None,
                    "percent_fall": change.percent_fall if change else None,
                    "points": [
                        {
                            "assessment_id": p.assessment_id,
                            "completed_at": p.completed_at,
                            "total": p.total,
                            "context": p.context,
                        }
                        for p in t.points
                    ],
                }
                for t in (*outcome.trajectories, outcome.dissociation)
            ],
            "pain_response": asdict(outcome.pain_response),
            "fiqr_response": asdict(outcome.fiqr_response),
            "immediate": [
                {
                    "instrument_id": c.instrument_id,
                    "pairs": len(c.pairs),
                    "mean_change_in_visit": c.immediate.mean,
                    "lasting_change": c.lasting.points if c.lasting else None,
                }
                for c in outcome.immediate
            ],
            "durability": {
                "status": durability.status,
                "summary": durability.summary,
                "return_fraction": durability.return_fraction,
                "threshold": durability.threshold,
                "last_infusion_at": durability.last_infusion_at,
                "observed_at": durability.observed_at,
                "days": durability.days,
            },
            "booster": {
                **booster.as_dict(),
                "summary": booster.summary,
                "pending": self.booster_pending,
                "evidence_at": self.evidence_at,
            },
            "infusions": [
                {
                    "session_id": e.session_id,
                    "started_at": e.started_at,
                    "dose_mg": e.dose_mg,
                    "route": e.route,
                    "duration_min": e.duration_min,
                    "protocol_id": e.protocol_id,
                }
                for e in outcome.infusions
            ],
            "booster_decisions": [
                {
                    "id": r.pk,
                    "decision": r.decision,
                    "note": r.note,
                    "decided_at": r.decided_at,
                    "decided_by": r.decided_by.get_username(),
                }
                for r in self.reviews
            ],
            "discontinuations": [
                {
                    "id": d.pk,
                    "reason": d.reason,
                    "note": d.note,
                    "stopped_on": d.stopped_on,
                    "protocol_id": d.protocol_id,
                    "recorded_by": d.recorded_by.get_username(),
                }
                for d in self.discontinuations
            ],
        }


def outcome_instruments() -> tuple[str, ...]:
    """Every instrument the outcome screen reads, without repeats."""
    rules = outcome_rules()
    return tuple(
        dict.fromkeys(
            (
                *rules.shown_instruments,
                rules.fiqr_instrument,
                rules.pain_now_instrument,
                rules.dissociation_instrument,
            )
        )
    )


def score_points(patient_ids: Any, instruments: tuple[str, ...]) -> dict[int, list[ScorePoint]]:
    """The valid, current totals of ``instruments`` by patient, in one query."""
    rows = (
        current(Assessment)
        .filter(patient_id__in=patient_ids, valid=True, instrument_id__in=instruments)
        .values_list("patient_id", "id", "instrument_id", "completed_at", "total", "context")
    )
    points: dict[int, list[ScorePoint]] = {}
    for patient_id, pk, instrument_id, completed_at, total, context in rows.iterator(2000):
        points.setdefault(patient_id, []).append(
            ScorePoint(instrument_id, completed_at, total, context, pk)
        )
    return points


def plan_protocols(patient_ids: Sequence[int]) -> dict[int, Protocol]:
    """Per patient, the protocol of their current signed treatment plan (the latest drafted),
    when it is still known; one query."""
    from ketaclinic.records.plans.models import TreatmentPlan

    plans = (
        TreatmentPlan.objects.current()
        .filter(patient_id__in=patient_ids)
        .order_by("patient_id", "drafted_at", "id")
        .values_list("patient_id", "protocol_id")
    )
    latest = dict(plans)
    found: dict[int, Protocol] = {}
    for patient_id, protocol_id in latest.items():
        try:
            found[patient_id] = get_protocol(protocol_id)
        except DomainInputError:
            continue
    return found


def outcome_definitions() -> dict[str, Definition]:
    """The registry's definitions of the outcome instruments it knows."""
    return {i: registry().get(i) for i in outcome_instruments() if i in registry().ids()}


@dataclass(frozen=True)
class Assessed:
    outcome: PatientOutcome
    protocol: Protocol | None


def assess_patients(
    patient_ids: Sequence[int], now: datetime, return_fraction: float | None = None
) -> dict[int, Assessed]:
    """Each patient's outcome by the pure rules (``assess_patient``), their inputs read for
    all of them at once: the screen (one patient) and the stored summaries (a batch) both come
    from here, so they cannot disagree. Unchecked and unaudited: callers do both."""
    definitions = outcome_definitions()
    higher = {i: d.direction == "higher_is_better" for i, d in definitions.items()}
    points = score_points(patient_ids, outcome_instruments())
    given: dict[int, list[InfusionEvent]] = {}
    for event in infusions.infusion_events(patient_ids, None, None):
        given.setdefault(event.patient_id, []).append(event)
    protocols = plan_protocols(patient_ids)
    return {
        patient_id: Assessed(
            assess_patient(
                points.get(patient_id, []),
                given.get(patient_id, []),
                protocol=protocols.get(patient_id),
                now=now,
                higher_is_better=higher,
                return_fraction=return_fraction,
            ),
            protocols.get(patient_id),
        )
        for patient_id in patient_ids
    }


def _assess(patient: Patient, now: datetime, return_fraction: float | None) -> PatientOutcomes:
    assessed = assess_patients([patient.pk], now, return_fraction)[patient.pk]
    outcome = assessed.outcome
    booster = outcome.booster
    evidence = [
        moment
        for moment in (booster.last_infusion_at, _current_pain_at(outcome))
        if moment is not None
    ]
    return PatientOutcomes(
        patient=patient,
        outcome=outcome,
        protocol=assessed.protocol,
        definitions=outcome_definitions(),
        reviews=list(
            BoosterReview.objects.filter(patient=patient).select_related("decided_by")[
                :REVIEWS_SHOWN
            ]
        ),
        discontinuations=list(
            Discontinuation.objects.current().filter(patient=patient).select_related("recorded_by")
        ),
        evidence_at=max(evidence) if evidence else None,
    )


def _current_pain_at(outcome: PatientOutcome) -> datetime | None:
    latest = outcome.trajectory(outcome.rules.pain_instrument).latest
    return latest.completed_at if latest else None


def patient_outcomes(
    actor: Actor,
    patient_id: int,
    *,
    return_fraction: float | None = None,
    action: Action = Action.OUTCOME_VIEW,
    view: str = "screen",
) -> PatientOutcomes:
    """Everything the outcome screen shows; ``action`` and ``view`` name the read in the audit
    (the progress report reads the same data under ``report.patient``)."""
    authorize(actor, action, patient_id=patient_id)
    if return_fraction is not None and not 0 < return_fraction <= 1:
        raise InvalidInput.single("return_fraction", "must be above 0 and at most 1")
    patient = patient_or_404(patient_id)
    result = _assess(patient, timezone.now(), return_fraction)
    audit.record_on(actor, action, patient, detail={"view": view})
    return result


@audits_refusals(Action.BOOSTER_DECIDE)
def decide_booster(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> BoosterReview:
    """The physician accepts or declines the booster the rule suggests now; 409 when none is
    due or when this evidence has already been decided on."""
    authorize(actor, Action.BOOSTER_DECIDE, patient_id=patient_id)
    fields = validate(BoosterDecisionIn, data)
    patient = patient_or_404(patient_id)
    current = _assess(patient, timezone.now(), None)
    suggestion = current.outcome.booster
    if not suggestion.due or current.evidence_at is None or current.protocol is None:
        why = suggestion.unavailable or "the protocol's rule does not call for one"
        raise Conflict(f"no booster is suggested now: {why}")
    with atomic_or(
        Conflict(
            "this booster suggestion has already been decided; a new pain score or infusion "
            "makes a new one"
        )
    ):
        review = BoosterReview.objects.create(
            patient=patient,
            protocol_id=current.protocol.id,
            decision=fields.decision,
            note=fields.note,
            suggestion=suggestion.as_dict(),
            evidence_at=current.evidence_at,
            decided_by=actor.user,
        )
        audit.record(
            actor,
            Action.BOOSTER_DECIDE,
            obj=review,
            patient_id=patient.pk,
            detail={"decision": fields.decision, "protocol": current.protocol.id},
        )
    return review


@audits_refusals(Action.OUTCOME_RECORD_DISCONTINUATION)
def record_discontinuation(
    actor: Actor, patient_id: int, data: Mapping[str, Any]
) -> Discontinuation:
    """Record that the patient stopped the programme, and why; with ``amends``, correct an
    earlier record (409 when it has already been corrected)."""
    authorize(actor, Action.OUTCOME_RECORD_DISCONTINUATION, patient_id=patient_id)
    fields = validate(DiscontinuationIn, data).check()
    patient = patient_or_404(patient_id)
    original = None
    if fields.amends is not None:
        original = Discontinuation.objects.filter(pk=fields.amends, patient=patient).first()
        if original is None:
            raise NotFound(f"drop-out record {fields.amends} does not exist for this patient")
    with atomic_or(
        Conflict(
            f"drop-out record {fields.amends} has already been corrected; correct the current one"
        )
    ):
        record = Discontinuation.objects.create(
            patient=patient,
            protocol_id=fields.protocol_id or "",
            reason=fields.reason,
            note=fields.note,
            stopped_on=fields.stopped_on,
            recorded_by=actor.user,
            amends=original,
            amendment_reason=fields.amendment_reason,
        )
        audit.record(
            actor,
            Action.OUTCOME_RECORD_DISCONTINUATION,
            obj=record,
            patient_id=patient.pk,
            detail={"reason": fields.reason, "amends": fields.amends},
        )
        outcome_changed(patient.pk)
    return record
