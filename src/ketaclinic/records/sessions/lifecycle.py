"""Opening a session for an order and moving it through its lifecycle.

The state machine is the pure domain's (``ketaclinic.sessions.lifecycle``); the guards that
need the records are here: a verified order before the dose is verified and before the
infusion starts, the pre-infusion checks, the discharge criteria, and the pump settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from ketaclinic.protocols import get_protocol
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.bookings.models import CHAIR_TYPES, Appointment
from ketaclinic.records.bookings.models import Status as AppointmentStatus
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.records.patients.signals import outcome_changed
from ketaclinic.records.plans.models import Order, OrderStatus
from ketaclinic.records.plans.orders import order_is_verified
from ketaclinic.records.toolkit import attempt, local_today, validate
from ketaclinic.sessions import (
    COMMAND_LABELS,
    NEEDS_REASON,
    Command,
    IllegalTransition,
    State,
    advance,
    discharge_gaps,
    pre_check_gaps,
    session_rules,
)

from .common import Locked, authorize_session, locked
from .ends import refuse_implausible_end
from .gates import refuse_unless_clear
from .inputs import SessionIn, TransitionIn
from .models import PumpEvent, PumpEventKind, Session, Transition
from .readiness import discharge_facts, local_date, pre_check_facts

# Commands the front desk may give (opening, check-in and cancellation); the rest are clinical.
DESK_COMMANDS = frozenset({Command.CHECK_IN, Command.CANCEL})
PUMP_SETTINGS = ("rate_ml_per_h", "vtbi_ml")


def command_action(command: object) -> Action:
    return Action.SESSION_CHECK_IN if command in DESK_COMMANDS else Action.SESSION_RECORD


def uses_pump(session: Session) -> bool:
    """An infusion order has a pump rate; an injection or nasal spray has none."""
    return session.order.rate_ml_per_h is not None


def open_session(actor: Actor, data: Mapping[str, Any]) -> Session:
    """Open a session (``scheduled``) for today's order of a current plan, at the booked
    appointment's location and chair or the ones named; one open session per order."""
    order_id = data.get("order_id") if isinstance(data, Mapping) else None
    patient_id = (
        Order.objects.filter(pk=order_id).values_list("patient_id", flat=True).first()
        if isinstance(order_id, int)
        else None
    )
    authorize(actor, Action.SESSION_CHECK_IN, patient_id=patient_id)
    with attempt(actor, Action.SESSION_CHECK_IN, what="open", patient_id=patient_id):
        fields = validate(SessionIn, data)
        order = Order.objects.with_status().select_related("plan").filter(pk=fields.order_id)
        found = order.first()
        if found is None:
            raise InvalidInput.single("order_id", "is not an order")
        if found.status == OrderStatus.VOID:
            raise Conflict(f"order {found.pk} is void: its plan has been amended")
        location, chair, appointment = _place(found, fields)
        today = local_today(location.zone)
        if found.session_on != today:
            raise InvalidInput.single(
                "order_id", f"is for {found.session_on.isoformat()}, not today ({today})"
            )
        protocol = get_protocol(found.plan.protocol_id)
        rules = session_rules()
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=found.pk)
            _refuse_second_session(found)
            session = Session.objects.create(
                patient_id=found.patient_id,
                order=found,
                appointment=appointment,
                location=location,
                chair=chair,
                protocol_id=protocol.id,
                protocol_version=protocol.version,
                route=protocol.route,
                vitals_interval_min=rules.vitals_interval_min.value,
                observation_min=protocol.observation_min.value,
                rules_version=rules.version,
                created_by=actor.user,
            )
            audit.record_on(
                actor,
                Action.SESSION_CHECK_IN,
                session,
                detail={"what": "open", "order": found.pk, "location": location.pk},
            )
    return session


def _place(order: Order, fields: SessionIn) -> tuple[Location, Chair | None, Appointment | None]:
    """The location and chair: the appointment's when one is named, else those given."""
    if fields.appointment_id is not None:
        appointment = (
            Appointment.objects.select_related("location", "chair")
            .filter(pk=fields.appointment_id, patient_id=order.patient_id)
            .first()
        )
        if appointment is None:
            raise InvalidInput.single("appointment_id", "is not an appointment of this patient")
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict(f"appointment {appointment.pk} is {appointment.status}")
        if appointment.appointment_type not in CHAIR_TYPES:
            raise InvalidInput.single("appointment_id", "is not a treatment appointment")
        if fields.location_id or fields.chair_id:
            raise InvalidInput.single("location_id", "comes from the appointment: leave it out")
        return appointment.location, appointment.chair, appointment
    if fields.location_id is None:
        raise InvalidInput.single("location_id", "is required without an appointment")
    location = Location.objects.filter(pk=fields.location_id).first()
    if location is None:
        raise InvalidInput.single("location_id", "is not a location")
    chair = None
    if fields.chair_id is not None:
        chair = Chair.objects.filter(pk=fields.chair_id, location=location, active=True).first()
        if chair is None:
            raise InvalidInput.single("chair_id", "is not an active chair at this location")
    return location, chair, None


def _refuse_second_session(order: Order) -> None:
    """An order is given once: refuse another session unless every earlier one was
    cancelled."""
    for session in Session.objects.filter(order=order):
        last = session.transitions.order_by("-seq").values_list("to_state", flat=True).first()
        if last != State.CANCELLED:
            raise Conflict(f"order {order.pk} already has session {session.pk}")


def transition(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Transition:
    """Move the session one step; refused (409) when the step is not allowed from its state
    or its guard does not hold, with nothing written and the attempt audited."""
    raw_command = data.get("command") if isinstance(data, Mapping) else None
    action = command_action(raw_command)
    patient_id = authorize_session(actor, action, session_id)
    with attempt(actor, action, what=f"transition:{raw_command}", patient_id=patient_id):
        fields = validate(TransitionIn, data)
        if fields.command in NEEDS_REASON and not fields.reason.strip():
            raise InvalidInput.single(
                "reason", f"say why: “{COMMAND_LABELS[fields.command]}” needs a reason"
            )
        with locked(session_id, what="a transition") as ctx:
            at = ctx.moment(fields.at)
            if ctx.timeline.last_at and at < ctx.timeline.last_at:
                raise InvalidInput.single(
                    "at", f"cannot be before the previous step ({ctx.timeline.last_at:%H:%M})"
                )
            try:
                target = advance(ctx.timeline.state, fields.command, fields.reason)
            except IllegalTransition as error:
                raise Conflict(str(error)) from None
            _guard(ctx, fields.command, at)
            _check_pump_fields(ctx, fields)
            refuse_implausible_end(ctx, fields, at)
            try:
                step = Transition.objects.create(
                    session=ctx.session,
                    seq=len(ctx.timeline.steps) + 1,
                    command=fields.command,
                    from_state=ctx.timeline.state,
                    to_state=target,
                    reason=fields.reason.strip(),
                    at=at,
                    recorded_by=actor.user,
                )
            except IntegrityError:
                raise Conflict("the session changed meanwhile: reload it") from None
            _record_pump(actor, ctx, fields, at)
            outcome_changed(patient_id)
            audit.record(
                actor,
                action,
                obj=ctx.session,
                patient_id=patient_id,
                detail={
                    "what": "transition",
                    "command": fields.command,
                    "from": ctx.timeline.state,
                    "to": target,
                },
            )
    return step


def _guard(ctx: Locked, command: Command, at: Any) -> None:
    """The records' conditions for a step, beyond the state machine's: the criteria (what
    must be recorded) and the gates (what must be recorded or overridden by a physician)."""
    session = ctx.session
    rules = session_rules()
    if command == Command.CHECK_IN and local_date(session, at) != session.order.session_on:
        raise Conflict(f"the order is for {session.order.session_on.isoformat()}, not this day")
    if command == Command.COMPLETE_PRE_CHECKS:
        gaps = pre_check_gaps(pre_check_facts(session, at), rules)
        refuse_unless_clear(command, session, ctx.timeline, at, gaps)
    if command in (Command.VERIFY_DOSE, Command.START_INFUSION) and not order_is_verified(
        session.order
    ):
        raise Conflict(
            "the order is not verified yet: a second clinician (not the one who prepared it) "
            "double-checks the prepared dose on the order first, and the order's plan must "
            "still be current"
        )
    if command == Command.START_INFUSION:
        refuse_unless_clear(command, session, ctx.timeline, at)
    if command == Command.DISCHARGE:
        gaps = discharge_gaps(discharge_facts(session, ctx.timeline, at), rules)
        refuse_unless_clear(command, session, ctx.timeline, at, gaps)


def _check_pump_fields(ctx: Locked, fields: TransitionIn) -> None:
    """Pump settings when an infusion starts, the volume infused when it ends or stops,
    nothing otherwise; within what the order prepared."""
    command, order = fields.command, ctx.session.order
    pump = uses_pump(ctx.session)
    wanted: tuple[str, ...] = ()
    if pump and command == Command.START_INFUSION:
        wanted = PUMP_SETTINGS
    elif pump and command in (Command.END_INFUSION, Command.STOP_EARLY):
        wanted = ("volume_infused_ml",)
    errors = [
        FieldError(name, f"is required to {command}")
        for name in wanted
        if getattr(fields, name) is None
    ] + [
        FieldError(name, f"is not recorded when you {command}")
        for name in (*PUMP_SETTINGS, "volume_infused_ml")
        if name not in wanted and getattr(fields, name) is not None
    ]
    if errors:
        raise InvalidInput(errors)
    limits = {
        "rate_ml_per_h": (order.rate_ml_per_h, "the ordered rate"),
        "vtbi_ml": (order.volume_ml, "the prepared volume"),
        "volume_infused_ml": (order.volume_ml, "the prepared volume"),
    }
    for name in wanted:
        value, (limit, what) = getattr(fields, name), limits[name]
        if limit is not None and value > limit * (1 + 1e-9):
            raise InvalidInput.single(
                name, f"{value:g} is more than {what} ({limit:g}): check the pump"
            )


def _record_pump(actor: Actor, ctx: Locked, fields: TransitionIn, at: Any) -> None:
    if fields.command == Command.START_INFUSION and fields.rate_ml_per_h is not None:
        PumpEvent.objects.create(
            session=ctx.session,
            at=at,
            recorded_by=actor.user,
            kind=PumpEventKind.START,
            rate_ml_per_h=fields.rate_ml_per_h,
            vtbi_ml=fields.vtbi_ml,
        )
    if fields.volume_infused_ml is not None:
        PumpEvent.objects.create(
            session=ctx.session,
            at=at,
            recorded_by=actor.user,
            kind=PumpEventKind.END,
            volume_infused_ml=fields.volume_infused_ml,
            reason=fields.reason.strip(),
        )
