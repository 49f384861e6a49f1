"""The facts the readiness rules (``ketaclinic.sessions.readiness``) judge, read from the
records: what the pre-infusion checks and the discharge still need."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet

from ketaclinic.core import DomainInputError, Sourced
from ketaclinic.dosing import WeightReading, weight_recheck_reasons
from ketaclinic.protocols import get_protocol
from ketaclinic.records import toolkit
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.patients.models import BodyMeasurement
from ketaclinic.records.toolkit import latest_measurement
from ketaclinic.sessions import (
    DischargeFacts,
    Gap,
    Phase,
    PreCheckFacts,
    State,
    Timeline,
    discharge_gaps,
    pre_check_gaps,
    session_rules,
)

from .common import open_alert_count
from .models import Confirmation, Session, Transition, UrinaryScreen, VitalSigns


def local_date(session: Session, moment: datetime) -> date:
    return toolkit.local_date(moment, session.location.zone)


def session_assessments(session: Session, phase: Phase | None = None) -> QuerySet[Assessment]:
    """The current versions of the assessments taken in the session (an amendment made on the
    assessments page counts too, one level deep)."""
    linked = Q(infusion_session__session=session) | Q(amends__infusion_session__session=session)
    if phase is not None:
        linked = Q(infusion_session__session=session, infusion_session__phase=phase) | Q(
            amends__infusion_session__session=session,
            amends__infusion_session__phase=phase,
        )
    return Assessment.objects.current().filter(linked)


def _instruments_done(session: Session, phase: Phase) -> frozenset[str]:
    rows = session_assessments(session, phase).filter(valid=True)
    return frozenset(rows.values_list("instrument_id", flat=True))


def _confirmed(session: Session) -> frozenset[str]:
    return frozenset(Confirmation.objects.filter(session=session).values_list("kind", flat=True))


def weighed_today(session: Session, now: datetime) -> BodyMeasurement | None:
    """The patient's latest weight if it was taken on the session's (local) day."""
    latest = latest_measurement(session.patient_id)
    if latest is None or local_date(session, latest.measured_at) != local_date(session, now):
        return None
    return latest


def _weight_recheck(session: Session, weighing: BodyMeasurement | None) -> tuple[str, ...]:
    if weighing is None or weighing.weight_kg is None:
        return ()
    reading = WeightReading(weighing.weight_kg, local_date(session, weighing.measured_at))
    try:
        return weight_recheck_reasons(session.order.weight_kg, reading, reading.measured_on)
    except DomainInputError as error:
        return (str(error),)


def pre_check_facts(session: Session, now: datetime) -> PreCheckFacts:
    weighing = weighed_today(session, now)
    earlier_infusions = Transition.objects.filter(
        session__patient_id=session.patient_id,
        session__created_at__lt=session.created_at,
        to_state=State.DISCHARGED,
    )
    return PreCheckFacts(
        sex=session.patient.sex,
        weighed_today=weighing is not None,
        weight_recheck=_weight_recheck(session, weighing),
        has_vitals=VitalSigns.objects.current()
        .filter(session=session, phase=Phase.PRE_INFUSION)
        .exists(),
        instruments_done=_instruments_done(session, Phase.PRE_INFUSION),
        confirmations=_confirmed(session),
        repeat_infusion=earlier_infusions.exists(),
        urinary_screened=UrinaryScreen.objects.current().filter(session=session).exists(),
    )


def observation(session: Session) -> Sourced:
    """The observation time stored with the session, with the protocol's source."""
    source = get_protocol(session.protocol_id).observation_min.source
    return Sourced(session.observation_min, source)


def discharge_facts(session: Session, timeline: Timeline, now: datetime) -> DischargeFacts:
    ended = timeline.infusion_ended_at
    aldrete = None
    if ended is not None:
        aldrete = (
            session_assessments(session, Phase.POST_INFUSION)
            .filter(
                instrument_id=session_rules().discharge.aldrete_instrument,
                valid=True,
                completed_at__gte=ended,
            )
            .order_by("-completed_at", "-id")
            .first()
        )
    return DischargeFacts(
        now=now,
        infusion_ended_at=ended,
        observation=observation(session),
        aldrete_total=aldrete.total if aldrete else None,
        aldrete_ready=bool(aldrete and (aldrete.criteria or {}).get("met")),
        instruments_done=_instruments_done(session, Phase.POST_INFUSION),
        confirmations=_confirmed(session),
        open_alerts=open_alert_count(session),
    )


def gaps_for(session: Session, timeline: Timeline, now: datetime) -> list[Gap]:
    """What the next step of the session still needs (pre-checks or discharge), if any."""
    rules = session_rules()
    if timeline.state == State.CHECKED_IN:
        return pre_check_gaps(pre_check_facts(session, now), rules)
    if timeline.state == State.RECOVERY:
        return discharge_gaps(discharge_facts(session, timeline, now), rules)
    return []
