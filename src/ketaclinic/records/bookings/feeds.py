"""iCalendar feeds: a patient's appointments, or a location's or chair's, at a secret URL.

The token is shown once; only its SHA-256 digest is stored; a feed expires
(``CALENDAR_FEED_DAYS``) and can be revoked by whoever made it or by its patient. Only the
patient themselves or staff caring for that patient (the patient's physician, or whoever
booked one of the patient's appointments) make a patient's feed. A
carries the least health information that still works: no diagnosis, no dose, no drug; a
location or chair feed names patients by initials only. Every fetch is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from icalendar import Calendar, Event

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import audits_refusals, get_or_404, validate

from .care import calendar_status, session_states
from .inputs import FeedIn
from .models import CHAIR_TYPES, Appointment, CalendarFeed, FeedKind, Status
from .policy import booking_policy
from .reminders import visit_instructions

PRODUCT_ID = "-//ketaclinic//appointments//EN"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str
    """Shown once: the feed's URL ends in it."""


@audits_refusals(Audited.CALENDAR_FEED_CREATE)
def create_feed(actor: Actor, data: Mapping[str, Any]) -> NewFeed:
    """A new secret feed of a patient's (their own, for a patient), a location's or a chair's
    appointments."""
    fields = validate(FeedIn, data)
    target: dict[str, Any] = {}
    if fields.kind == FeedKind.PATIENT:
        authorize(actor, Action.CALENDAR_FEED, patient_id=fields.patient_id)
        if fields.patient_id is None:
            raise InvalidInput.single("patient_id", "is required for a patient feed")
        if not Patient.objects.filter(pk=fields.patient_id).exists():
            raise NotFound(f"patient {fields.patient_id} does not exist")
        if not cares_for(actor, fields.patient_id):
            audit.record(
                actor,
                Action.CALENDAR_FEED,
                outcome=Outcome.DENIED,
                patient_id=fields.patient_id,
                detail={"reason": "not caring for this patient"},
            )
            raise Forbidden("only the patient or staff caring for them may make their calendar")
        target["patient_id"] = fields.patient_id
    else:
        authorize(actor, Action.CALENDAR_FEED)
        if fields.kind == FeedKind.LOCATION:
            if not Location.objects.filter(pk=fields.location_id or 0).exists():
                raise InvalidInput.single("location_id", "is not a location")
            target["location_id"] = fields.location_id
        else:
            if not Chair.objects.filter(pk=fields.chair_id or 0).exists():
                raise InvalidInput.single("chair_id", "is not a chair")
            target["chair_id"] = fields.chair_id
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            kind=fields.kind,
            digest=digest(token),
            created_by=actor.user,
            expires_at=timezone.now() + timedelta(days=settings.CALENDAR_FEED_DAYS),
            **target,
        )
        audit.record(
            actor, Audited.CALENDAR_FEED_CREATE, obj=feed, patient_id=target.get("patient_id")
        )
    return NewFeed(feed, token)


def cares_for(actor: Actor, patient_id: int) -> bool:
    """The patient themselves, their physician, or staff who booked one of their visits."""
    if actor.role == Role.PATIENT:
        return actor.user.patient_id == patient_id
    return (
        Patient.objects.filter(pk=patient_id, physician=actor.user).exists()
        or Appointment.objects.filter(patient_id=patient_id, booked_by=actor.user).exists()
    )


def _working() -> Q:
    return Q(revoked_at__isnull=True, expires_at__gt=timezone.now())


def _mine(actor: Actor) -> Q:
    """Feeds the actor made, and (for a patient) every feed of their own appointments."""
    if actor.role == Role.PATIENT and actor.user.patient_id is not None:
        return Q(created_by=actor.user) | Q(patient_id=actor.user.patient_id)
    return Q(created_by=actor.user)


def my_feeds(actor: Actor) -> QuerySet[CalendarFeed]:
    """The feeds the actor may revoke that still work."""
    authorize(actor, Action.CALENDAR_FEED, patient_id=actor.user.patient_id)
    return CalendarFeed.objects.filter(_mine(actor), _working()).select_related(
        "patient", "location", "chair__location"
    )


@audits_refusals(Audited.CALENDAR_FEED_REVOKE)
def revoke_feed(actor: Actor, feed_id: int) -> CalendarFeed:
    """Revoke a feed the actor made (or, for a patient, any feed of theirs): its URL stops
    working at once."""
    authorize(actor, Action.CALENDAR_FEED, patient_id=actor.user.patient_id)
    feed = get_or_404(CalendarFeed.objects.filter(_mine(actor)), feed_id, "feed")
    if feed.revoked_at is not None:
        raise Conflict(f"feed {feed_id} is already revoked")
    with transaction.atomic():
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit.record_on(actor, Audited.CALENDAR_FEED_REVOKE, feed)
    return feed


def initials(patient: Patient) -> str:
    return f"{patient.given_name[:1]}.{patient.family_name[:1]}.".upper()


def render(token: str, source_address: str = "") -> bytes:
    """The feed's calendar as iCalendar text; ``NotFound`` for an unknown, expired or revoked
    token."""
    feed = (
        CalendarFeed.objects.select_related("created_by", "location", "chair__location")
        .filter(_working(), digest=digest(token))
        .first()
    )
    if feed is None or not feed.created_by.is_active:
        raise NotFound("no such calendar feed")
    policy = booking_policy()
    now = timezone.now()
    rows = Appointment.objects.filter(
        starts_at__gte=now - policy.feed_past, starts_at__lt=now + policy.feed_future
    ).select_related("location", "chair", "series", "patient")
    target = {
        FeedKind.PATIENT: "patient_id",
        FeedKind.LOCATION: "location_id",
        FeedKind.CHAIR: "chair_id",
    }[FeedKind(feed.kind)]
    rows = rows.filter(**{target: getattr(feed, target)})
    shown = list(rows.exclude(status=Status.RESCHEDULED).order_by("starts_at", "id"))
    states = session_states([appointment.pk for appointment in shown])
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _title(feed))
    for appointment in shown:
        calendar.add_component(_event(appointment, feed, now, states.get(appointment.pk)))
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        audit.record_on(
            Actor(user=feed.created_by, face=Face.WEB, source_address=source_address),
            Audited.CALENDAR_FEED_READ,
            feed,
            detail={"kind": feed.kind, "events": len(calendar.subcomponents)},
        )
    return bytes(calendar.to_ical())


def _title(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.PATIENT:
        return "My clinic appointments"
    if feed.kind == FeedKind.LOCATION:
        assert feed.location is not None
        return f"{feed.location.name} appointments"
    assert feed.chair is not None
    return f"{feed.chair.location.name} — {feed.chair.name}"


def _summary(appointment: Appointment, feed: CalendarFeed) -> str:
    kind = "Treatment visit" if appointment.appointment_type in CHAIR_TYPES else "Appointment"
    if appointment.appointment_type == "follow_up_call":
        kind = "Follow-up call"
    if appointment.series_id and appointment.series is not None:
        kind += f" {appointment.session}/{appointment.series.sessions}"
    if feed.kind == FeedKind.PATIENT:
        return f"{kind} — {appointment.location.name}"
    chair = f" · {appointment.chair.name}" if appointment.chair else ""
    return f"{initials(appointment.patient)} · {kind}{chair}"


def installation() -> str:
    """This installation's name in calendar UIDs: the host of its own identifier system
    (``KETACLINIC_MRN_SYSTEM``, a URL each clinic configures)."""
    return urlsplit(str(settings.KETACLINIC_MRN_SYSTEM)).hostname or "ketaclinic"


def calendar_uid(appointment: Appointment) -> str:
    """The visit's iCalendar UID: its random identity (kept when it is moved) at this
    installation, never a database id, so no two clinics' visits share one."""
    return f"{appointment.calendar_uid}@{installation()}"


def _event(
    appointment: Appointment, feed: CalendarFeed, now: datetime, session_state: str | None
) -> Event:
    event = Event()
    event.add("uid", calendar_uid(appointment))
    event.add("dtstamp", now)
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("summary", _summary(appointment, feed))
    location = appointment.location
    event.add(
        "location", ", ".join(filter(None, [location.name, location.address.replace("\n", ", ")]))
    )
    event.add("status", calendar_status(appointment.status, session_state))
    if feed.kind == FeedKind.PATIENT:
        instructions = visit_instructions(appointment)
        if instructions:
            event.add(
                "description", "Before your visit:\n" + "\n".join(f"- {t}" for t in instructions)
            )
    return event
