"""Shared by the ledger pages: page sizes, the witness's fields, the controls a role gets,
the lot pickers and field renaming."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.context import Actor
from ketaclinic.records.ledger.common import location_or_404
from ketaclinic.records.ledger.quantities import plain

if TYPE_CHECKING:
    from ketaclinic.records.clinics.models import Location
    from ketaclinic.records.ledger.models import Balance

BOOK_PAGE_SIZE = 25
REPORT_PAGE_SIZE = 100
LOSS_FORM_LINES = 3
WITNESS_FIELDS = ("witness_username", "witness_password")


def allowed_at(who: Actor, action: Action, slug: str) -> Location:
    """The location ``slug`` names (404 if none), once ``who`` may do ``action``."""
    authorize(who, action)
    return location_or_404(slug)


def shown(values: Mapping[str, str]) -> dict[str, str]:
    """What a re-rendered form shows again: never the witness's password."""
    return {name: value for name, value in values.items() if name != "witness_password"}


def abilities(who: Actor) -> dict[str, bool]:
    """Which controls the actor's role gets (the services check again)."""
    return {
        "receive": may(who, Action.LEDGER_RECEIVE),
        "draw": may(who, Action.LEDGER_DRAW),
        "administer": may(who, Action.LEDGER_ADMINISTER),
        "waste": may(who, Action.LEDGER_WASTE),
        "correct": may(who, Action.LEDGER_CORRECT),
        "count": may(who, Action.LEDGER_COUNT),
        "resolve": may(who, Action.LEDGER_RESOLVE),
        "report": may(who, Action.LEDGER_REPORT),
        "loss": may(who, Action.LEDGER_LOSS_REPORT),
        "setup": may(who, Action.LEDGER_SETUP),
    }


def lot_options(balances: list[Balance], today: date, *, drawing: bool) -> list[dict[str, Any]]:
    """Lot pickers: ``storage_id:lot_id`` values; for drawing, only lots with stock, and an
    expired lot shown but not selectable."""
    options = []
    for b in balances:
        if drawing and b.on_hand_ml <= 0:
            continue
        expired = b.lot.expires_on < today
        label = (
            f"{b.storage.name} · {b.lot.product.name} · lot {b.lot.lot_number} "
            f"(expires {b.lot.expires_on:%Y-%m-%d}) · {plain(b.on_hand_ml)} mL on hand"
        )
        if drawing and expired:
            label += " · EXPIRED, cannot be drawn"
        options.append(
            {"value": f"{b.storage_id}:{b.lot_id}", "label": label, "disabled": drawing and expired}
        )
    return options


def balance_choice(value: str) -> dict[str, str]:
    """``storage_id:lot_id`` from a lot picker, as the services' two fields."""
    storage_id, _, lot_id = value.partition(":")
    return {"storage_id": storage_id, "lot_id": lot_id} if lot_id else {}


def renamed(errors: dict[str, str], names: Mapping[str, str]) -> dict[str, str]:
    return {names.get(field, field): message for field, message in errors.items()}
