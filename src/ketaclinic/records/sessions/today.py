"""Today's visits as the clinic sees them: each visit's state in words (booked, arrived,
infusing, in recovery, discharged, no-show, cancelled), the patients booked into the chairs who
have not been checked in yet, and the day's worklists (a nurse's chairs, the front desk's
arrivals). Each read is a fixed number of queries, however many visits there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.bookings.models import CHAIR_TYPES, Appointment
from ketaclinic.records.bookings.models import Status as AppointmentStatus
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import NotFound
from ketaclinic.records.plans.models import Order
from ketaclinic.records.toolkit import local_start, local_today
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist
from ketaclinic.sessions import State

from .models import Session, Transition

_KIND_OF_STATE = {
    State.SCHEDULED: "arrived",
    State.CHECKED_IN: "arrived",
    State.PRE_CHECKS_DONE: "arrived",
    State.DOSE_VERIFIED: "arrived",
    State.INFUSING: "infusing",
    State.PAUSED: "infusing",
    State.INFUSION_ENDED: "recovery",
    State.STOPPED_EARLY: "recovery",
    State.RECOVERY: "recovery",
    State.DISCHARGED: "discharged",
    State.CANCELLED: "cancelled",
}
VISIT_WORDS = {
    "booked": "Booked",
    "arrived": "Arrived",
    "infusing": "Infusing",
    "recovery": "In recovery",
    "discharged": "Discharged",
    "no_show": "No-show",
    "cancelled": "Cancelled",
}
_OVER = frozenset({"discharged", "no_show", "cancelled"})


def visit_kind(status: str, session_state: str | None) -> str:
    """One of ``VISIT_WORDS``: the appointment's own end (no-show, cancelled) first, then
    where its session is, else "booked"."""
    if status == AppointmentStatus.NO_SHOW:
        return "no_show"
    if status == AppointmentStatus.CANCELLED:
        return "cancelled"
    if session_state is None:
        return "booked"
    return _KIND_OF_STATE[State(session_state)]


@dataclass(frozen=True)
class VisitState:
    kind: str
    session_id: int | None

    @property
    def words(self) -> str:
        return VISIT_WORDS[self.kind]


def with_visit_state(visits: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate ``visit_session`` (the newest session opened for the visit) and
    ``visit_state`` (that session's state), in the same query."""
    newest = Session.objects.filter(appointment=OuterRef("pk")).order_by("-created_at", "-id")
    steps = Transition.objects.filter(session_id=OuterRef("visit_session")).order_by("-seq")
    return visits.annotate(
        visit_session=Subquery(newest.values("pk")[:1]),
        visit_state=Subquery(steps.values("to_state")[:1]),
    )


def _state_of(visit: Any) -> VisitState:
    state = visit.visit_state or (State.SCHEDULED if visit.visit_session else None)
    return VisitState(visit_kind(visit.status, state), visit.visit_session)


def visit_states(actor: Actor, appointment_ids: list[int]) -> dict[int, VisitState]:
    """The state of each visit, by appointment, in one query (for the day board, whose read
    is audited with the patients it shows)."""
    authorize(actor, Action.BOARD_VIEW)
    rows = with_visit_state(Appointment.objects.filter(pk__in=appointment_ids))
    return {row.pk: _state_of(row) for row in rows.only("id", "status")}


@dataclass(frozen=True)
class Expected:
    """A patient booked into a chair today and not checked in yet."""

    appointment: Appointment
    order_id: int | None
    """Today's order to open the session for; None while no order has been written."""


def _today(location: Location) -> tuple[Any, Any]:
    start = local_start(local_today(location.zone), location.zone)
    return start, start + timedelta(days=1)


def expected_in_chairs(actor: Actor, location_id: int, *, poll: bool = False) -> list[Expected]:
    """Today's chair visits at the location with no session yet, in time order, each with the
    order it would be opened for: three queries. Audited like the live board: when opened,
    and on a poll only when the patients shown changed."""
    authorize(actor, Action.SESSION_BOARD)
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise NotFound(f"location {location_id} does not exist")
    start, end = _today(location)
    visits = list(
        Appointment.objects.filter(
            location=location,
            status=AppointmentStatus.BOOKED,
            appointment_type__in=sorted(CHAIR_TYPES),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .exclude(Exists(Session.objects.filter(appointment=OuterRef("pk"))))
        .select_related("patient", "chair")
        .order_by("starts_at", "chair__name", "id")
    )
    orders: dict[int, int] = {}
    for order in (
        Order.objects.with_status()
        .filter(
            patient_id__in={visit.patient_id for visit in visits},
            session_on=local_today(location.zone),
            plan_superseded=False,
        )
        .exclude(Exists(Session.objects.filter(order=OuterRef("pk"))))
        .order_by("-id")
    ):
        orders[order.patient_id] = order.pk
    expected = [Expected(visit, orders.get(visit.patient_id)) for visit in visits]
    shown = {"shown": [visit.pk for visit in visits]}
    if not poll or audit.last_detail(actor, Audited.BOARD_EXPECTED, location) != shown:
        audit.record(actor, Audited.BOARD_EXPECTED, obj=location, detail=shown)
    return expected


def _todays_visits(chair_only: bool) -> list[Any]:
    """Booked visits starting within a day either side of now, annotated; the caller keeps
    those on the local today of their location."""
    now = timezone.now()
    visits = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        starts_at__gte=now - timedelta(days=1),
        starts_at__lt=now + timedelta(days=1),
    )
    if chair_only:
        visits = visits.filter(appointment_type__in=sorted(CHAIR_TYPES))
    rows = with_visit_state(visits).select_related("patient", "location", "chair")
    return [
        visit
        for visit in rows.order_by("starts_at", "id")
        if timezone.localdate(visit.starts_at, visit.location.zone)
        == local_today(visit.location.zone)
    ]


def _when(visit: Any) -> str:
    return timezone.localtime(visit.starts_at, visit.location.zone).strftime("%H:%M")


def chairs_today(actor: Actor) -> Worklist:
    """Today's chair visits not yet over (discharged or cancelled), with where each stands:
    a nurse's day."""
    authorize(actor, Action.SESSION_BOARD)
    visits = [visit for visit in _todays_visits(True) if _state_of(visit).kind not in _OVER]
    return worklist(
        actor,
        Action.SESSION_BOARD,
        "Today's chairs",
        visits,
        lambda visit: WorkItem(
            "session" if visit.visit_session else "chairs",
            visit.visit_session or visit.location_id,
            person(visit.patient),
            f"{_when(visit)} · {visit.chair.name if visit.chair else 'no chair'}"
            f" · {_state_of(visit).words}",
            visit.starts_at,
            visit.patient_id,
        ),
    )


def arrivals_today(actor: Actor) -> Worklist:
    """Today's visits whose patient has not arrived: a chair visit until it is checked in,
    another visit until it has ended: the front desk's day."""
    authorize(actor, Action.BOOKING_VIEW)
    now = timezone.now()
    visits = [
        visit
        for visit in _todays_visits(False)
        if visit.visit_session is None
        and (visit.appointment_type in CHAIR_TYPES or visit.ends_at > now)
    ]
    return worklist(
        actor,
        Action.BOOKING_VIEW,
        "Today's arrivals",
        visits,
        lambda visit: WorkItem(
            "patient",
            visit.pk,
            person(visit.patient),
            f"{_when(visit)} · {visit.get_appointment_type_display()} · {visit.location.name}",
            visit.starts_at,
            visit.patient_id,
        ),
    )
