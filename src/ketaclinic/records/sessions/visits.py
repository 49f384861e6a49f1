"""Sessions as visits, for the FHIR Encounters and for bookings (a visit whose session was
discharged has been fulfilled): each session's state, when it began and ended, where, and the
staff who took it through its steps. The caller authorizes and audits the read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from ketaclinic.sessions import FINAL_STATES, State

from .models import Session, Transition
from .summary import with_summary


@dataclass(frozen=True)
class SessionVisit:
    session_id: int
    patient_id: int
    appointment_id: int | None
    location: str
    """The location's name."""
    protocol_id: str
    route: str
    state: str
    opened_at: datetime
    checked_in_at: datetime | None
    closed_at: datetime | None
    """When it was discharged or cancelled."""
    infusion_started_at: datetime | None
    infusion_ended_at: datetime | None
    stopped_early: bool
    staff: tuple[str, ...]
    """The names of the staff who recorded its steps, in the order they first did."""


def session_visits(patient_ids: Iterable[int]) -> list[SessionVisit]:
    """The sessions of ``patient_ids``, oldest first (two queries)."""
    check_in = Transition.objects.filter(session=OuterRef("pk"), to_state=State.CHECKED_IN)
    sessions = list(
        with_summary(Session.objects.filter(patient_id__in=list(patient_ids)))
        .annotate(checked_in_at=Subquery(check_in.order_by("seq").values("at")[:1]))
        .select_related("location")
        .order_by("created_at", "id")
    )
    staff: dict[int, list[str]] = defaultdict(list)
    steps = (
        Transition.objects.filter(session__in=[s.pk for s in sessions])
        .select_related("recorded_by")
        .order_by("session", "seq")
    )
    for step in steps:
        name = step.recorded_by.get_full_name() or step.recorded_by.get_username()
        if name not in staff[step.session_id]:
            staff[step.session_id].append(name)
    return [
        SessionVisit(
            session_id=session.pk,
            patient_id=session.patient_id,
            appointment_id=session.appointment_id,
            location=session.location.name,
            protocol_id=session.protocol_id,
            route=session.route,
            state=session.state,
            opened_at=session.created_at,
            checked_in_at=session.checked_in_at,
            closed_at=session.state_since if session.state in FINAL_STATES else None,
            infusion_started_at=session.started_at,
            infusion_ended_at=session.ended_at,
            stopped_early=session.stopped_early,
            staff=tuple(staff[session.pk]),
        )
        for session in sessions
    ]


def appointment_session_states(appointment_ids: Collection[int]) -> dict[int, str]:
    """The state of the latest session of each appointment that has one (one query)."""
    latest = Transition.objects.filter(session=OuterRef("pk")).order_by("-seq")
    rows = (
        Session.objects.filter(appointment_id__in=list(appointment_ids))
        .annotate(
            state=Coalesce(Subquery(latest.values("to_state")[:1]), Value(State.SCHEDULED.value))
        )
        .order_by("appointment_id", "created_at", "id")
        .values_list("appointment_id", "state")
    )
    return dict(rows)
