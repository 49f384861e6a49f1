"""Booking services: propose and book a series, book single visits, reschedule, cancel, mark a
no-show, and read a patient's appointments. Every read and write is authorized and audited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic import scheduling
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.calendars import chair_key, domain_location
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import validate

from . import checks, reminders, slots, waitlist
from .inputs import (
    AppointmentIn,
    CancelIn,
    FreeSlotsIn,
    ProposalIn,
    RescheduleIn,
    SeriesIn,
    WindowIn,
)
from .models import CHAIR_TYPES, Appointment, Series, Status
from .policy import booking_policy
from .visits import PlanVisit, current_plans, plain_visit, plan_visit, signed_plan

APPOINTMENTS_SHOWN = 200
T = TypeVar("T")


@dataclass(frozen=True)
class ProposedSession:
    session: int
    chair: Chair
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Proposal:
    """The earliest series that fits, or the reasons none does (nothing is booked)."""

    patient: Patient
    location: Location
    plan_visit: PlanVisit
    sessions: list[ProposedSession]
    reasons: list[scheduling.Reason]
    candidate_counts: list[tuple[str, int]]
    not_before: datetime
    not_after: datetime

    @property
    def found(self) -> bool:
        return bool(self.sessions)


@dataclass(frozen=True)
class PlanChoice:
    """A signed plan as the front desk sees it: no doses."""

    plan_id: int
    protocol_name: str
    sessions: int
    visit_min: int
    visit_label: str
    signed_at: datetime


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _field(data: Any, name: str) -> int | None:
    return _int(data.get(name)) if isinstance(data, Mapping) else None


def _patient(patient_id: int) -> Patient:
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist")
    return patient


def _location(location_id: int) -> Location:
    location = Location.objects.prefetch_related("hours").filter(pk=location_id).first()
    if location is None:
        raise InvalidInput.single("location_id", f"{location_id} is not a location")
    return location


def bookable_plans(actor: Actor, patient_id: int) -> list[PlanChoice]:
    """The patient's current signed plan(s) with their visit length; no doses. Audited."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id)
    _patient(patient_id)
    choices = []
    for plan in current_plans(patient_id):
        try:
            visit = plan_visit(plan)
        except InvalidInput:
            continue
        choices.append(
            PlanChoice(
                plan.pk,
                visit.protocol.name,
                plan.sessions,
                visit.visit.duration_min,
                visit.visit.label,
                plan.signature.signed_at,
            )
        )
    audit.record(
        actor,
        Audited.BOOKING_PLANS,
        patient_id=patient_id,
        detail={"plans": [c.plan_id for c in choices]},
    )
    return choices


def _weekly(windows: Sequence[WindowIn]) -> tuple[scheduling.WeeklyWindow, ...]:
    return tuple(scheduling.WeeklyWindow(w.weekday, w.start, w.end) for w in windows)


def propose(actor: Actor, data: Mapping[str, Any]) -> Proposal:
    """The earliest series the signed plan allows at the location, from ``not_before``."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=_field(data, "patient_id"))
    fields = validate(ProposalIn, data)
    patient = _patient(fields.patient_id)
    visit = plan_visit(signed_plan(patient.pk, fields.plan_id))
    location = _location(fields.location_id)
    now = timezone.now()
    not_before = max(fields.not_before or now, now)
    not_after = not_before + booking_policy().proposal_horizon
    domain = domain_location(location, not_before, not_after)
    here = checks.chair_bookings(location, not_before, not_after)
    elsewhere = checks.patient_elsewhere(patient.pk, location, not_before, not_after, ())
    request = scheduling.SeriesRequest(
        patient_id=str(patient.pk),
        plan_id=str(visit.plan.pk),
        plan_signed=True,
        series=visit.rule,
        appointment_type=visit.visit,
        not_before=not_before,
        not_after=not_after,
        availability=scheduling.Availability(
            _weekly(fields.availability),
            tuple(scheduling.TimeRange(b.start, b.end) for b in elsewhere),
        ),
        preferred=_weekly(fields.preferred),
    )
    found = scheduling.propose_series(request, domain, here)
    chairs = {chair_key(c.pk): c for c in Chair.objects.filter(location=location)}
    sessions = [
        ProposedSession(a.session, chairs[a.chair_id], a.start, a.end) for a in found.appointments
    ]
    audit.record(
        actor,
        Audited.BOOKING_PROPOSE,
        obj=visit.plan,
        patient_id=patient.pk,
        detail={
            "location": location.slug,
            "found": found.found,
            "reasons": [r.code for r in found.reasons],
        },
    )
    return Proposal(
        patient,
        location,
        visit,
        sessions,
        list(found.reasons),
        list(found.candidate_counts),
        not_before,
        not_after,
    )


def _domain_appointment(
    patient: Patient,
    location: Location,
    kind: str,
    chair_id: int | None,
    start: datetime,
    end: datetime,
    session: int = 1,
    plan_id: int | None = None,
) -> scheduling.Appointment:
    return scheduling.Appointment(
        patient_id=str(patient.pk),
        plan_id=str(plan_id or ""),
        session=session,
        location_id=location.slug,
        chair_id=chair_key(chair_id) if chair_id is not None else "",
        appointment_type_id=kind,
        start=start,
        end=end,
        zone=location.zone,
    )


def _not_in_past(start: datetime, field: str) -> None:
    if start < timezone.now():
        raise InvalidInput.single(field, "is in the past")


def _guarded(
    run: Callable[[], T],
    new: Sequence[scheduling.Appointment],
    location: Location,
    exclude: Sequence[int] = (),
) -> T:
    """Run a booking transaction; a database constraint's refusal becomes a named clash."""
    try:
        return run()
    except IntegrityError:
        raise checks.clash_after_integrity_error(new, location, exclude) from None


def book_series(actor: Actor, data: Mapping[str, Any]) -> Series:
    """Book every session of a signed plan's series at one location, in one transaction."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=_field(data, "patient_id"))
    fields = validate(SeriesIn, data)
    patient = _patient(fields.patient_id)
    visit = plan_visit(signed_plan(patient.pk, fields.plan_id))
    location = _location(fields.location_id)
    if len(fields.sessions) != visit.rule.count:
        raise InvalidInput.single(
            "sessions",
            f"the plan asks for {visit.rule.count} sessions; {len(fields.sessions)} were given",
        )
    length = timedelta(minutes=visit.visit.duration_min)
    for index, session in enumerate(fields.sessions):
        checks.active_chair(location, session.chair_id, f"sessions.{index}.chair_id")
        _not_in_past(session.start, f"sessions.{index}.start")
    new = [
        _domain_appointment(
            patient,
            location,
            visit.visit.id,
            s.chair_id,
            s.start,
            s.start + length,
            n,
            visit.plan.pk,
        )
        for n, s in enumerate(fields.sessions, start=1)
    ]
    policy_version = scheduling.scheduling_policy().version

    def write() -> Series:
        with transaction.atomic():
            checks.lock_locations([location.pk])
            checks.check_chair_visits(location, new, "sessions.", rule=visit.rule)
            series = Series.objects.create(
                patient=patient,
                plan=visit.plan,
                location=location,
                appointment_type=visit.visit.id,
                visit_min=visit.visit.duration_min,
                sessions=visit.rule.count,
                min_spacing_h=visit.rule.min_spacing_h,
                max_spacing_h=visit.rule.max_spacing_h,
                max_span_days=visit.rule.max_span_days,
                protocol_id=visit.protocol.id,
                protocol_version=visit.protocol.version,
                policy_version=policy_version,
                booked_by=actor.user,
            )
            rows = [
                Appointment.objects.create(
                    patient=patient,
                    location=location,
                    chair_id=session.chair_id,
                    series=series,
                    session=number,
                    plan=visit.plan,
                    appointment_type=visit.visit.id,
                    starts_at=session.start,
                    ends_at=session.start + length,
                    note=fields.note,
                    policy_version=policy_version,
                    booked_by=actor.user,
                )
                for number, session in enumerate(fields.sessions, start=1)
            ]
            reminders.schedule(actor, rows)
            audit.record(
                actor,
                Action.BOOKING_BOOK,
                obj=series,
                patient_id=patient.pk,
                detail={
                    "plan": visit.plan.pk,
                    "location": location.slug,
                    "appointments": [row.pk for row in rows],
                    "starts": [row.starts_at.isoformat() for row in rows],
                },
            )
            return series

    return _guarded(write, new, location)


def book_appointment(actor: Actor, data: Mapping[str, Any]) -> Appointment:
    """Book one visit: a consultation or call, or a single treatment visit of a signed plan."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=_field(data, "patient_id"))
    fields = validate(AppointmentIn, data)
    patient = _patient(fields.patient_id)
    location = _location(fields.location_id)
    _not_in_past(fields.start, "start")
    kind = fields.appointment_type
    plan = None
    if kind in CHAIR_TYPES:
        if fields.plan_id is None:
            raise InvalidInput.single("plan_id", f"a {kind} visit needs the patient's signed plan")
        if fields.chair_id is None:
            raise InvalidInput.single("chair_id", f"a {kind} visit needs a chair")
        visit = plan_visit(signed_plan(patient.pk, fields.plan_id))
        if visit.visit.id != kind:
            raise InvalidInput.single(
                "appointment_type", f"the plan's protocol gives {visit.visit.id} visits"
            )
        plan, visit_min = visit.plan, visit.visit.duration_min
        checks.active_chair(location, fields.chair_id, "chair_id")
    else:
        if fields.chair_id is not None:
            raise InvalidInput.single("chair_id", f"a {kind} needs no chair")
        visit_min = plain_visit(kind).duration_min
    end = fields.end or fields.start + timedelta(minutes=visit_min)
    if end - fields.start < timedelta(minutes=visit_min):
        raise InvalidInput.single("end", f"the visit needs at least {visit_min} min")
    new = _domain_appointment(
        patient,
        location,
        kind,
        fields.chair_id,
        fields.start,
        end,
        plan_id=plan.pk if plan else None,
    )

    def write() -> Appointment:
        with transaction.atomic():
            checks.lock_locations([location.pk])
            if kind in CHAIR_TYPES:
                checks.check_chair_visits(location, [new], "")
            else:
                checks.check_plain_visit(location, new)
            row = Appointment.objects.create(
                patient=patient,
                location=location,
                chair_id=fields.chair_id,
                plan=plan,
                appointment_type=kind,
                starts_at=fields.start,
                ends_at=end,
                note=fields.note,
                policy_version=scheduling.scheduling_policy().version,
                booked_by=actor.user,
            )
            reminders.schedule(actor, [row])
            audit.record(
                actor,
                Action.BOOKING_BOOK,
                obj=row,
                patient_id=patient.pk,
                detail={
                    "type": kind,
                    "start": row.starts_at.isoformat(),
                    "location": location.slug,
                },
            )
            return row

    return _guarded(write, [new], location)


def _appointment(appointment_id: int) -> Appointment:
    row = (
        Appointment.objects.select_related("location", "chair", "series", "patient")
        .filter(pk=appointment_id)
        .first()
    )
    if row is None:
        raise NotFound(f"appointment {appointment_id} does not exist")
    return row


def _patient_of(appointment_id: int) -> int | None:
    return (
        Appointment.objects.filter(pk=appointment_id).values_list("patient_id", flat=True).first()
    )


def _self_service_rules(actor: Actor, appointment: Appointment, new_start: datetime | None) -> None:
    """A patient changes their own visit only well ahead of it (clinic policy)."""
    if actor.role != Role.PATIENT:
        return
    cutoff = booking_policy().self_service_cutoff
    hours = f"{cutoff.total_seconds() / 3600:g} h"
    now = timezone.now()
    if appointment.starts_at < now + cutoff:
        raise InvalidInput.single(
            "appointment_id",
            f"starts within {hours}: please call {appointment.location.name} to change it",
        )
    if new_start is not None and new_start < now + cutoff:
        raise InvalidInput.single("start", f"must be at least {hours} from now")


def _require_booked(appointment: Appointment, doing: str) -> None:
    if appointment.status != Status.BOOKED:
        raise Conflict(
            f"appointment {appointment.pk} is {appointment.get_status_display().lower()}: "
            f"only a booked appointment can be {doing}"
        )


def _series_sessions(series: Series, zone: Any) -> list[scheduling.Appointment]:
    rows = series.appointments.filter(status=Status.BOOKED).order_by("session")
    return [
        scheduling.Appointment(
            patient_id=str(series.patient_id),
            plan_id=str(series.plan_id),
            session=row.session or 0,
            location_id=series.location.slug,
            chair_id=chair_key(row.chair_id) if row.chair_id else "",
            appointment_type_id=row.appointment_type,
            start=row.starts_at,
            end=row.ends_at,
            zone=zone,
        )
        for row in rows
    ]


def _series_rule(series: Series, count: int) -> scheduling.SeriesRule:
    """The series' stored rule for ``count`` booked sessions (a cancelled one leaves fewer)."""
    return scheduling.SeriesRule(
        count, series.min_spacing_h, series.max_spacing_h, series.max_span_days
    )


def _cancelled_session(appointment: Appointment) -> bool:
    """A cancelled session of a series with no booked row in its place: it may be booked again
    through ``reschedule``."""
    return (
        appointment.status == Status.CANCELLED
        and appointment.series is not None
        and not Appointment.objects.filter(replaces=appointment).exists()
        and not appointment.series.appointments.filter(
            session=appointment.session, status=Status.BOOKED
        ).exists()
    )


def reschedule(actor: Actor, appointment_id: int, data: Mapping[str, Any]) -> Appointment:
    """Move a booked visit (same length, same location; chair kept unless given), or book a
    cancelled session of a series again. A session must keep its series valid (spacing, span);
    the violations say why not. The old row stays, marked rescheduled, and the new row points
    to it."""
    authorize(actor, Action.BOOKING_RESCHEDULE, patient_id=_patient_of(appointment_id))
    fields = validate(RescheduleIn, data)
    old = _appointment(appointment_id)
    rebook = _cancelled_session(old)
    if not rebook:
        _require_booked(old, "moved")
    _self_service_rules(actor, old, fields.start)
    _not_in_past(fields.start, "start")
    location = old.location
    chair_id = fields.chair_id if fields.chair_id is not None else old.chair_id
    if old.chair_id is None and fields.chair_id is not None:
        raise InvalidInput.single("chair_id", f"a {old.appointment_type} needs no chair")
    if chair_id is not None:
        checks.active_chair(location, chair_id, "chair_id")
    end = fields.start + (old.ends_at - old.starts_at)
    moved = _domain_appointment(
        old.patient,
        location,
        old.appointment_type,
        chair_id,
        fields.start,
        end,
        old.session or 1,
        old.plan_id,
    )

    def write() -> Appointment:
        with transaction.atomic():
            checks.lock_locations([location.pk])
            if old.series is not None:
                sessions = _series_sessions(old.series, location.zone)
                after = [s for s in sessions if s.session != old.session] + [moved]
                rule = _series_rule(old.series, len(after))
                checks.check_chair_visits(
                    location, [moved], "", rule=rule, series=after, exclude=[old.pk]
                )
            elif chair_id is not None:
                checks.check_chair_visits(location, [moved], "", exclude=[old.pk])
            else:
                checks.check_plain_visit(location, moved, exclude=[old.pk])
            if not rebook:
                _close(old, Status.RESCHEDULED, actor, fields.reason)
            new = Appointment.objects.create(
                patient=old.patient,
                location=location,
                chair_id=chair_id,
                series=old.series,
                session=old.session,
                plan_id=old.plan_id,
                appointment_type=old.appointment_type,
                starts_at=fields.start,
                ends_at=end,
                replaces=old,
                note=old.note,
                policy_version=old.policy_version,
                booked_by=actor.user,
            )
            reminders.schedule(actor, [new])
            if not rebook:
                waitlist.offer_freed_slot(actor, old)
            audit.record(
                actor,
                Action.BOOKING_RESCHEDULE,
                obj=new,
                patient_id=old.patient_id,
                detail={
                    "from": old.pk,
                    "rebooked": rebook,
                    "old_start": old.starts_at.isoformat(),
                    "new_start": new.starts_at.isoformat(),
                    "reason": fields.reason,
                },
            )
            return new

    return _guarded(write, [moved], location, exclude=[old.pk])


@dataclass(frozen=True)
class FreeSlot:
    chair: Chair
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class FreeSlots:
    """Where a visit could move (nothing is booked); ``spacing_*`` bound a series session."""

    appointment: Appointment
    slots: list[FreeSlot]
    not_before: datetime
    not_after: datetime
    spacing_from: datetime | None
    spacing_until: datetime | None


def free_slots(actor: Actor, appointment_id: int, data: Mapping[str, Any]) -> FreeSlots:
    """Every start over the coming days where ``reschedule`` would move this chair visit (same
    length and location, its own chair first): hours, closures, chairs, the nurse ratio, the
    patient's other visits, and a session's spacing and span in its series. Audited."""
    authorize(actor, Action.BOOKING_RESCHEDULE, patient_id=_patient_of(appointment_id))
    fields = validate(FreeSlotsIn, data)
    horizon = booking_policy().proposal_horizon.days
    if fields.days > horizon:
        raise InvalidInput.single("days", f"must be at most {horizon}")
    old = _appointment(appointment_id)
    if not _cancelled_session(old):
        _require_booked(old, "moved")
    _self_service_rules(actor, old, None)
    if old.chair_id is None:
        raise InvalidInput.single(
            "appointment_id", f"a {old.appointment_type} holds no chair: give the new time"
        )
    location = old.location
    visit = _domain_appointment(
        old.patient,
        location,
        old.appointment_type,
        old.chair_id,
        old.starts_at,
        old.ends_at,
        old.session or 1,
        old.plan_id,
    )
    others: list[scheduling.Appointment] = []
    rule = None
    if old.series is not None:
        sessions = _series_sessions(old.series, location.zone)
        others = [s for s in sessions if s.session != old.session]
        rule = _series_rule(old.series, len(others) + 1)
    spacing_from, spacing_until = slots.spacing_window(visit.session, others, rule)
    earliest = timezone.now()
    if actor.role == Role.PATIENT:
        earliest += booking_policy().self_service_cutoff
    bounds = [earliest, *([spacing_from] if spacing_from else [])]
    if fields.start is not None:
        bounds.append(datetime.combine(fields.start, time(0), tzinfo=location.zone))
    not_before = max(bounds)
    not_after = not_before + timedelta(days=fields.days)
    if spacing_until is not None:
        not_after = min(not_after, spacing_until + timedelta(seconds=1))
    margin = timedelta(days=1)
    start, end = not_before - margin, max(not_after, not_before) + margin
    move = slots.Move(
        visit,
        domain_location(location, start, end),
        checks.chair_bookings(location, start, end, exclude=[old.pk]),
        checks.patient_elsewhere(old.patient_id, location, start, end, exclude=[old.pk]),
        rule,
        others,
    )
    found = slots.free_starts(move, not_before, not_after, scheduling.scheduling_policy().slot_min)
    chairs = {chair_key(c.pk): c for c in Chair.objects.filter(location=location)}
    audit.record(
        actor,
        Audited.BOOKING_FREE_SLOTS,
        obj=old,
        patient_id=old.patient_id,
        detail={"from": not_before.isoformat(), "days": fields.days, "found": len(found)},
    )
    return FreeSlots(
        old,
        [FreeSlot(chairs[a.chair_id], a.start, a.end) for a in found],
        not_before,
        not_after,
        spacing_from,
        spacing_until,
    )


def _close(appointment: Appointment, status: str, actor: Actor, reason: str) -> None:
    appointment.status = status
    appointment.status_changed_by = actor.user
    appointment.status_changed_at = timezone.now()
    appointment.status_reason = reason
    appointment.save(
        update_fields=["status", "status_changed_by", "status_changed_at", "status_reason"]
    )
    reminders.cancel_for(appointment)


def cancel(actor: Actor, appointment_id: int, data: Mapping[str, Any] | None = None) -> Appointment:
    """Cancel a booked visit; a patient only their own, well ahead. The freed slot goes to the
    waitlist."""
    authorize(actor, Action.BOOKING_CANCEL, patient_id=_patient_of(appointment_id))
    fields = validate(CancelIn, data or {})
    appointment = _appointment(appointment_id)
    _require_booked(appointment, "cancelled")
    _self_service_rules(actor, appointment, None)
    with transaction.atomic():
        checks.lock_locations([appointment.location_id])
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_booked(locked, "cancelled")
        _close(appointment, Status.CANCELLED, actor, fields.reason)
        waitlist.offer_freed_slot(actor, appointment)
        audit.record(
            actor,
            Action.BOOKING_CANCEL,
            obj=appointment,
            patient_id=appointment.patient_id,
            detail={"start": appointment.starts_at.isoformat(), "reason": fields.reason},
        )
    return appointment


def cancel_series(actor: Actor, series_id: int, data: Mapping[str, Any] | None = None) -> Series:
    """Cancel every future booked session of a series (the front desk, not the patient)."""
    patient_id = Series.objects.filter(pk=series_id).values_list("patient_id", flat=True).first()
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id)
    fields = validate(CancelIn, data or {})
    series = Series.objects.select_related("location").filter(pk=series_id).first()
    if series is None:
        raise NotFound(f"series {series_id} does not exist")
    with transaction.atomic():
        checks.lock_locations([series.location_id])
        future = list(
            series.appointments.select_for_update()
            .filter(status=Status.BOOKED, starts_at__gt=timezone.now())
            .select_related("location", "chair")
        )
        for appointment in future:
            _close(appointment, Status.CANCELLED, actor, fields.reason)
            waitlist.offer_freed_slot(actor, appointment)
        audit.record(
            actor,
            Audited.BOOKING_CANCEL_SERIES,
            obj=series,
            patient_id=series.patient_id,
            detail={"cancelled": [a.pk for a in future], "reason": fields.reason},
        )
    return series


def mark_no_show(
    actor: Actor, appointment_id: int, data: Mapping[str, Any] | None = None
) -> Appointment:
    """The patient did not come: only once the visit has begun."""
    authorize(actor, Action.BOOKING_NO_SHOW, patient_id=_patient_of(appointment_id))
    fields = validate(CancelIn, data or {})
    appointment = _appointment(appointment_id)
    _require_booked(appointment, "marked as a no-show")
    if appointment.starts_at > timezone.now():
        raise Conflict(f"appointment {appointment.pk} has not begun yet: cancel it instead")
    with transaction.atomic():
        _close(appointment, Status.NO_SHOW, actor, fields.reason)
        audit.record(
            actor, Action.BOOKING_NO_SHOW, obj=appointment, patient_id=appointment.patient_id
        )
    return appointment


def _with_relations(rows: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return rows.select_related("location", "chair", "series", "replaces")


def list_appointments(
    actor: Actor, patient_id: int, *, upcoming_only: bool = False
) -> list[Appointment]:
    """A patient's appointments (every status), soonest first; audited."""
    authorize(actor, Action.BOOKING_VIEW, patient_id=patient_id)
    _patient(patient_id)
    rows = _with_relations(Appointment.objects.filter(patient_id=patient_id))
    if upcoming_only:
        rows = rows.filter(ends_at__gt=timezone.now())
    shown = list(rows.order_by("starts_at", "id")[:APPOINTMENTS_SHOWN])
    audit.record(
        actor,
        Action.BOOKING_VIEW,
        patient_id=patient_id,
        detail={"appointments": len(shown), "upcoming_only": upcoming_only},
    )
    return shown


def get_appointment(actor: Actor, appointment_id: int) -> Appointment:
    authorize(actor, Action.BOOKING_VIEW, patient_id=_patient_of(appointment_id))
    appointment = _appointment(appointment_id)
    audit.record(actor, Action.BOOKING_VIEW, obj=appointment, patient_id=appointment.patient_id)
    return appointment


@dataclass(frozen=True)
class SeriesDetail:
    series: Series
    appointments: list[Appointment]
    """Every row, moved and cancelled ones too, by session then time."""

    @property
    def booked(self) -> list[Appointment]:
        return [a for a in self.appointments if a.status == Status.BOOKED]


def get_series(actor: Actor, series_id: int) -> SeriesDetail:
    patient_id = Series.objects.filter(pk=series_id).values_list("patient_id", flat=True).first()
    authorize(actor, Action.BOOKING_VIEW, patient_id=patient_id)
    series = Series.objects.select_related("location", "patient").filter(pk=series_id).first()
    if series is None:
        raise NotFound(f"series {series_id} does not exist")
    rows = list(_with_relations(series.appointments.all()).order_by("session", "starts_at", "id"))
    audit.record(actor, Action.BOOKING_VIEW, obj=series, patient_id=series.patient_id)
    return SeriesDetail(series, rows)
