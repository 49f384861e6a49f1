"""Posting to the ledger: receive, draw, administer, waste, adjust, reverse.

Each service checks the actor's permission first (a denial is audited and survives), then
validates, then writes in one transaction: it locks the lot's balance row at the storage
location (``select_for_update``), checks, appends the entry, writes the new balance computed
exactly from the locked row (the database's check constraints refuse a negative balance even
if a check here were wrong) and writes the audit entry. A refused attempt writes nothing and
is audited as ``failed``.

The infusion session calls ``draw``, ``record_administered`` and ``waste`` with a
``reference`` naming itself (``reference_for(session)``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.toolkit import Attempt, attempt, get_or_404, validate

from .common import local_start, local_today, lot_field, patient_field, product_field, storage_field
from .inputs import AdjustmentIn, DrawIn, ReceiptIn, ReversalIn, UseIn, WasteIn
from .models import (
    USE_KINDS,
    Balance,
    DrawBalance,
    Entry,
    EntryKind,
    Lot,
    Product,
    Receipt,
    StorageLocation,
)
from .quantities import ZERO, Quantity, ml_for_mg, of_ml, plain
from .witness import verify_witness

_VERBS = {EntryKind.ADMINISTERED: "administer", EntryKind.WASTE: "waste"}
RACE = "the ledger changed while this was being recorded: look at the balance and try again"


def reference_for(record: models.Model) -> str:
    """How an entry names the order or session it is for: ``app.model:pk``."""
    return f"{record._meta.label_lower}:{record.pk}"


def receive(actor: Actor, data: Mapping[str, Any]) -> Receipt:
    """Record a delivery: the lot (made on its first receipt) and its vials go into storage."""
    authorize(actor, Action.LEDGER_RECEIVE)
    with attempt(actor, Action.LEDGER_RECEIVE):
        fields = validate(ReceiptIn, data)
        storage = storage_field(fields.storage_id)
        product = product_field(fields.product_id)
        today = local_today(storage.location)
        if fields.received_on > today:
            raise InvalidInput.single("received_on", "cannot be in the future")
        if fields.expires_on < today:
            raise InvalidInput.single(
                "expires_on",
                f"the lot expired on {fields.expires_on}: expired stock is not received",
            )
        quantity = of_ml(fields.vials * product.vial_volume_ml, product.strength_mg_per_ml)
        received_at = (
            timezone.now()
            if fields.received_on == today
            else local_start(storage.location, fields.received_on)
        )
        with refusing_races(), transaction.atomic():
            lot = _lot_for_receipt(product, fields.lot_number, fields.expires_on)
            balance = _locked_balance(storage, lot, create=True)
            entry = _post(
                actor, balance, EntryKind.RECEIPT, on_hand=quantity, occurred_at=received_at
            )
            receipt = Receipt.objects.create(
                entry=entry,
                supplier_name=fields.supplier_name,
                supplier_address=fields.supplier_address,
                supplier_dea_number=fields.supplier_dea_number,
                invoice_number=fields.invoice_number,
                vials=fields.vials,
                received_on=fields.received_on,
            )
            audit.record(
                actor,
                Action.LEDGER_RECEIVE,
                obj=receipt,
                detail={
                    "entry": entry.pk,
                    "lot": lot.lot_number,
                    "vials": fields.vials,
                    "volume_ml": plain(quantity.ml),
                },
            )
    return receipt


def draw(actor: Actor, data: Mapping[str, Any]) -> Entry:
    """Take a volume of a lot out of storage for a patient (and an order or session)."""
    authorize(actor, Action.LEDGER_DRAW)
    with attempt(actor, Action.LEDGER_DRAW) as tried:
        fields = validate(DrawIn, data)
        patient = patient_field(fields.patient_id)
        tried.patient_id = patient.pk
        storage = storage_field(fields.storage_id)
        lot = lot_field(fields.lot_id)
        if lot.expires_on < local_today(storage.location):
            raise InvalidInput.single(
                "lot_id",
                f"lot {lot.lot_number} expired on {lot.expires_on}: expired stock cannot be drawn",
            )
        quantity = of_ml(fields.volume_ml, lot.product.strength_mg_per_ml)
        with refusing_races(), transaction.atomic():
            balance = _locked_balance(storage, lot)
            entry = _post(
                actor,
                balance,
                EntryKind.DRAW,
                on_hand=-quantity,
                in_use=quantity,
                patient_id=patient.pk,
                reference=fields.reference,
                occurred_at=fields.occurred_at or timezone.now(),
            )
            DrawBalance.objects.create(
                draw=entry, remaining_mg=quantity.mg, remaining_ml=quantity.ml
            )
            audit.record(
                actor,
                Action.LEDGER_DRAW,
                obj=entry,
                patient_id=patient.pk,
                detail={"lot": lot.lot_number, "volume_ml": plain(quantity.ml)},
            )
    return entry


def record_administered(actor: Actor, draw_id: int, data: Mapping[str, Any]) -> Entry:
    """Part or all of a draw was given to the patient."""
    authorize(actor, Action.LEDGER_ADMINISTER)
    with attempt(actor, Action.LEDGER_ADMINISTER) as tried:
        fields = validate(UseIn, data)
        return _use(actor, tried, draw_id, EntryKind.ADMINISTERED, fields, None)


def waste(actor: Actor, draw_id: int, data: Mapping[str, Any]) -> Entry:
    """What is left of a draw is discarded, with a second person watching."""
    authorize(actor, Action.LEDGER_WASTE)
    with attempt(actor, Action.LEDGER_WASTE) as tried:
        fields = validate(WasteIn, data)
        witness = verify_witness(actor, fields)
        return _use(actor, tried, draw_id, EntryKind.WASTE, fields, witness)


def adjust(actor: Actor, data: Mapping[str, Any]) -> Entry:
    """Add stock found or remove stock lost, with a reason and a witness."""
    authorize(actor, Action.LEDGER_CORRECT)
    with attempt(actor, Audited.LEDGER_ADJUST):
        fields = validate(AdjustmentIn, data)
        witness = verify_witness(actor, fields)
        storage = storage_field(fields.storage_id)
        lot = lot_field(fields.lot_id)
        with refusing_races(), transaction.atomic():
            return post_adjustment(
                actor, witness, storage, lot, fields.change_ml, fields.reason, field="change_ml"
            )


def post_adjustment(
    actor: Actor,
    witness: Actor,
    storage: StorageLocation,
    lot: Lot,
    change_ml: Decimal,
    reason: str,
    *,
    field: str,
) -> Entry:
    """Append an adjustment and its audit entries; call inside the caller's transaction."""
    balance = _locked_balance(storage, lot, create=change_ml > 0)
    quantity = of_ml(change_ml, lot.product.strength_mg_per_ml)
    if balance.on_hand_ml + quantity.ml < 0:
        raise Conflict(
            f"only {plain(balance.on_hand_ml)} mL of lot {lot.lot_number} is on hand; "
            f"{field} would make it negative"
        )
    entry = _post(
        actor,
        balance,
        EntryKind.ADJUSTMENT,
        on_hand=quantity,
        reason=reason,
        witness=witness,
        occurred_at=timezone.now(),
    )
    audit.record(
        actor,
        Audited.LEDGER_ADJUST,
        obj=entry,
        detail={"change_ml": plain(change_ml), "reason": reason},
    )
    _audit_witness(witness, entry)
    return entry


def reverse(actor: Actor, entry_id: int, data: Mapping[str, Any]) -> Entry:
    """Undo one entry with an opposite one; the original stays in the book."""
    authorize(actor, Action.LEDGER_CORRECT)
    with attempt(actor, Audited.LEDGER_REVERSE) as tried:
        fields = validate(ReversalIn, data)
        witness = verify_witness(actor, fields)
        original = get_or_404(
            Entry.objects.select_related("lot", "storage"), entry_id, "ledger entry"
        )
        tried.patient_id = original.patient_id
        if original.kind == EntryKind.REVERSAL:
            raise Conflict("a reversal cannot be reversed: record the entry again instead")
        with refusing_races(), transaction.atomic():
            balance = _locked_balance(original.storage, original.lot)
            earlier = Entry.objects.filter(reverses=original).values_list("pk", flat=True).first()
            if earlier is not None:
                raise Conflict(f"entry {original.pk} was already reversed by entry {earlier}")
            moved = Quantity(original.in_use_mg, original.in_use_ml)
            if original.kind == EntryKind.DRAW:
                _empty_draw(original)
            elif original.kind in USE_KINDS and original.draw is not None:
                _move_remainder(_locked_remainder(original.draw), -moved)
            on_hand = -Quantity(original.on_hand_mg, original.on_hand_ml)
            if balance.on_hand_ml + on_hand.ml < 0:
                raise Conflict(
                    f"only {plain(balance.on_hand_ml)} mL of lot {original.lot.lot_number} is "
                    f"on hand: entry {original.pk} cannot be reversed before what was drawn "
                    "from it is"
                )
            entry = _post(
                actor,
                balance,
                EntryKind.REVERSAL,
                on_hand=on_hand,
                in_use=-moved,
                patient_id=original.patient_id,
                draw_id=original.pk if original.kind == EntryKind.DRAW else original.draw_id,
                reverses=original,
                reference=original.reference,
                reason=fields.reason,
                witness=witness,
                occurred_at=timezone.now(),
            )
            audit.record(
                actor,
                Audited.LEDGER_REVERSE,
                obj=entry,
                patient_id=original.patient_id,
                detail={"reverses": original.pk, "kind": original.kind, "reason": fields.reason},
            )
            _audit_witness(witness, entry)
    return entry


def _use(
    actor: Actor,
    tried: Attempt,
    draw_id: int,
    kind: EntryKind,
    fields: UseIn,
    witness: Actor | None,
) -> Entry:
    """Administer or waste part of a draw, never more than is left of it."""
    drawn = get_or_404(
        Entry.objects.select_related("lot__product", "storage").filter(kind=EntryKind.DRAW),
        draw_id,
        "draw",
    )
    tried.patient_id = drawn.patient_id
    strength = drawn.lot.product.strength_mg_per_ml
    field = "volume_ml" if fields.volume_ml is not None else "dose_mg"
    volume_ml = fields.volume_ml
    if fields.dose_mg is not None:
        volume_ml = ml_for_mg(fields.dose_mg, strength)
        if volume_ml is None:
            raise InvalidInput.single(
                "dose_mg",
                f"{plain(fields.dose_mg)} mg is not a whole 0.001 mL at {plain(strength)} mg/mL: "
                "give volume_ml",
            )
    assert volume_ml is not None
    occurred_at = fields.occurred_at or timezone.now()
    if occurred_at < drawn.occurred_at:
        raise InvalidInput.single("occurred_at", "cannot be before the draw")
    quantity = of_ml(volume_ml, strength)
    with refusing_races(), transaction.atomic():
        balance = _locked_balance(drawn.storage, drawn.lot)
        remainder = _locked_remainder(drawn)
        if Entry.objects.filter(reverses=drawn).exists():
            raise Conflict(f"draw {drawn.pk} was reversed: nothing is left of it")
        if quantity.ml > remainder.remaining_ml:
            raise InvalidInput.single(
                field,
                f"only {plain(remainder.remaining_ml)} mL ({plain(remainder.remaining_mg)} mg) "
                f"of draw {drawn.pk} is left to account for: cannot {_VERBS[kind]} more",
            )
        _move_remainder(remainder, -quantity)
        entry = _post(
            actor,
            balance,
            kind,
            in_use=-quantity,
            patient_id=drawn.patient_id,
            draw_id=drawn.pk,
            reference=drawn.reference,
            witness=witness,
            occurred_at=occurred_at,
        )
        audit.record(
            actor,
            Action.LEDGER_WASTE if kind == EntryKind.WASTE else Action.LEDGER_ADMINISTER,
            obj=entry,
            patient_id=drawn.patient_id,
            detail={"draw": drawn.pk, "volume_ml": plain(quantity.ml)},
        )
        if witness is not None:
            _audit_witness(witness, entry)
    return entry


def _locked_remainder(drawn: Entry) -> DrawBalance:
    return DrawBalance.objects.select_for_update().get(draw=drawn)


def _move_remainder(remainder: DrawBalance, change: Quantity) -> None:
    DrawBalance.objects.filter(pk=remainder.pk).update(
        remaining_mg=remainder.remaining_mg + change.mg,
        remaining_ml=remainder.remaining_ml + change.ml,
    )


def _empty_draw(drawn: Entry) -> None:
    """Reversing a draw returns all of it, so every use of it must be reversed first."""
    remainder = _locked_remainder(drawn)
    if remainder.remaining_ml != drawn.in_use_ml:
        raise Conflict(
            f"part of draw {drawn.pk} was administered or wasted: reverse those entries first"
        )
    _move_remainder(remainder, -Quantity(remainder.remaining_mg, remainder.remaining_ml))


def _lot_for_receipt(product: Product, lot_number: str, expires_on: date) -> Lot:
    lot, _ = Lot.objects.get_or_create(
        product=product, lot_number=lot_number, defaults={"expires_on": expires_on}
    )
    if lot.expires_on != expires_on:
        raise InvalidInput.single(
            "expires_on",
            f"lot {lot_number} of this product is recorded as expiring on {lot.expires_on}",
        )
    return lot


def _locked_balance(storage: StorageLocation, lot: Lot, *, create: bool = False) -> Balance:
    """The lot's balance row at ``storage``, locked until the transaction ends."""
    if create:
        Balance.objects.get_or_create(storage=storage, lot=lot)
    try:
        return Balance.objects.select_for_update().get(storage=storage, lot=lot)
    except Balance.DoesNotExist:
        raise Conflict(f"{storage.name} holds no stock of lot {lot.lot_number}") from None


def _post(
    actor: Actor,
    balance: Balance,
    kind: EntryKind,
    *,
    on_hand: Quantity = ZERO,
    in_use: Quantity = ZERO,
    occurred_at: datetime,
    witness: Actor | None = None,
    **fields: Any,
) -> Entry:
    """Append one entry and move the locked balance by it."""
    after = Quantity(balance.on_hand_mg, balance.on_hand_ml) + on_hand
    if after.ml < 0:
        raise Conflict(
            f"only {plain(balance.on_hand_ml)} mL ({plain(balance.on_hand_mg)} mg) of this lot "
            f"is on hand: {plain(-on_hand.ml)} mL cannot be taken"
        )
    entry = Entry.objects.create(
        storage_id=balance.storage_id,
        lot_id=balance.lot_id,
        kind=kind,
        on_hand_mg=on_hand.mg,
        on_hand_ml=on_hand.ml,
        in_use_mg=in_use.mg,
        in_use_ml=in_use.ml,
        on_hand_after_mg=after.mg,
        on_hand_after_ml=after.ml,
        recorded_by=actor.user,
        occurred_at=occurred_at,
        witness=witness.user if witness is not None else None,
        **fields,
    )
    # Exact decimals computed from the locked row (SQLite would add in floating point).
    Balance.objects.filter(pk=balance.pk).update(
        on_hand_mg=after.mg,
        on_hand_ml=after.ml,
        in_use_mg=balance.in_use_mg + in_use.mg,
        in_use_ml=balance.in_use_ml + in_use.ml,
        updated_at=timezone.now(),
    )
    return entry


def _audit_witness(witness: Actor, entry: Entry) -> None:
    """The witness's co-signature, under the witness's own name."""
    audit.record_on(witness, Action.LEDGER_WITNESS, entry, detail={"kind": entry.kind})


@contextmanager
def refusing_races() -> Iterator[None]:
    """A database constraint refusing the write means a concurrent change came first."""
    try:
        yield
    except IntegrityError:
        raise Conflict(RACE) from None
