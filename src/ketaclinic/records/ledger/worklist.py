"""What the controlled-substance ledger is waiting for: draws not yet accounted for (a nurse's
home page) and count discrepancies not yet resolved (a manager's)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist

from .models import Discrepancy, DrawBalance


def _ml(volume: Decimal) -> str:
    """2.000 → "2", 1.300 → "1.3"."""
    return f"{volume.normalize():f}"


def draws_to_account(actor: Actor) -> Worklist:
    """Draws with some of the drug neither given nor wasted, oldest first."""
    authorize(actor, Action.LEDGER_VIEW)
    rows = (
        DrawBalance.objects.filter(Q(remaining_ml__gt=0) | Q(remaining_mg__gt=0))
        .select_related("draw__patient", "draw__storage__location", "draw__lot__product")
        .order_by("draw__occurred_at", "draw_id")
    )
    return worklist(
        actor,
        Action.LEDGER_VIEW,
        "Ledger draws to account for",
        rows,
        lambda left: WorkItem(
            "draw",
            left.draw_id,
            person(left.draw.patient) if left.draw.patient else left.draw.lot.product.name,
            f"{_ml(left.remaining_ml)} mL of {left.draw.lot.product.name} neither given nor wasted"
            f" · {left.draw.storage.location.name}",
            left.draw.occurred_at,
            left.draw.patient_id,
        ),
    )


def open_discrepancies(actor: Actor) -> Worklist:
    """Count discrepancies not yet resolved, at every location, oldest first."""
    authorize(actor, Action.LEDGER_VIEW)
    rows = (
        Discrepancy.objects.filter(resolution__isnull=True)
        .select_related("storage__location", "line__lot__product")
        .order_by("found_at", "id")
    )
    return worklist(
        actor,
        Action.LEDGER_VIEW,
        "Ledger discrepancies",
        rows,
        lambda found: WorkItem(
            "discrepancy",
            found.pk,
            f"{found.line.lot.product.name}, lot {found.line.lot.lot_number}",
            f"Counted {_ml(found.line.counted_ml)} mL, expected {_ml(found.line.expected_ml)} mL"
            f" · {found.storage.name}, {found.storage.location.name}",
            found.found_at,
            place=found.storage.location.slug,
        ),
    )
