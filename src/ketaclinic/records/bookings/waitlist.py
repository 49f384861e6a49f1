"""The waitlist: patients who want an earlier visit; a freed slot is offered to the first entry
that fits it, the offer is recorded and e-mailed, and the front desk books it on a yes or, on a
no, passes the slot to the next entry that fits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import audits_refusals, get_or_404, validate

from . import reminders
from .booking import book_appointment
from .inputs import WaitlistIn
from .models import (
    CHAIR_TYPES,
    Appointment,
    Reminder,
    ReminderKind,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from .policy import booking_policy
from .visits import plain_visit, plan_visit, signed_plan

ENTRIES_SHOWN = 200


@audits_refusals(Audited.WAITLIST_ADD)
def add(actor: Actor, data: Mapping[str, Any]) -> WaitlistEntry:
    """Put a patient on a location's waitlist for one visit between two times."""
    patient_id = data.get("patient_id") if isinstance(data, Mapping) else None
    authorize(
        actor, Action.BOOKING_BOOK, patient_id=patient_id if isinstance(patient_id, int) else None
    )
    fields = validate(WaitlistIn, data)
    patient = Patient.objects.filter(pk=fields.patient_id).first()
    if patient is None:
        raise NotFound(f"patient {fields.patient_id} does not exist")
    location = Location.objects.filter(pk=fields.location_id).first()
    if location is None:
        raise InvalidInput.single("location_id", f"{fields.location_id} is not a location")
    plan = None
    if fields.appointment_type in CHAIR_TYPES:
        if fields.plan_id is None:
            raise InvalidInput.single("plan_id", "a treatment visit needs the signed plan")
        visit = plan_visit(signed_plan(patient.pk, fields.plan_id))
        if visit.visit.id != fields.appointment_type:
            raise InvalidInput.single(
                "appointment_type", f"the plan's protocol gives {visit.visit.id} visits"
            )
        plan, visit_min = visit.plan, visit.visit.duration_min
    else:
        visit_min = plain_visit(fields.appointment_type).duration_min
    if fields.latest - fields.earliest < timedelta(minutes=visit_min):
        raise InvalidInput.single("latest", f"the window is shorter than the {visit_min}-min visit")
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            patient=patient,
            location=location,
            plan=plan,
            appointment_type=fields.appointment_type,
            visit_min=visit_min,
            earliest=fields.earliest,
            latest=fields.latest,
            note=fields.note,
            created_by=actor.user,
        )
        audit.record(actor, Audited.WAITLIST_ADD, obj=entry, patient_id=patient.pk)
    return entry


def entries(
    actor: Actor, location_id: int | None = None, status: str | None = None
) -> QuerySet[WaitlistEntry]:
    """Entries in ``status`` (default: waiting and offered), oldest first, with their latest
    offers; audited."""
    authorize(actor, Action.BOOKING_BOOK)
    if status is not None and status not in WaitlistStatus.values:
        raise InvalidInput.single("status", f"must be one of {', '.join(WaitlistStatus.values)}")
    statuses = [status] if status else [WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
    rows = (
        WaitlistEntry.objects.filter(status__in=statuses)
        .select_related("patient", "location")
        .prefetch_related("offers__chair")
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    audit.record(actor, Audited.WAITLIST_VIEW, detail={"location": location_id, "status": status})
    return rows[:ENTRIES_SHOWN]


def _locked_entry(entry_id: int) -> WaitlistEntry:
    """The entry, locked until the transaction ends (answers and withdrawals take turns)."""
    rows = WaitlistEntry.objects.select_for_update(of=("self",))
    return get_or_404(rows.select_related("patient", "location"), entry_id, "waitlist entry")


@audits_refusals(Audited.WAITLIST_WITHDRAW)
def withdraw(actor: Actor, entry_id: int) -> WaitlistEntry:
    patient_id = (
        WaitlistEntry.objects.filter(pk=entry_id).values_list("patient_id", flat=True).first()
    )
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id)
    with transaction.atomic():
        entry = _locked_entry(entry_id)
        if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
            raise Conflict(f"waitlist entry {entry_id} is {entry.get_status_display().lower()}")
        _set_status(entry, WaitlistStatus.WITHDRAWN)
        audit.record_on(actor, Audited.WAITLIST_WITHDRAW, entry)
    return entry


def _set_status(entry: WaitlistEntry, status: str) -> None:
    entry.status = status
    entry.status_changed_at = timezone.now()
    entry.save(update_fields=["status", "status_changed_at"])


def offer_freed_slot(actor: Actor, freed: Appointment) -> WaitlistOffer | None:
    """Offer a future slot that was just freed to the first waiting entry it fits (same kind of
    visit, as long or longer, inside the entry's window) and that was not offered it before;
    call inside the freeing (or declining) transaction."""
    if freed.starts_at <= timezone.now():
        return None
    length = freed.ends_at - freed.starts_at
    offered_before = WaitlistOffer.objects.filter(entry=OuterRef("pk"), freed_by=freed)
    candidates = WaitlistEntry.objects.select_for_update().filter(
        ~Exists(offered_before),
        location_id=freed.location_id,
        status=WaitlistStatus.WAITING,
        appointment_type=freed.appointment_type,
        earliest__lte=freed.starts_at,
        visit_min__lte=length.total_seconds() // 60,
    )
    entry = next(
        (
            candidate
            for candidate in candidates.order_by("created_at", "id")
            if candidate.latest >= freed.starts_at + timedelta(minutes=candidate.visit_min)
            and candidate.patient_id != freed.patient_id
        ),
        None,
    )
    if entry is None:
        return None
    offer = WaitlistOffer.objects.create(
        entry=entry,
        chair_id=freed.chair_id,
        starts_at=freed.starts_at,
        ends_at=freed.starts_at + timedelta(minutes=entry.visit_min),
        freed_by=freed,
    )
    _set_status(entry, WaitlistStatus.OFFERED)
    now = timezone.now()
    reminder = Reminder.objects.create(
        kind=ReminderKind.OFFER,
        patient_id=entry.patient_id,
        offer=offer,
        due_at=now,
        next_attempt_at=now,
        instructions_version=booking_policy().version,
        created_by=actor.user,
    )
    reminders.enqueue(reminder)
    audit.record(
        actor,
        Audited.WAITLIST_OFFER,
        obj=offer,
        patient_id=entry.patient_id,
        detail={"entry": entry.pk, "start": offer.starts_at.isoformat(), "freed_by": freed.pk},
    )
    return offer


def _offer_patient(actor: Actor, offer_id: int) -> None:
    """Authorize on the offer's patient, before looking further; 404 if there is no offer."""
    patient_id = (
        WaitlistOffer.objects.filter(pk=offer_id)
        .values_list("entry__patient_id", flat=True)
        .first()
    )
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id)
    if patient_id is None:
        raise NotFound(f"offer {offer_id} does not exist")


def _locked_open_offer(offer_id: int) -> WaitlistOffer:
    """Inside the answering transaction: the offer and its entry locked (so two answers given
    at once take turns) and read again, refused with 409 if the offer was answered meanwhile."""
    offer = WaitlistOffer.objects.select_for_update().get(pk=offer_id)
    entry = _locked_entry(offer.entry_id)
    offer.entry = entry
    if offer.booked_id is not None:
        raise Conflict(
            f"this offer was already answered: it was booked as appointment {offer.booked_id}"
        )
    if offer.declined_at is not None:
        declined = offer.declined_at.astimezone(entry.location.zone)
        raise Conflict(
            "this offer was already answered: the patient declined it "
            f"({declined:%a %Y-%m-%d %H:%M %Z}) and the slot was passed on"
        )
    if entry.status != WaitlistStatus.OFFERED:
        raise Conflict(
            f"this offer is closed: the waitlist entry is {entry.get_status_display().lower()}"
        )
    return offer


@audits_refusals(Audited.WAITLIST_DECLINE)
def decline_offer(actor: Actor, offer_id: int) -> WaitlistOffer | None:
    """The patient said no: the entry waits again (for other slots) and the slot is offered to
    the next entry that fits; returns that new offer, if any."""
    _offer_patient(actor, offer_id)
    with transaction.atomic():
        offer = _locked_open_offer(offer_id)
        offer.declined_at = timezone.now()
        offer.save(update_fields=["declined_at"])
        _set_status(offer.entry, WaitlistStatus.WAITING)
        audit.record(actor, Audited.WAITLIST_DECLINE, obj=offer, patient_id=offer.entry.patient_id)
        return offer_freed_slot(actor, offer.freed_by)


@audits_refusals(Audited.WAITLIST_BOOK)
def book_offer(actor: Actor, offer_id: int) -> Appointment:
    """The patient said yes: book the offered slot through the ordinary booking service (which
    refuses it with 409 if someone took it meanwhile) and close the entry."""
    _offer_patient(actor, offer_id)
    with transaction.atomic():
        offer = _locked_open_offer(offer_id)
        entry = offer.entry
        appointment = book_appointment(
            actor,
            {
                "patient_id": entry.patient_id,
                "location_id": entry.location_id,
                "appointment_type": entry.appointment_type,
                "start": offer.starts_at,
                "end": offer.ends_at,
                "chair_id": offer.chair_id,
                "plan_id": entry.plan_id,
                "note": f"from waitlist entry {entry.pk}",
            },
        )
        offer.booked = appointment
        offer.save(update_fields=["booked"])
        _set_status(entry, WaitlistStatus.BOOKED)
        audit.record(actor, Audited.WAITLIST_BOOK, obj=offer, patient_id=entry.patient_id)
    return appointment
