"""Moving a visit: rescheduling it (or booking a cancelled series session again) and the free
slots it could move to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic import scheduling
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.calendars import chair_key, domain_location
from ketaclinic.records.clinics.models import Chair
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.toolkit import audits_refusals, validate

from . import checks, reminders, slots, waitlist
from .choices import AppointmentType
from .common import (
    appointment_or_404,
    cancelled_session,
    close,
    domain_appointment,
    guarded,
    not_in_past,
    patient_of,
    require_booked,
    self_service_rules,
    series_rule,
    series_sessions,
)
from .consultations import Staffing, staff_consultation
from .inputs import (
    FreeSlotsIn,
    RescheduleIn,
)
from .models import Appointment, Status
from .policy import booking_policy


@audits_refusals(Action.BOOKING_RESCHEDULE)
def reschedule(actor: Actor, appointment_id: int, data: Mapping[str, Any]) -> Appointment:
    """Move a booked visit (same length, same location; chair kept unless given), or book a
    cancelled session of a series again. A session must keep its series valid (spacing, span);
    the violations say why not. The old row stays, marked rescheduled, and the new row points
    to it."""
    authorize(actor, Action.BOOKING_RESCHEDULE, patient_id=patient_of(appointment_id))
    fields = validate(RescheduleIn, data)
    old = appointment_or_404(appointment_id)
    rebook = cancelled_session(old)
    if not rebook:
        require_booked(old, "moved")
    self_service_rules(actor, old, fields.start)
    not_in_past(fields.start, "start")
    location = old.location
    chair_id = fields.chair_id if fields.chair_id is not None else old.chair_id
    if old.chair_id is None and fields.chair_id is not None:
        raise InvalidInput.single("chair_id", f"a {old.appointment_type} needs no chair")
    if chair_id is not None:
        checks.active_chair(location, chair_id, "chair_id")
    end = fields.start + (old.ends_at - old.starts_at)
    moved = domain_appointment(
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
            _unchanged_meanwhile(old, rebook)
            if old.series is not None:
                sessions = series_sessions(old.series, location.zone)
                after = [s for s in sessions if s.session != old.session] + [moved]
                rule = series_rule(old.series, len(after))
                checks.check_chair_visits(
                    location, [moved], "", rule=rule, series=after, exclude=[old.pk]
                )
            elif chair_id is not None:
                checks.check_chair_visits(location, [moved], "", exclude=[old.pk])
            else:
                checks.check_plain_visit(location, moved, exclude=[old.pk])
            staffing = (
                staff_consultation(
                    location, fields.start, end, old.physician_id, None, exclude=[old.pk]
                )
                if old.appointment_type == AppointmentType.CONSULTATION
                else Staffing(None, None)
            )
            if not rebook:
                close(old, Status.RESCHEDULED, actor, fields.reason)
            new = Appointment.objects.create(
                patient=old.patient,
                location=location,
                chair_id=chair_id,
                physician=staffing.physician,
                room=staffing.room,
                series=old.series,
                session=old.session,
                plan_id=old.plan_id,
                appointment_type=old.appointment_type,
                starts_at=fields.start,
                ends_at=end,
                replaces=old,
                # A move keeps the visit's calendar identity; a session booked again is new.
                **({} if rebook else {"calendar_uid": old.calendar_uid}),
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

    return guarded(write, [moved], location, exclude=[old.pk])


def _unchanged_meanwhile(old: Appointment, rebook: bool) -> None:
    """Under the booking lock, the visit is as it was read: a move, cancellation or booking
    again of it made at the same moment is refused saying where the visit is now (asking again
    could not succeed)."""
    status = Appointment.objects.select_for_update().values_list("status", flat=True).get(pk=old.pk)
    if status == old.status and (not rebook or cancelled_session(old)):
        return
    now = Appointment.objects.filter(replaces=old).select_related("location", "chair").first()
    if now is not None:
        done = "booked again" if rebook else "moved"
        raise Conflict(
            f"appointment {old.pk} was {done} at the same moment, to {checks.describe(now)}: "
            "nothing was changed here; move that visit if it should be at another time"
        )
    if rebook:
        raise Conflict(
            f"session {old.session} of this series was booked at the same moment: "
            "nothing was booked; open the series to see when"
        )
    raise Conflict(
        f"appointment {old.pk} changed at the same moment (it is now "
        f"{Status(status).label.lower()}): nothing was moved"
    )


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


@audits_refusals(Audited.BOOKING_FREE_SLOTS)
def free_slots(actor: Actor, appointment_id: int, data: Mapping[str, Any]) -> FreeSlots:
    """Every start over the coming days where ``reschedule`` would move this chair visit (same
    length and location, its own chair first): hours, closures, chairs, the nurse ratio, the
    patient's other visits, and a session's spacing and span in its series. Audited."""
    authorize(actor, Action.BOOKING_RESCHEDULE, patient_id=patient_of(appointment_id))
    fields = validate(FreeSlotsIn, data)
    horizon = booking_policy().proposal_horizon.days
    if fields.days > horizon:
        raise InvalidInput.single("days", f"must be at most {horizon}")
    old = appointment_or_404(appointment_id)
    if not cancelled_session(old):
        require_booked(old, "moved")
    self_service_rules(actor, old, None)
    if old.chair_id is None:
        raise InvalidInput.single(
            "appointment_id", f"a {old.appointment_type} holds no chair: give the new time"
        )
    location = old.location
    visit = domain_appointment(
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
        sessions = series_sessions(old.series, location.zone)
        others = [s for s in sessions if s.session != old.session]
        rule = series_rule(old.series, len(others) + 1)
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
    audit.record_on(
        actor,
        Audited.BOOKING_FREE_SLOTS,
        old,
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
