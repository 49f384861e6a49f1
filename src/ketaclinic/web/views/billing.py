"""Billing pages: a patient's account at the front desk (balance, entries, packages, payments,
refunds, adjustments, receipts, superbills, consultations to mark done), the day close per
location with the cash count and the manager's worklist, and the patient's own billing in
the portal. Amounts are typed in dollars and kept in cents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from ketaclinic.interop.billing_pdf import statement_response
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.billing import charges, dayclose, money, packages, services, worklist
from ketaclinic.records.clinics.lookups import locations
from ketaclinic.records.errors import Forbidden, InvalidInput
from ketaclinic.records.pricing.inputs import dollars_to_cents
from ketaclinic.records.toolkit import filter_day, local_today

from ..forms import Attempt, attempt, page_number, posted
from .common import actor, service_view

WITNESS = ("witness_username", "witness_password")
FORMS: dict[str, tuple[str, ...]] = {
    "payment": ("amount", "method", "reference", "location", "deposit", *WITNESS),
    "refund": ("payment_id", "amount", "reason", "reference", *WITNESS),
    "adjustment": ("amount", "direction", "reason", "location", *WITNESS),
    "package": ("location",),
}


def _in_cents(values: dict[str, str]) -> dict[str, Any]:
    """The form's dollars as the service's cents (a bad amount is refused naming
    ``amount_cents``)."""
    data: dict[str, Any] = {k: v for k, v in values.items() if k != "amount"}
    data["amount_cents"] = dollars_to_cents(values.get("amount", ""))
    if "payment_id" in data:
        try:
            data["payment_id"] = int(data["payment_id"])
        except ValueError:
            raise InvalidInput.single("payment_id", "choose a payment") from None
    if "deposit" in data:
        data["deposit"] = True
    return data


@service_view
def patient_billing(request: HttpRequest, patient_id: int) -> HttpResponse:
    """GET: the account; POST ``form`` = payment, refund, adjustment or package: record it
    (the page again with the errors on a refusal)."""
    who = actor(request)
    outcome: Attempt[Any] | None = None
    form = request.POST.get("form", "") if request.method == "POST" else ""
    values: dict[str, str] = {}
    if form in FORMS:
        values = posted(request, *FORMS[form])
        calls: dict[str, Callable[[], Any]] = {
            "payment": lambda: money.record_payment(who, patient_id, _in_cents(values)),
            "refund": lambda: money.record_refund(who, patient_id, _in_cents(values)),
            "adjustment": lambda: money.record_adjustment(who, patient_id, _in_cents(values)),
            "package": lambda: packages.sell_package(who, patient_id, values),
        }
        outcome = attempt(calls[form])
        if outcome.value is not None:
            return redirect("web:patient-billing", patient_id=patient_id)
    found = services.account(who, patient_id, page_number(request))
    return render(
        request,
        "web/billing/account.html",
        {
            "account": found,
            "patient": found.patient,
            "payments": [e for e in found.entries.items if e.kind in ("payment", "deposit")],
            "locations": locations(),
            "can_pay": may(who, Action.PAYMENT_RECORD),
            "can_refund": may(who, Action.REFUND_RECORD),
            "can_adjust": may(who, Action.BILLING_ADJUST),
            "can_sell": may(who, Action.PACKAGE_SELL),
            "can_complete": may(who, Action.VISIT_COMPLETE),
            "form": form,
            "values": values,
            "errors": outcome.errors if outcome else {},
            "clash": outcome.clash if outcome else "",
            "today": date.today().isoformat(),
        },
        status=outcome.status if outcome else 200,
    )


@service_view
def consultation_complete(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """POST: mark a consultation done (its charge posts from the price list)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    who = actor(request)
    outcome = attempt(lambda: charges.complete_consultation(who, appointment_id))
    patient_id = request.POST.get("patient_id", "")
    if outcome.value is None:
        return HttpResponse(
            outcome.clash or "; ".join(outcome.errors.values()), status=outcome.status
        )
    return (
        redirect("web:patient-billing", patient_id=int(patient_id))
        if patient_id.isdigit()
        else redirect("web:home")
    )


def _period(request: HttpRequest) -> tuple[date, date]:
    try:
        return date.fromisoformat(request.GET["from"]), date.fromisoformat(request.GET["to"])
    except (KeyError, ValueError):
        raise InvalidInput.single("from", "give the dates of service as YYYY-MM-DD") from None


def _document(call: Callable[[], services.Statement], name: str) -> HttpResponse:
    try:
        found = call()
    except InvalidInput as error:
        return HttpResponse(str(error), status=422, content_type="text/plain")
    return statement_response(found, f"{name}-{found.number}.pdf")


def _receipt(request: HttpRequest, patient_id: int, number: int) -> HttpResponse:
    return _document(lambda: services.receipt(actor(request), patient_id, number), "receipt")


def _superbill(request: HttpRequest, patient_id: int) -> HttpResponse:
    def build() -> services.Statement:
        first, last = _period(request)
        return services.superbill(actor(request), patient_id, first, last)

    return _document(build, "superbill")


@service_view
def receipt_pdf(request: HttpRequest, patient_id: int, number: int) -> HttpResponse:
    return _receipt(request, patient_id, number)


@service_view
def superbill_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _superbill(request, patient_id)


@service_view
def day_close(request: HttpRequest) -> HttpResponse:
    """The day close of a location (its zone's calendar day): money by method, expected vs
    counted cash (POST: count the cash), and the manager's worklist."""
    who = actor(request)
    places = locations()
    if not places:
        raise Forbidden("no location")
    slug = request.GET.get("location") or request.POST.get("location") or places[0].slug
    place = next((p for p in places if p.slug == slug), places[0])
    day = filter_day(request.GET.get("date") or request.POST.get("day") or "") or local_today(
        place.zone
    )
    outcome: Attempt[Any] | None = None
    if request.method == "POST":
        values = posted(request, "location", "day", "counted", "note")
        outcome = attempt(
            lambda: dayclose.count_cash(
                who,
                {
                    "location": values.get("location", ""),
                    "day": values.get("day", ""),
                    "counted_cents": dollars_to_cents(values.get("counted", "")),
                    "note": values.get("note", ""),
                },
            )
        )
        if outcome.value is not None:
            return redirect(f"{request.path}?location={place.slug}&date={day.isoformat()}")
    found = dayclose.day_close(who, place.slug, day)
    return render(
        request,
        "web/billing/day_close.html",
        {
            "close": found,
            "locations": places,
            "warnings": worklist.worklist(who) if may(who, Action.BILLING_REPORT) else [],
            "can_count": may(who, Action.CASH_COUNT),
            "errors": outcome.errors if outcome else {},
            "clash": outcome.clash if outcome else "",
        },
        status=outcome.status if outcome else 200,
    )


def _own(request: HttpRequest) -> int:
    patient_id = getattr(request.user, "patient_id", None)
    if patient_id is None:
        raise Forbidden("only a patient account has its own billing")
    return int(patient_id)


@service_view
def my_billing(request: HttpRequest) -> HttpResponse:
    """The patient's balance, payments with their receipts, and superbills."""
    found = services.account(actor(request), _own(request), page_number(request))
    return render(
        request,
        "web/billing/mine.html",
        {
            "account": found,
            "payments": [e for e in found.entries.items if e.kind in ("payment", "deposit")],
            "today": date.today().isoformat(),
        },
    )


@service_view
def my_receipt(request: HttpRequest, number: int) -> HttpResponse:
    return _receipt(request, _own(request), number)


@service_view
def my_superbill(request: HttpRequest) -> HttpResponse:
    return _superbill(request, _own(request))
