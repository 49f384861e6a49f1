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
            entry = Entry.objects.create(
                patient=patient,
                location=location,
                kind=kind,
                amount_cents=fields.amount_cents,
                owed_cents=-fields.amount_cents,
                method=fields.method,
                reference=fields.reference,
                reason=fields.reason,
                service_on=local_today(location.zone),
                recorded_by=actor.user,
                second_person=witness.user if witness else None,
            )
            audit.record(
                actor,
                Action.PAYMENT_RECORD,
                obj=entry,
                patient_id=patient.pk,
                detail={"kind": kind, "method": fields.method, "amount_cents": entry.amount_cents},
            )
    return entry


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
            entry = Entry.objects.create(
                patient=patient,
                location_id=payment.location_id,
                kind=EntryKind.REFUND,
                amount_cents=fields.amount_cents,
                owed_cents=fields.amount_cents,
                method=method,
                reference=fields.reference,
                reason=fields.reason,
                service_on=local_today(payment.location.zone),
                refund_of=payment,
                recorded_by=actor.user,
                second_person=witness.user if witness else None,
            )
            audit.record(
                actor,
                Action.REFUND_RECORD,
                obj=entry,
                patient_id=patient.pk,
                detail={"payment": payment.pk, "amount_cents": entry.amount_cents},
            )
    return entry


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
            entry = Entry.objects.create(
                patient=patient,
                location=location,
                kind=EntryKind.ADJUSTMENT,
                amount_cents=fields.amount_cents,
                owed_cents=sign * fields.amount_cents,
                reason=fields.reason,
                service_on=local_today(location.zone),
                recorded_by=actor.user,
                second_person=witness.user if witness else None,
            )
            audit.record(
                actor,
                Action.BILLING_ADJUST,
                obj=entry,
                patient_id=patient.pk,
                detail={"owed_cents": entry.owed_cents},
            )
    return entry
