"""Scores taken in a session (pain NRS, CADSS-6, Modified Aldrete): recorded and amended through
the assessments services, linked to the session, and a CADSS-6 above the protocol's
threshold raises an alert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ketaclinic.protocols import get_protocol, titration_rule
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.assessments.inputs import AmendmentIn as AssessmentAmendmentIn
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput, NotFound
from ketaclinic.records.toolkit import attempt, validate
from ketaclinic.sessions import Finding, Phase, cadss6_findings, session_rules

from .common import Locked, authorize_session, locked, raise_findings
from .inputs import ScoreIn
from .models import Session, SessionScore

CADSS6 = "cadss6"


def session_instruments() -> tuple[str, ...]:
    """The instruments the flowsheet records: the checks' scores, CADSS-6 and the Aldrete."""
    rules = session_rules()
    named = (
        *rules.pre_checks.instruments,
        *rules.discharge.instruments,
        CADSS6,
        rules.discharge.aldrete_instrument,
    )
    return tuple(dict.fromkeys(named))


def record_score(actor: Actor, session_id: int, data: Mapping[str, Any]) -> SessionScore:
    """Score an instrument in the session's phase at that moment (its assessment context)."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    authorize(actor, Action.ASSESSMENT_RECORD, patient_id=patient_id)
    with attempt(actor, Action.SESSION_RECORD, what="score", patient_id=patient_id):
        fields = validate(ScoreIn, data)
        if fields.instrument not in session_instruments():
            raise InvalidInput.single(
                "instrument", f"must be one of {', '.join(session_instruments())}"
            )
        with locked(session_id, what="a score") as ctx:
            at = ctx.moment(fields.at)
            phase = ctx.phase_at(at, "a score")
            link = record_linked_score(actor, ctx, fields.instrument, fields.answers, at, phase)
            ctx.record(
                actor,
                Action.SESSION_RECORD,
                link,
                "score",
                instrument=fields.instrument,
                phase=phase,
            )
    return link


def record_linked_score(
    actor: Actor,
    ctx: Locked,
    instrument: str,
    answers: Mapping[str, Any],
    at: datetime,
    phase: Phase,
) -> SessionScore:
    """Record the assessment and link it; call inside the session's locked transaction after
    authorizing ``assessment.record``."""
    assessment = assessments.record_assessment(
        actor,
        ctx.session.patient_id,
        {"instrument": instrument, "answers": dict(answers), "context": phase, "completed_at": at},
    )
    link = SessionScore.objects.create(session=ctx.session, assessment=assessment, phase=phase)
    raise_findings(actor, ctx.session, link, _findings(ctx.session, assessment))
    return link


def amend_score(
    actor: Actor, session_id: int, assessment_id: int, data: Mapping[str, Any]
) -> SessionScore:
    """Correct a score of the session through the assessments service (the original stays);
    the amendment is linked to the session too."""
    patient_id = authorize_session(actor, Action.SESSION_AMEND, session_id)
    authorize(actor, Action.ASSESSMENT_AMEND, patient_id=patient_id)
    with attempt(actor, Action.SESSION_AMEND, what="amend:score", patient_id=patient_id):
        fields = validate(AssessmentAmendmentIn, data)
        with locked(session_id, what="an amendment", final_allowed=True) as ctx:
            original = SessionScore.objects.filter(
                session=ctx.session, assessment_id=assessment_id
            ).first()
            if original is None:
                raise NotFound(f"assessment {assessment_id} is not a score of this session")
            amendment = assessments.amend_assessment(
                actor, patient_id, assessment_id, fields.model_dump(exclude_unset=True)
            )
            link = SessionScore.objects.create(
                session=ctx.session, assessment=amendment, phase=original.phase
            )
            earlier = {finding.code for finding in _findings(ctx.session, original.assessment)}
            new = [f for f in _findings(ctx.session, amendment) if f.code not in earlier]
            raise_findings(actor, ctx.session, link, new)
            ctx.record(
                actor,
                Action.SESSION_AMEND,
                link,
                "score",
                amends=assessment_id,
                reason=fields.reason,
            )
    return link


def _findings(session: Session, assessment: Assessment) -> list[Finding]:
    if assessment.instrument_id != CADSS6 or assessment.total is None:
        return []
    protocol = get_protocol(session.protocol_id)
    threshold = titration_rule(protocol.titration_rule).cadss6_max
    return cadss6_findings(assessment.total, threshold, session_rules())
