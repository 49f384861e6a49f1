"""Booking: every session of a signed plan's series in one transaction, or one visit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction

from ketaclinic import scheduling
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.toolkit import audits_refusals, validate

from . import checks, reminders
from .choices import AppointmentType
from .common import (
    domain_appointment,
    guarded,
    location_field,
    not_in_past,
    patient_id_in,
)
from .consultations import Staffing, staff_consultation
from .inputs import (
    AppointmentIn,
    SeriesIn,
)
from .models import CHAIR_TYPES, Appointment, Series
from .signals import announce_series_booked
from .visits import plain_visit, plan_visit, signed_plan


@audits_refusals(Action.BOOKING_BOOK)
def book_series(actor: Actor, data: Mapping[str, Any]) -> Series:
    """Book every session of a signed plan's series at one location, in one transaction."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id_in(data))
    fields = validate(SeriesIn, data)
    patient = patient_or_404(fields.patient_id)
    visit = plan_visit(signed_plan(patient.pk, fields.plan_id))
    location = location_field(fields.location_id)
    if len(fields.sessions) != visit.rule.count:
        raise InvalidInput.single(
            "sessions",
            f"the plan asks for {visit.rule.count} sessions; {len(fields.sessions)} were given",
        )
    length = timedelta(minutes=visit.visit.duration_min)
    for index, session in enumerate(fields.sessions):
        checks.active_chair(location, session.chair_id, f"sessions.{index}.chair_id")
        not_in_past(session.start, f"sessions.{index}.start")
    new = [
        domain_appointment(
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
            announce_series_booked(actor, series.pk)
            return series

    return guarded(write, new, location)


@audits_refusals(Action.BOOKING_BOOK)
def book_appointment(actor: Actor, data: Mapping[str, Any]) -> Appointment:
    """Book one visit: a consultation or call, or a single treatment visit of a signed plan."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id_in(data))
    fields = validate(AppointmentIn, data)
    patient = patient_or_404(fields.patient_id)
    location = location_field(fields.location_id)
    not_in_past(fields.start, "start")
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
        if kind != AppointmentType.CONSULTATION:
            for name in ("physician_id", "room_id"):
                if getattr(fields, name) is not None:
                    raise InvalidInput.single(name, f"only a consultation books a {name[:-3]}")
        visit_min = plain_visit(kind).duration_min
    end = fields.end or fields.start + timedelta(minutes=visit_min)
    if end - fields.start < timedelta(minutes=visit_min):
        raise InvalidInput.single("end", f"the visit needs at least {visit_min} min")
    new = domain_appointment(
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
            staffing = (
                staff_consultation(location, fields.start, end, fields.physician_id, fields.room_id)
                if kind == AppointmentType.CONSULTATION
                else Staffing(None, None)
            )
            row = Appointment.objects.create(
                patient=patient,
                location=location,
                chair_id=fields.chair_id,
                physician=staffing.physician,
                room=staffing.room,
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
                    **({"room": row.room.name} if row.room else {}),
                    **({"physician": row.physician_id} if row.physician_id else {}),
                },
            )
            return row

    return guarded(write, [new], location)
