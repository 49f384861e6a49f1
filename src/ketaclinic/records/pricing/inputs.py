"""What a face may send to the pricing services, validated in one place for every face.

Money is whole cents: an integer (or a number or text with no fraction); a fraction of a cent,
a negative amount or a yes/no is refused, naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from ketaclinic.records.toolkit import Strict

from .choices import PriceKind

MAX_CENTS = 100_000_000  # $1,000,000: no single price is higher


def _whole_cents(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number of cents")
    if isinstance(value, int):
        return value
    if isinstance(value, float | str | Decimal):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("must be a whole number of cents") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError("must be a whole number of cents (no fraction of a cent)")
        return int(number)
    raise ValueError("must be a whole number of cents")


Cents = Annotated[int, Field(ge=0, le=MAX_CENTS), BeforeValidator(_whole_cents)]
"""An amount of money in whole cents, 0 or more."""


def dollars_to_cents(text: str) -> int | str:
    """A form's "250.00" as 25000 cents; text that is not dollars and cents comes back as it
    is, for ``Cents`` to refuse naming the field."""
    try:
        number = Decimal(text.strip().replace(",", "").removeprefix("$"))
    except InvalidOperation:
        return text
    cents = number * 100
    return int(cents) if cents.is_finite() and cents == cents.to_integral_value() else str(cents)


class PriceItemIn(Strict):
    kind: PriceKind
    protocol: Annotated[str, Field(max_length=64)] = ""
    label: Annotated[str, Field(max_length=200)] = ""
    codes: Annotated[list[str], Field(max_length=6)] | None = None
    """CPT/HCPCS codes, the main one first; absent: the clinic's codes for the kind."""
    sessions: Annotated[int, Field(ge=1, le=60)] = 1
    amount_cents: Cents


class PriceListIn(Strict):
    location: Annotated[str, Field(min_length=1, max_length=50)]
    effective_from: dt.date
    note: Annotated[str, Field(max_length=500)] = ""
    items: Annotated[list[PriceItemIn], Field(min_length=1, max_length=100)]


class BillingProviderIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    npi: Annotated[str, Field(pattern=r"^\d{10}$")]
    tax_id: Annotated[str, Field(pattern=r"^\d{2}-?\d{7}$")]
    address: Annotated[str, Field(max_length=1000)] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=254)] = ""


class EstimateItemIn(Strict):
    kind: PriceKind
    protocol: Annotated[str, Field(max_length=64)] = ""
    quantity: Annotated[int, Field(ge=1, le=100)] = 1
    service_date: dt.date | None = None


class EstimateIn(Strict):
    """Empty: the patient's booked and planned care, or the location's standard course."""

    location: Annotated[str, Field(max_length=50)] = ""
    items: Annotated[list[EstimateItemIn], Field(max_length=50)] = []
    diagnosis_codes: Annotated[list[str], Field(max_length=12)] | None = None
    requested: bool = True
