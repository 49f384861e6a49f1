"""Reading sessions: the flowsheet of one, the live board of a location, a patient's
sessions, and the orders a session may be opened for. Every read is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.audit import services as audit
from ketaclinic.records.bookings.models import CHAIR_TYPES, Appointment
from ketaclinic.records.bookings.models import Status as AppointmentStatus
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.pages import Page
from ketaclinic.records.patients.models import BodyMeasurement
from ketaclinic.records.plans.models import Order, OrderStatus, PrnOrder, TitrationProposal
from ketaclinic.records.toolkit import get_or_404
from ketaclinic.sessions import (
    FINAL_STATES,
    Blocker,
    Command,
    Gap,
    Phase,
    State,
    Timeline,
    allowed_commands,
    next_vitals_due,
    session_rules,
    state_label,
    vitals_flags,
)

from .common import authorize_session, load_timeline
from .ends import end_problems
from .gates import blockers, next_step, values_of
from .models import (
    Confirmation,
    GateOverride,
    LedgerPosting,
    Note,
    PumpEvent,
    RescueMedication,
    Session,
    SessionScore,
    SideEffect,
    Signature,
    Transition,
    UrinaryScreen,
    VitalSigns,
)
from .readiness import gaps_for, weighed_today
from .rescue import prn_orders_for
from .summary import dose_given_mg, with_summary
from .supply import Supply, supply_for

PAGE_SIZE_MAX = 100


def _entries(model: Any, session: Session) -> list[Any]:
    """Every row of an ``Entry`` model, oldest first, with ``is_amended`` (a later row corrects
    it). ``model`` is typed Any: django-stubs cannot resolve lookups on the abstract base."""
    return list(
        model.objects.filter(session=session)
        .select_related("recorded_by", "amends")
        .annotate(is_amended=Exists(model.objects.filter(amends_id=OuterRef("pk"))))
        .order_by("at", "id")
    )


@dataclass(frozen=True)
class Flowsheet:
    session: Session
    timeline: Timeline
    transitions: list[Transition]
    vitals: list[VitalSigns]
    side_effects: list[SideEffect]
    rescue_medications: list[RescueMedication]
    pump_events: list[PumpEvent]
    notes: list[Note]
    urinary_screens: list[UrinaryScreen]
    confirmations: list[Confirmation]
    scores: list[SessionScore]
    alerts: list[Alert]
    patient_alerts: list[Alert]
    """The patient's open alerts raised outside this session (a PHQ-9 item 9 that morning)."""
    signature: Signature | None
    ledger: LedgerPosting | None
    titration: TitrationProposal | None
    weight: BodyMeasurement | None
    gaps: list[Gap]
    blockers: list[Blocker]
    """The gates stopping the next step (start, discharge, signature), not overridden."""
    overrides: list[GateOverride]
    now: datetime
    prn_orders: list[PrnOrder]
    supply: Supply

    @property
    def state(self) -> State:
        return self.timeline.state

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def commands(self) -> tuple[Command, ...]:
        """The steps open from here (none once signed)."""
        return () if self.signature else allowed_commands(self.state)

    @property
    def current_vitals(self) -> list[VitalSigns]:
        return [row for row in self.vitals if not row.is_amended]  # type: ignore[attr-defined]

    @property
    def next_vitals_due(self) -> datetime | None:
        last = max((row.at for row in self.current_vitals), default=None)
        return next_vitals_due(
            self.state,
            self.timeline.infusion_started_at,
            last,
            self.session.vitals_interval_min,
        )

    @property
    def vitals_overdue(self) -> bool:
        due = self.next_vitals_due
        return due is not None and due < self.now

    @property
    def open_alerts(self) -> list[Alert]:
        return [alert for alert in self.alerts if not hasattr(alert, "acknowledgement")]

    @property
    def volume_infused_ml(self) -> float | None:
        ends = [row for row in self.pump_events if row.kind == "end" and not row.is_amended]  # type: ignore[attr-defined]
        return ends[-1].volume_infused_ml if ends else None

    @property
    def rate_ml_per_h(self) -> float | None:
        """The pump rate now (the latest start or change)."""
        set_rates = [row.rate_ml_per_h for row in self.pump_events if row.rate_ml_per_h]
        return set_rates[-1] if set_rates else None

    @property
    def dose_given_mg(self) -> float | None:
        return dose_given_mg(
            self.session.order, self.timeline.infusion_started_at, self.volume_infused_ml
        )

    @property
    def end_problems(self) -> list[str]:
        """What was implausible about the end of the infusion (its reason is on the end)."""
        ended = self.timeline.infusion_ended_at
        volume = self.volume_infused_ml
        if ended is None or volume is None:
            return []
        return end_problems(self.session, self.timeline, ended, volume)

    @property
    def elapsed_min(self) -> float | None:
        """Minutes since the infusion started (to its end once over)."""
        started = self.timeline.infusion_started_at
        if started is None:
            return None
        until = self.timeline.infusion_ended_at or self.now
        return (until - started).total_seconds() / 60


def get_flowsheet(actor: Actor, session_id: int, *, shown_as: str = "") -> Flowsheet:
    """Everything recorded in the session, with what the next step still needs; ``shown_as``
    names another view of it for the audit (the session record)."""
    patient_id = authorize_session(actor, Action.SESSION_VIEW, session_id)
    session = Session.objects.select_related(
        "patient", "order", "order__plan", "location", "chair", "created_by"
    ).get(pk=session_id)
    timeline = load_timeline(session)
    now = timezone.now()
    step = next_step(timeline.state)
    vitals = _entries(VitalSigns, session)
    rules = session_rules()
    for row in vitals:
        row.flags = vitals_flags(values_of(row), Phase(row.phase), rules)
    flowsheet = Flowsheet(
        session=session,
        timeline=timeline,
        transitions=list(session.transitions.select_related("recorded_by").order_by("seq")),
        vitals=vitals,
        side_effects=_entries(SideEffect, session),
        rescue_medications=_entries(RescueMedication, session),
        pump_events=_entries(PumpEvent, session),
        notes=_entries(Note, session),
        urinary_screens=_entries(UrinaryScreen, session),
        confirmations=list(session.confirmations.select_related("recorded_by")),
        scores=list(
            session.scores.select_related("assessment", "assessment__recorded_by")
            .annotate(is_amended=Exists(Assessment.objects.filter(amends=OuterRef("assessment"))))
            .order_by("assessment__completed_at", "id")
        ),
        alerts=list(
            Alert.objects.filter(infusion_session__session=session)
            .select_related("acknowledgement", "acknowledgement__acknowledged_by")
            .order_by("-raised_at", "-id")
        ),
        patient_alerts=list(
            Alert.objects.filter(patient_id=session.patient_id, acknowledgement__isnull=True)
            .exclude(infusion_session__session=session)
            .select_related("addressed_to")
            .order_by("-raised_at", "-id")
        ),
        signature=Signature.objects.filter(session=session).select_related("signed_by").first(),
        ledger=LedgerPosting.objects.filter(session=session).first(),
        titration=TitrationProposal.objects.filter(order_id=session.order_id)
        .order_by("-recorded_at", "-id")
        .first(),
        weight=weighed_today(session, now),
        gaps=gaps_for(session, timeline, now),
        blockers=blockers(step, session, timeline, now) if step else [],
        overrides=list(GateOverride.objects.filter(session=session).select_related("signed_by")),
        now=now,
        prn_orders=prn_orders_for(session),
        supply=supply_for(session),
    )
    detail = {"what": shown_as} if shown_as else None
    audit.record(actor, Action.SESSION_VIEW, obj=session, patient_id=patient_id, detail=detail)
    return flowsheet


@dataclass(frozen=True)
class BoardRow:
    session: Any
    """A session annotated by ``with_summary``."""
    next_vitals_due: datetime | None
    now: datetime

    @property
    def elapsed_min(self) -> float | None:
        started = self.session.started_at
        if started is None:
            return None
        until = self.session.ended_at or self.now
        return (until - started).total_seconds() / 60

    @property
    def vitals_overdue(self) -> bool:
        return self.next_vitals_due is not None and self.next_vitals_due < self.now

    @property
    def state_label(self) -> str:
        return state_label(self.session.state)


@dataclass(frozen=True)
class Board:
    location: Location
    rows: list[BoardRow]
    free_chairs: list[Chair]
    now: datetime


def active_sessions(location: Location) -> QuerySet[Any]:
    """The location's sessions not yet discharged or cancelled, summarised, chair order."""
    return (
        with_summary(Session.objects.filter(location=location))
        .exclude(state__in=sorted(FINAL_STATES))
        .select_related("patient", "chair")
        .order_by("chair__name", "created_at")
    )


def live_board(actor: Actor, location_id: int, *, poll: bool = False) -> Board:
    """Every chair at the location: who is in it, the state, minutes since the infusion
    started, when vitals are next due, open alerts.

    The read is audited when the board is opened; a ``poll`` (the page reloading itself) is
    audited only when what it shows changed since this reader's last entry, so the trail
    holds what was seen without a row every few seconds."""
    authorize(actor, Action.SESSION_BOARD)
    location = get_or_404(Location.objects.all(), location_id, "location")
    now = timezone.now()
    rows = [
        BoardRow(
            session,
            next_vitals_due(
                State(session.state),
                session.started_at,
                session.last_vitals_at,
                session.vitals_interval_min,
            ),
            now,
        )
        for session in active_sessions(location)
    ]
    taken = {row.session.chair_id for row in rows}
    free = [
        chair
        for chair in location.chairs.filter(active=True).order_by("name")
        if chair.pk not in taken
    ]
    shown = {
        "shown": [row.session.pk for row in rows],
        "states": [row.session.state for row in rows],
    }
    if not poll or audit.last_detail(actor, Action.SESSION_BOARD, location) != shown:
        audit.record(actor, Action.SESSION_BOARD, obj=location, detail=shown)
    return Board(location, rows, free, now)


def patient_sessions(
    actor: Actor, patient_id: int, page: int = 1, page_size: int = 20
) -> Page[Session]:
    """The patient's sessions, newest first, summarised (``dose_given_mg`` set on each)."""
    authorize(actor, Action.SESSION_VIEW, patient_id=patient_id)
    if page < 1:
        raise InvalidInput.single("page", "must be 1 or more")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise InvalidInput.single("page_size", f"must be between 1 and {PAGE_SIZE_MAX}")
    sessions = Session.objects.filter(patient_id=patient_id)
    total = sessions.count()
    start = (page - 1) * page_size
    items = list(
        with_summary(sessions)
        .select_related("order", "location", "chair")
        .order_by("-created_at", "-id")[start : start + page_size]
    )
    for session in items:
        session.state_label = state_label(session.state)
        session.dose_given_mg = dose_given_mg(
            session.order,
            session.started_at,
            session.volume_infused_ml,
        )
    audit.record(
        actor,
        Action.SESSION_VIEW,
        patient_id=patient_id,
        detail={"shown": [session.pk for session in items], "page": page},
    )
    return Page(items, total, page, page_size)


def openable_orders(actor: Actor, patient_id: int) -> list[Order]:
    """Today's orders of the patient that are not void and have no session yet, each with
    ``appointment``: the patient's treatment visit booked today, if any, to open it at."""
    authorize(actor, Action.SESSION_CHECK_IN, patient_id=patient_id)
    today = timezone.localdate()
    orders = [
        order
        for order in Order.objects.with_status()
        .filter(patient_id=patient_id, session_on=today)
        .exclude(Exists(Session.objects.filter(order=OuterRef("pk"))))
        .select_related("plan")
        if order.status != OrderStatus.VOID
    ]
    booked = [
        visit
        for visit in Appointment.objects.filter(
            patient_id=patient_id,
            status=AppointmentStatus.BOOKED,
            appointment_type__in=sorted(CHAIR_TYPES),
            starts_at__date__range=(today - timedelta(days=1), today + timedelta(days=1)),
        )
        .exclude(Exists(Session.objects.filter(appointment=OuterRef("pk"))))
        .select_related("location", "chair")
        .order_by("starts_at")
        if timezone.localtime(visit.starts_at, visit.location.zone).date() == today
    ]
    for order in orders:
        order.appointment = booked[0] if booked else None
    audit.record(
        actor,
        Action.SESSION_CHECK_IN,
        patient_id=patient_id,
        detail={"what": "openable orders", "shown": [order.pk for order in orders]},
    )
    return orders
