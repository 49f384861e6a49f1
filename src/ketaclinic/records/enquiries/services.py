"""Consultation requests: sent from the public site, worked by the front desk.

``submit`` takes no actor (the requester has no account): it is rate-limited per address,
drops what a robot fills in (the honeypot), validates and queues. The queue's reads and steps
are permission-checked and audited like any patient data: a request names a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.bookings import services as bookings
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.records.pages import Page
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import audits_refusals, get_or_404, validate

from .choices import RequestStatus
from .inputs import ConsultationRequestIn, ConvertIn, StatusIn
from .models import ConsultationRequest
from .throttle import admit

QUEUE_PAGE_SIZE = 25


def phone_digits(phone: str) -> str:
    """The last ten digits of a phone number (a US number without its country code)."""
    return re.sub(r"\D", "", phone)[-10:]


@dataclass(frozen=True)
class Receipt:
    """What the requester is told: the same whether the request was queued or dropped."""

    given_name: str
    location_name: str


def _valid(data: Any) -> ConsultationRequestIn:
    """The request, or ``InvalidInput`` naming every bad field at once."""
    errors: list[FieldError] = []
    fields = None
    try:
        fields = validate(ConsultationRequestIn, data)
    except InvalidInput as error:
        errors.extend(error.errors)
    if isinstance(data, Mapping):
        if not str(data.get("phone") or "").strip() and not str(data.get("email") or "").strip():
            message = "give a phone number or an e-mail address (or both)"
            errors += [FieldError("phone", message), FieldError("email", message)]
        slug = data.get("location")
        known = isinstance(slug, str) and Location.objects.filter(slug=slug.strip()).exists()
        if isinstance(slug, str) and slug.strip() and not known:
            errors.append(FieldError("location", "is not one of our locations"))
    if errors or fields is None:
        raise InvalidInput(list(dict.fromkeys(errors)))
    return fields


def submit(data: Any, *, address: str, face: Face) -> Receipt:
    """Queue a consultation request from ``address``. Raises ``RateLimited`` past the
    clinic's limit and ``InvalidInput`` naming each bad field; a filled-in honeypot gets the
    same receipt as a real request, and nothing is queued."""
    admit(address)
    fields = _valid(data)
    location = Location.objects.filter(slug=fields.location).first() if fields.location else None
    receipt = Receipt(fields.given_name, location.name if location else "")
    if fields.website:
        return receipt
    with transaction.atomic():
        row = ConsultationRequest.objects.create(
            **fields.model_dump(exclude={"location", "website"}),
            phone_digits=phone_digits(fields.phone),
            location=location,
        )
        audit.record_anonymous(
            "", Audited.ENQUIRY_SUBMIT, Outcome.ALLOWED, face, address, {"request": row.pk}
        )
    return receipt


def possible_duplicates(request: ConsultationRequest) -> list[tuple[Patient, str]]:
    """Registered patients the requester may already be, each with why."""
    same_person = Q(
        given_name__iexact=request.given_name,
        family_name__iexact=request.family_name,
        date_of_birth=request.date_of_birth,
    )
    same_email = Q(email__iexact=request.email) if request.email else Q(pk__in=[])
    tail = request.phone_digits[-7:]
    same_phone = Q(phone__contains=tail[-4:]) if len(tail) == 7 else Q(pk__in=[])
    found = []
    for patient in Patient.objects.filter(same_person | same_email | same_phone)[:20]:
        reasons = []
        if (
            patient.given_name.lower() == request.given_name.lower()
            and patient.family_name.lower() == request.family_name.lower()
            and patient.date_of_birth == request.date_of_birth
        ):
            reasons.append("same name and date of birth")
        if request.email and patient.email.lower() == request.email.lower():
            reasons.append("same e-mail")
        if request.phone_digits and phone_digits(patient.phone) == request.phone_digits:
            reasons.append("same phone")
        if reasons:
            found.append((patient, ", ".join(reasons)))
    return found


@dataclass(frozen=True)
class QueuedRequest:
    request: ConsultationRequest
    duplicates: list[tuple[Patient, str]]


def _rows() -> QuerySet[ConsultationRequest]:
    return ConsultationRequest.objects.select_related("location", "patient", "appointment")


def list_requests(
    actor: Actor, status: str = "", page: int = 1, page_size: int = QUEUE_PAGE_SIZE
) -> Page[QueuedRequest]:
    """The queue, newest first (one status when given), each with its possible duplicates."""
    authorize(actor, Action.ENQUIRY_VIEW)
    if status and status not in RequestStatus.values:
        raise InvalidInput.single("status", f"is not one of {', '.join(RequestStatus.values)}")
    rows = _rows().filter(status=status) if status else _rows()
    found = Page.of(rows, page, page_size)
    items = [QueuedRequest(row, possible_duplicates(row)) for row in found.items]
    patients_shown = sorted({p.pk for item in items for p, _ in item.duplicates})
    audit.record(
        actor,
        Action.ENQUIRY_VIEW,
        detail={"requests": [i.request.pk for i in items], "patients": patients_shown},
    )
    return Page(items, found.total, found.page, found.page_size)


def get_request(actor: Actor, request_id: int) -> QueuedRequest:
    authorize(actor, Action.ENQUIRY_VIEW)
    row = get_or_404(_rows(), request_id, "consultation request")
    item = QueuedRequest(row, possible_duplicates(row))
    audit.record(
        actor,
        Action.ENQUIRY_VIEW,
        obj=row,
        detail={"patients": [p.pk for p, _ in item.duplicates]},
    )
    return item


def _locked(request_id: int) -> ConsultationRequest:
    return get_or_404(
        ConsultationRequest.objects.select_for_update(), request_id, "consultation request"
    )


@audits_refusals(Action.ENQUIRY_MANAGE)
def set_status(actor: Actor, request_id: int, data: Mapping[str, Any]) -> ConsultationRequest:
    """Mark a request contacted, declined, a duplicate of a registered patient, or new again."""
    authorize(actor, Action.ENQUIRY_MANAGE)
    fields = validate(StatusIn, data)
    patient = None
    if fields.patient_id is not None:
        if fields.status != RequestStatus.DUPLICATE:
            raise InvalidInput.single("patient_id", "is given only with a duplicate")
        patient = Patient.objects.filter(pk=fields.patient_id).first()
        if patient is None:
            raise InvalidInput.single("patient_id", "is not a registered patient")
    with transaction.atomic():
        row = _locked(request_id)
        if row.status == RequestStatus.BOOKED:
            raise Conflict("this request has been booked: its consultation is in the calendar")
        before = row.status
        row.status = fields.status
        row.status_note = fields.note
        row.status_changed_by = actor.user
        row.status_changed_at = timezone.now()
        row.patient = patient
        row.save()
        audit.record(
            actor,
            Action.ENQUIRY_MANAGE,
            obj=row,
            patient_id=patient.pk if patient else None,
            detail={"from": before, "to": row.status},
        )
    return row


@audits_refusals(Audited.ENQUIRY_CONVERT)
def convert(actor: Actor, request_id: int, data: Mapping[str, Any]) -> ConsultationRequest:
    """One step: register the requester as a patient (or take the registered patient they
    are) and book their consultation; all of it or nothing."""
    authorize(actor, Action.ENQUIRY_MANAGE)
    fields = validate(ConvertIn, data)
    with transaction.atomic():
        row = _locked(request_id)
        if row.status in (RequestStatus.BOOKED, RequestStatus.DECLINED):
            raise Conflict(f"this request is {row.get_status_display().lower()}")
        location_id = fields.location_id or row.location_id
        if location_id is None:
            raise InvalidInput.single("location_id", "is required: the request names no location")
        if fields.patient_id is not None:
            patient = get_or_404(Patient.objects.all(), fields.patient_id, "patient")
        else:
            patient = patients.register_patient(
                actor,
                {
                    "given_name": row.given_name,
                    "family_name": row.family_name,
                    "date_of_birth": row.date_of_birth,
                    "sex": fields.sex,
                    "phone": row.phone,
                    "email": row.email,
                },
            )
        appointment = bookings.book_appointment(
            actor,
            {
                "patient_id": patient.pk,
                "location_id": location_id,
                "appointment_type": "consultation",
                "start": fields.start,
                "physician_id": fields.physician_id,
                "room_id": fields.room_id,
                "note": "First consultation (asked for on the public site)",
            },
        )
        before = row.status
        row.status = RequestStatus.BOOKED
        row.patient = patient
        row.appointment = appointment
        row.status_changed_by = actor.user
        row.status_changed_at = timezone.now()
        row.save()
        audit.record(
            actor,
            Audited.ENQUIRY_CONVERT,
            obj=row,
            patient_id=patient.pk,
            detail={"from": before, "appointment": appointment.pk},
        )
    return row


def request_as_dict(item: QueuedRequest) -> dict[str, Any]:
    """A queued request as the API and the command line show it."""
    row = item.request
    return {
        "id": row.pk,
        "status": row.status,
        "received_at": row.received_at,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "date_of_birth": row.date_of_birth,
        "phone": row.phone,
        "email": row.email,
        "location": row.location.slug if row.location else None,
        "preferred_times": row.preferred_times,
        "preferred_start": row.preferred_start,
        "heard_from": row.heard_from,
        "notes": row.notes,
        "patient_id": row.patient_id,
        "appointment_id": row.appointment_id,
        "possible_duplicates": [
            {"patient_id": p.pk, "mrn": p.mrn, "reason": why} for p, why in item.duplicates
        ],
    }
