"""Billing under /patients/{id}: payments, refunds, the balance, the account, receipts and
superbills (front desk and managers; a patient their own reads). Amounts are integer cents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from ketaclinic.interop.billing_pdf import statement_response
from ketaclinic.records.billing import money, services
from ketaclinic.records.billing.inputs import PaymentIn, RefundIn

from .auth import actor
from .errors import ERRORS
from .params import Day, PageNumber

router = Router(tags=["billing"])

PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The document as a PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class EntryOut(Schema):
    id: int
    patient_id: int
    kind: str
    amount_cents: int
    owed_cents: int
    method: str | None
    reference: str
    reason: str
    service_on: date
    code: str
    codes: list[str]
    description: str
    quantity: int
    location: str
    recorded_at: datetime


class BalanceOut(Schema):
    balance_cents: int


class AccountOut(Schema):
    balance_cents: int
    entries: list[EntryOut]
    total: int
    page: int
    pages: int


class SuperbillQuery(Schema):
    first: Day = Field(..., alias="from")
    last: Day = Field(..., alias="to")


@router.post("/{patient_id}/payments", response={201: EntryOut, **ERRORS})
def record_payment(
    request: HttpRequest, patient_id: int, data: PaymentIn
) -> Status[dict[str, Any]]:
    """A payment: ``amount_cents`` (integer > 0), ``method`` (``cash`` or ``card``), the card
    terminal's ``reference`` (never a card number), ``location`` (slug; default the patient's
    usual location). Front desk and managers."""
    entry = money.record_payment(actor(request), patient_id, data.model_dump(exclude_unset=True))
    return Status(201, services.entry_as_dict(entry))


@router.post("/{patient_id}/refunds", response={201: EntryOut, **ERRORS})
def record_refund(request: HttpRequest, patient_id: int, data: RefundIn) -> Status[dict[str, Any]]:
    """Money back against one payment (``payment_id``), never above what is left of it; a
    second person confirms when the clinic requires it."""
    entry = money.record_refund(actor(request), patient_id, data.model_dump(exclude_unset=True))
    return Status(201, services.entry_as_dict(entry))


@router.get("/{patient_id}/balance", response={200: BalanceOut, **ERRORS})
def get_balance(request: HttpRequest, patient_id: int) -> dict[str, int]:
    """What the patient owes (positive) or is owed (negative), in cents."""
    return {"balance_cents": services.balance(actor(request), patient_id)}


@router.get("/{patient_id}/account", response={200: AccountOut, **ERRORS})
def get_account(request: HttpRequest, patient_id: int, page: PageNumber = 1) -> dict[str, Any]:
    """The balance and the entries, newest first, 50 a page."""
    found = services.account(actor(request), patient_id, page)
    return {
        "balance_cents": found.balance_cents,
        "entries": [services.entry_as_dict(e) for e in found.entries.items],
        "total": found.entries.total,
        "page": found.entries.page,
        "pages": found.entries.pages,
    }


@router.get("/{patient_id}/receipts/{number}.pdf", response=ERRORS, openapi_extra=PDF_ANSWER)
def get_receipt(request: HttpRequest, patient_id: int, number: int) -> HttpResponse:
    """The receipt of a payment (its entry id) as a PDF."""
    found = services.receipt(actor(request), patient_id, number)
    return statement_response(found, f"receipt-{found.number}.pdf")


@router.get("/{patient_id}/superbill.pdf", response=ERRORS, openapi_extra=PDF_ANSWER)
def get_superbill(
    request: HttpRequest, patient_id: int, period: Query[SuperbillQuery]
) -> HttpResponse:
    """The superbill for dates of service ``from`` to ``to`` (YYYY-MM-DD) as a PDF."""
    found = services.superbill(actor(request), patient_id, period.first, period.last)
    return statement_response(found, f"superbill-{found.number}.pdf")
