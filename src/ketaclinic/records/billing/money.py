"""Money in and out of a patient's account: payments and deposits (cash, or card through the
external terminal, keeping only its reference), refunds (never more than what is left of the
payment refunded) and adjustments (with a reason). Each is one append-only entry, audited,
with the second person the clinic's policy asks for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Sum

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.pricing.money import dollars
from ketaclinic.records.toolkit import attempt, local_today, validate

from .choices import MONEY_IN, EntryKind, Method
from .common import location_for, second_person
from .inputs import AdjustmentIn, PaymentIn, RefundIn
from .models import Entry


def record_payment(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Entry:
    """A payment (or a deposit ahead of care) by cash or card; the card itself stays with the
    terminal: only its transaction reference is kept."""
    authorize(actor, Action.PAYMENT_RECORD, patient_id=patient_id)
    with attempt(actor, Action.PAYMENT_RECORD, what="payment", patient_id=patient_id):
        fields = validate(PaymentIn, data)
        patient = patient_or_404(patient_id)
        location = location_for(patient.pk, fields.location)
        kind = EntryKind.DEPOSIT if fields.deposit else EntryKind.PAYMENT
        if fields.method == Method.CARD and not fields.reference:
            raise InvalidInput.single("reference", "a card payment needs the terminal's reference")
        witness = second_person(actor, kind, fields, Action.PAYMENT_RECORD)
        with transaction.atomic():
            return _post(
                actor,
                Action.PAYMENT_RECORD,
                location,
                witness,
                {"kind": kind, "method": fields.method, "amount_cents": fields.amount_cents},
                patient=patient,
                kind=kind,
                method=fields.method,
                amount_cents=fields.amount_cents,
                owed_cents=-fields.amount_cents,
                reference=fields.reference,
                reason=fields.reason,
            )


def refundable_cents(payment: Entry) -> int:
    """What is left to refund of a payment: its amount less the refunds made against it."""
    refunded = payment.refunds.aggregate(total=Sum("amount_cents"))["total"] or 0
    return payment.amount_cents - int(refunded)


def record_refund(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Entry:
    """Money back against one of the patient's payments, by its method unless another is
    given; refused (naming ``amount_cents``) above what is left of that payment."""
    authorize(actor, Action.REFUND_RECORD, patient_id=patient_id)
    with attempt(actor, Action.REFUND_RECORD, what="refund", patient_id=patient_id):
        fields = validate(RefundIn, data)
        patient = patient_or_404(patient_id)
        witness = second_person(actor, EntryKind.REFUND, fields, Action.REFUND_RECORD)
        with transaction.atomic():
            payment = (
                Entry.objects.select_for_update()
                .filter(pk=fields.payment_id, patient_id=patient.pk, kind__in=MONEY_IN)
                .first()
            )
            if payment is None:
                raise InvalidInput.single(
                    "payment_id", f"is not a payment of this patient ({fields.payment_id})"
                )
            left = refundable_cents(payment)
            if fields.amount_cents > left:
                raise InvalidInput.single(
                    "amount_cents",
                    f"is more than what is left to refund of that payment ({dollars(left)})",
                )
            method = fields.method or Method(payment.method)
            return _post(
                actor,
                Action.REFUND_RECORD,
                payment.location,
                witness,
                {"payment": payment.pk, "amount_cents": fields.amount_cents},
                patient=patient,
                kind=EntryKind.REFUND,
                method=method,
                amount_cents=fields.amount_cents,
                owed_cents=fields.amount_cents,
                reference=fields.reference,
                reason=fields.reason,
                refund_of=payment,
            )


def record_adjustment(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Entry:
    """A correction of what the patient owes, with its reason (never an edit of an entry)."""
    authorize(actor, Action.BILLING_ADJUST, patient_id=patient_id)
    with attempt(actor, Action.BILLING_ADJUST, what="adjustment", patient_id=patient_id):
        fields = validate(AdjustmentIn, data)
        patient = patient_or_404(patient_id)
        location = location_for(patient.pk, fields.location)
        witness = second_person(actor, EntryKind.ADJUSTMENT, fields, Action.BILLING_ADJUST)
        sign = 1 if fields.direction == "raise" else -1
        with transaction.atomic():
            return _post(
                actor,
                Action.BILLING_ADJUST,
                location,
                witness,
                {"owed_cents": sign * fields.amount_cents},
                patient=patient,
                kind=EntryKind.ADJUSTMENT,
                amount_cents=fields.amount_cents,
                owed_cents=sign * fields.amount_cents,
                reason=fields.reason,
            )


def _post(
    actor: Actor,
    action: Action,
    location: Location,
    witness: Actor | None,
    detail: dict[str, Any],
    **columns: Any,
) -> Entry:
    """One entry at ``location`` with ``columns``, dated today there, by the actor and the
    second person, with its audit entry."""
    entry = Entry.objects.create(
        location=location,
        service_on=local_today(location.zone),
        recorded_by=actor.user,
        second_person=witness.user if witness else None,
        **columns,
    )
    audit.record_on(actor, action, entry, detail=detail)
    return entry
