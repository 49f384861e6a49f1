"""Counting what is in a storage location, and the discrepancies a count finds.

A count compares each lot in the cabinet with its balance at that moment (under the same row
locks the posting services take). A line that differs is stored at once as a ``Discrepancy``
and stays open until a physician or manager resolves it with a note, optionally posting the
difference as a witnessed adjustment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.records.toolkit import attempt, get_or_404, validate

from .common import location_or_404, storage_field
from .inputs import CountIn, ResolutionIn
from .models import Balance, Count, CountLine, Discrepancy, DiscrepancyResolution, Lot
from .quantities import of_ml, plain
from .services import post_adjustment, refusing_races
from .witness import verify_witness

COUNTS_SHOWN = 100


def record_count(actor: Actor, data: Mapping[str, Any]) -> Count:
    """Record a witnessed count of every lot on hand at a storage location."""
    authorize(actor, Action.LEDGER_COUNT)
    with attempt(actor, Action.LEDGER_COUNT):
        fields = validate(CountIn, data)
        witness = verify_witness(actor, fields)
        storage = storage_field(fields.storage_id)
        lots = Lot.objects.select_related("product").in_bulk([line.lot_id for line in fields.lines])
        errors: list[FieldError] = []
        seen: set[int] = set()
        for index, line in enumerate(fields.lines):
            if line.lot_id not in lots:
                errors.append(FieldError(f"lines.{index}.lot_id", "no lot has this id"))
            elif line.lot_id in seen:
                errors.append(FieldError(f"lines.{index}.lot_id", "this lot is counted twice"))
            seen.add(line.lot_id)
        if errors:
            raise InvalidInput(errors)
        with refusing_races(), transaction.atomic():
            balances = {
                b.lot_id: b
                for b in Balance.objects.select_for_update().filter(storage=storage).order_by("pk")
            }
            missing = sorted(
                b.lot_id for b in balances.values() if b.on_hand_ml > 0 and b.lot_id not in seen
            )
            if missing:
                numbers = ", ".join(
                    Lot.objects.filter(pk__in=missing).values_list("lot_number", flat=True)
                )
                raise InvalidInput.single("lines", f"count every lot on hand: {numbers} missing")
            count = Count.objects.create(
                storage=storage,
                kind=fields.kind,
                counted_by=actor.user,
                witness=witness.user,
                note=fields.note,
            )
            found = []
            for line in fields.lines:
                lot = lots[line.lot_id]
                product = lot.product
                counted = of_ml(
                    line.full_vials * product.vial_volume_ml + line.open_ml,
                    product.strength_mg_per_ml,
                )
                balance = balances.get(lot.pk)
                saved = CountLine.objects.create(
                    count=count,
                    lot=lot,
                    full_vials=line.full_vials,
                    open_ml=line.open_ml,
                    counted_mg=counted.mg,
                    counted_ml=counted.ml,
                    expected_mg=balance.on_hand_mg if balance else 0,
                    expected_ml=balance.on_hand_ml if balance else 0,
                )
                if saved.difference_ml != 0:
                    found.append(Discrepancy.objects.create(line=saved, storage=storage))
            audit.record(
                actor,
                Action.LEDGER_COUNT,
                obj=count,
                detail={
                    "kind": fields.kind,
                    "lines": len(fields.lines),
                    "discrepancies": [d.pk for d in found],
                },
            )
            audit.record(witness, Action.LEDGER_WITNESS, obj=count)
    return count


def counts(actor: Actor, location_slug: str) -> list[Count]:
    """The location's latest counts, newest first, with their lines."""
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    return list(
        Count.objects.filter(storage__location=location)
        .select_related("storage", "counted_by", "witness")
        .prefetch_related("lines__lot__product", "lines__discrepancy")[:COUNTS_SHOWN]
    )


def discrepancies(
    actor: Actor, location_slug: str, *, open_only: bool = False
) -> QuerySet[Discrepancy]:
    """Discrepancies at the location, open ones first, newest first."""
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    found = discrepancy_rows().filter(storage__location=location)
    if open_only:
        found = found.filter(resolution__isnull=True)
    return found


def discrepancy_rows() -> QuerySet[Discrepancy]:
    """Discrepancies with their count, lot and resolution loaded, open ones first."""
    return Discrepancy.objects.select_related(
        "storage",
        "line__lot__product",
        "line__count__counted_by",
        "line__count__witness",
        "resolution__resolved_by",
        "resolution__adjustment",
    ).order_by("resolution", "-found_at", "-id")


def resolve_discrepancy(
    actor: Actor, discrepancy_id: int, data: Mapping[str, Any]
) -> DiscrepancyResolution:
    """Close a discrepancy with what was found; ``adjust`` posts the counted difference."""
    authorize(actor, Action.LEDGER_RESOLVE)
    with attempt(actor, Action.LEDGER_RESOLVE):
        fields = validate(ResolutionIn, data)
        if fields.adjust:
            authorize(actor, Action.LEDGER_CORRECT)
        discrepancy = get_or_404(
            Discrepancy.objects.select_related("storage", "line__lot__product"),
            discrepancy_id,
            "discrepancy",
        )
        witness = verify_witness(actor, fields) if fields.adjust else None
        with refusing_races(), transaction.atomic():
            if DiscrepancyResolution.objects.filter(discrepancy=discrepancy).exists():
                raise Conflict(f"discrepancy {discrepancy.pk} is already resolved")
            adjustment = None
            if witness is not None:
                line = discrepancy.line
                adjustment = post_adjustment(
                    actor,
                    witness,
                    discrepancy.storage,
                    line.lot,
                    line.difference_ml,
                    f"discrepancy {discrepancy.pk}: {fields.note}",
                    field="adjust",
                )
            resolution = DiscrepancyResolution.objects.create(
                discrepancy=discrepancy,
                note=fields.note,
                adjustment=adjustment,
                resolved_by=actor.user,
            )
            audit.record(
                actor,
                Action.LEDGER_RESOLVE,
                obj=discrepancy,
                detail={
                    "adjustment": adjustment.pk if adjustment else None,
                    "difference_ml": plain(discrepancy.line.difference_ml),
                },
            )
    return resolution
