"""What a face may send to billing: amounts in integer cents, a method, a terminal reference
that is never a card number, a reason, and the second person where the clinic requires one."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt

from ketaclinic.records.ledger.inputs import WitnessIn
from ketaclinic.records.pricing.inputs import Cents as WholeCents
from ketaclinic.records.toolkit import FilterDay, Strict

from .choices import Method

AMOUNT_CENTS_MAX = 10_000_000
"""$100,000: far above any visit or package; a typo, not a payment."""

Cents = Annotated[WholeCents, Field(gt=0, le=AMOUNT_CENTS_MAX)]
"""An amount in whole cents above zero (pricing's rule: ``1250``; ``12.5``, ``-100`` or a
yes/no is refused, naming the field)."""

# 13 to 19 digits, perhaps grouped by spaces or dashes: the shape of a card number (PAN).
_PAN = re.compile(r"(?:\d[ -]?){12,18}\d")


def _not_a_card_number(reference: str) -> str:
    if _PAN.search(reference):
        raise ValueError(
            "looks like a card number: enter the terminal's transaction reference, "
            "never the card number"
        )
    return reference


TerminalReference = Annotated[
    str, Field(max_length=64, pattern=r"^[A-Za-z0-9 ._:/#-]*$"), AfterValidator(_not_a_card_number)
]
Reason = Annotated[str, Field(max_length=500)]
Slug = Annotated[str, Field(max_length=50)]


class PaymentIn(WitnessIn):
    """Money in: a payment (or a deposit ahead of care) at a location."""

    amount_cents: Cents
    method: Method
    reference: TerminalReference = ""
    location: Slug = ""
    deposit: bool = False
    reason: Reason = ""


class RefundIn(WitnessIn):
    """Money back, against one payment: never more than what is left of it."""

    payment_id: StrictInt
    amount_cents: Cents
    method: Method | None = None
    reference: TerminalReference = ""
    reason: Annotated[Reason, Field(min_length=1)]


class AdjustmentIn(WitnessIn):
    """A correction of what the patient owes, up (``raise``) or down (``lower``)."""

    amount_cents: Cents
    direction: Annotated[str, Field(pattern=r"^(raise|lower)$")]
    location: Slug = ""
    reason: Annotated[Reason, Field(min_length=1)]


class PackageSaleIn(WitnessIn):
    """Sell the location's package of prepaid infusions at its price on the day."""

    location: Slug = ""
    package: Annotated[str, Field(max_length=64)] = ""


class CashCountIn(Strict):
    """The cash counted in the drawer at the end of a day."""

    location: Slug
    day: FilterDay
    counted_cents: Annotated[WholeCents, Field(le=AMOUNT_CENTS_MAX)]
    note: Reason = ""
