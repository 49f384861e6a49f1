"""After discharge: the session's tolerance and response, recorded through the plans'
titration service as the proposal for the next session."""

from __future__ import annotations

from django.db.models import Max

from ketaclinic.protocols import SEVERITIES
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Severity
from ketaclinic.records.assessments.models import Assessment, Context
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.plans import titration as plans_titration
from ketaclinic.records.plans.models import TitrationProposal
from ketaclinic.records.toolkit import attempt
from ketaclinic.sessions import VITAL_QUANTITIES, Phase, State, session_rules, vitals_flags

from .common import authorize_session, load_timeline
from .models import RescueMedication, Session, SessionAlert, SideEffect, VitalSigns
from .readiness import session_assessments
from .summary import with_summary

# The pain scores the titration rule compares (0-10 NRS, clinical.md 5). After: this session's
# pain right now after the infusion. Before: the patient's baseline 24-hour average, the
# clinic's baseline before the series; without one, this session's pain right now before the
# infusion.
PAIN_NOW = "nrs_pain_now"
BASELINE_PAIN = "nrs_pain_average"


def propose_titration(actor: Actor, session_id: int) -> TitrationProposal:
    """Record the discharged session's tolerance (worst side effect, highest CADSS-6, peak
    systolic BP and heart rate) and response (pain after vs the baseline) with the plans'
    titration service; its proposal is for the physician to decide."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    authorize(actor, Action.TITRATION_RECORD, patient_id=patient_id)
    with attempt(actor, Action.SESSION_RECORD, what="titration", patient_id=patient_id):
        session = with_summary(Session.objects.filter(pk=session_id)).select_related("order").get()
        if load_timeline(session).state != State.DISCHARGED:
            raise Conflict("titration is proposed after the patient is discharged")
        if TitrationProposal.objects.filter(order_id=session.order_id).exists():
            raise Conflict(f"a titration proposal for order {session.order_id} already exists")
        pain_after = _pain(session_assessments(session, Phase.POST_INFUSION), PAIN_NOW)
        if pain_after is None:
            raise InvalidInput.single("pain_after_nrs", "record the pain score after the infusion")
        baseline = _pain(
            Assessment.objects.current().filter(patient_id=patient_id, context=Context.BASELINE),
            BASELINE_PAIN,
        )
        if baseline is None:
            baseline = _pain(session_assessments(session, Phase.PRE_INFUSION), PAIN_NOW)
        if baseline is None:
            raise InvalidInput.single("baseline_pain_nrs", "no baseline or pre-infusion pain score")
        peaks = (
            VitalSigns.objects.current()
            .filter(session=session)
            .aggregate(sbp=Max("sbp_mm_hg"), hr=Max("heart_rate_per_min"))
        )
        return plans_titration.record_titration(
            actor,
            session.order.plan_id,
            {
                "worst_side_effect": _worst_side_effect(session),
                "cadss6_score": session.max_cadss6,
                "peak_sbp_mm_hg": peaks["sbp"],
                "peak_heart_rate_per_min": peaks["hr"],
                "session_instability": instability(session),
                "baseline_pain_nrs": baseline,
                "pain_after_nrs": pain_after,
                "order_id": session.order_id,
            },
        )


BREATHING = ("spo2_percent", "resp_rate_per_min")


def instability(session: Session) -> list[str]:
    """What the session's own rules found that means not tolerated: an urgent alert, a rescue
    medication given, SpO2 or respiratory rate outside the alert limits (the same rules that
    raise the session's alerts; CADSS-6 goes to the titration rule as its score)."""
    rules = session_rules()
    urgent = (
        SessionAlert.objects.filter(session=session, alert__severity=Severity.URGENT)
        .order_by("alert__raised_at", "alert__id")
        .values_list("alert__message", flat=True)
    )
    found = [f"urgent alert in the session: {message}" for message in urgent]
    found += [
        f"rescue medication given: {given.drug} {given.dose_mg:g} mg"
        for given in RescueMedication.objects.current().filter(session=session)
    ]
    for vitals in VitalSigns.objects.current().filter(session=session).order_by("at", "id"):
        values = {name: float(getattr(vitals, name)) for name in VITAL_QUANTITIES}
        flags = vitals_flags(values, Phase(vitals.phase), rules)
        found += [
            f"{name.split('_')[0].upper()} {values[name]:g} outside limits at {vitals.at:%H:%M}"
            for name in BREATHING
            if name in flags
        ]
    return found


def _pain(assessments: object, instrument: str) -> float | None:
    latest = (
        assessments.filter(instrument_id=instrument, valid=True)  # type: ignore[attr-defined]
        .order_by("-completed_at", "-id")
        .values_list("total", flat=True)
        .first()
    )
    return None if latest is None else float(latest)


def _worst_side_effect(session: Session) -> str:
    severities = set(
        SideEffect.objects.current().filter(session=session).values_list("severity", flat=True)
    )
    return max(severities, key=SEVERITIES.index, default="none")
