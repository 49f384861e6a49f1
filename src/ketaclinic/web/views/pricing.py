"""Prices and Good Faith Estimates on the web: the price lists (staff read; a manager adds a
new version from a date and sets who bills), a patient's estimates on the chart (the front
desk and managers issue them) and in the portal, each estimate as PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.interop.estimate_pdf import estimate_pdf_response
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.clinics.lookups import locations
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.pricing import estimates, lookups, services
from ketaclinic.records.pricing.choices import PriceKind
from ketaclinic.records.pricing.inputs import dollars_to_cents
from ketaclinic.records.pricing.money import dollars

from ..forms import attempt, posted
from ..panels import estimates_panel_context
from .common import actor, service_view

# The kinds the form offers, one row each, for every protocol; protocol prices of the current
# version are carried into the new one as they are (the API and CLI change them).
FORM_KINDS = tuple(PriceKind)


def _current_items(versions: list[Any]) -> dict[str, Any]:
    latest = versions[0] if versions else None
    return (
        {item.kind: item for item in latest.items.all() if not item.protocol_id} if latest else {}
    )


def _rows(versions: list[Any], values: dict[str, str]) -> list[dict[str, Any]]:
    current = _current_items(versions)
    rows = []
    for kind in FORM_KINDS:
        item = current.get(kind.value)
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "amount": values.get(f"{kind.value}_amount", "")
                or (dollars(item.amount_cents).removeprefix("$") if item else ""),
                "sessions": values.get("package_sessions", "") or (item.sessions if item else 6),
            }
        )
    return rows


def _price_list_data(request: HttpRequest, versions: list[Any]) -> dict[str, Any]:
    """The posted form as the service's input: dollars become cents, empty rows are left out,
    and the current version's protocol prices are carried over."""
    items: list[dict[str, Any]] = []
    for kind in FORM_KINDS:
        amount = request.POST.get(f"{kind.value}_amount", "").strip()
        if not amount:
            continue
        item: dict[str, Any] = {"kind": kind.value, "amount_cents": dollars_to_cents(amount)}
        if kind == PriceKind.PACKAGE:
            item["sessions"] = request.POST.get("package_sessions", "6").strip() or "6"
        items.append(item)
    if versions:
        items += [
            {
                "kind": item.kind,
                "protocol": item.protocol_id,
                "label": item.label,
                "codes": list(item.codes),
                "sessions": item.sessions,
                "amount_cents": item.amount_cents,
            }
            for item in versions[0].items.all()
            if item.protocol_id
        ]
    return posted(request, "effective_from", "note") | {
        "location": request.POST.get("location", ""),
        "items": items,
    }


@service_view
def price_lists(request: HttpRequest) -> HttpResponse:
    """Every location's price lists, newest first; managers add a version and set who bills."""
    who = actor(request)
    slug = request.POST.get("location") or request.GET.get("location") or ""
    places = locations()
    chosen = next((p for p in places if p.slug == slug), places[0] if places else None)
    versions = services.price_lists(who, chosen.slug) if chosen else []
    errors: dict[str, str] = {}
    clash = ""
    status = 200
    values: dict[str, str] = {}
    if request.method == "POST" and chosen is not None:
        values = {k: str(v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        data = _price_list_data(request, versions)
        try:
            services.add_price_list(who, data)
        except InvalidInput as error:
            errors, status = _error_rows(error, data), 422
        except Conflict as error:
            clash, status = str(error), 409
        else:
            return redirect(f"{request.path}?location={chosen.slug}")
    return render(
        request,
        "web/pricing/price_lists.html",
        {
            "places": places,
            "chosen": chosen,
            "versions": versions,
            "provider": lookups.billing_provider(chosen) if chosen else None,
            "can_set": may(who, Action.PRICE_SET),
            "rows": _rows(versions, values),
            "values": values,
            "errors": errors,
            "clash": clash,
        },
        status=status,
    )


def _error_rows(error: InvalidInput, data: dict[str, Any]) -> dict[str, str]:
    """Errors keyed as the form names its inputs (``infusion_amount``, ``effective_from``)."""
    errors: dict[str, str] = {}
    for item in error.errors:
        parts = item.field.split(".")
        if parts[0] == "items" and len(parts) > 2 and parts[1].isdigit():
            posted_item = data["items"][int(parts[1])]
            name = "package_sessions" if parts[2] == "sessions" else f"{posted_item['kind']}_amount"
            errors.setdefault(name, item.message)
        else:
            errors.setdefault(parts[0], item.message)
    return errors


@require_POST
@service_view
def billing_provider(request: HttpRequest) -> HttpResponse:
    """A manager sets who bills at a location (name, NPI, tax id)."""
    who = actor(request)
    slug = request.POST.get("location", "")
    data = posted(request, "name", "npi", "tax_id", "address", "phone", "email")
    outcome = attempt(lambda: services.set_billing_provider(who, slug, data))
    if outcome.value is not None:
        return redirect(f"{reverse('web:prices')}?location={slug}")
    return render(
        request,
        "web/pricing/provider_refused.html",
        {"errors": outcome.errors, "clash": outcome.clash, "slug": slug},
        status=outcome.status,
    )


@require_POST
@service_view
def estimate_issue(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The front desk or a manager issues an estimate of the booked and planned care (or the
    standard course); a refusal (no price list) is shown on the patient's estimates page."""
    who = actor(request)
    outcome = attempt(lambda: estimates.issue_estimate(who, patient_id, {}))
    if outcome.value is not None:
        return redirect("web:patient-estimates", patient_id=patient_id)
    context = estimates_panel_context(who, patient_id) | {"clash": outcome.clash}
    context["errors"] = outcome.errors
    return render(request, "web/pricing/patient_estimates.html", context, status=outcome.status)


@service_view
def patient_estimates(request: HttpRequest, patient_id: int) -> HttpResponse:
    context = estimates_panel_context(actor(request), patient_id)
    return render(request, "web/pricing/patient_estimates.html", context)


@service_view
def my_estimates(request: HttpRequest) -> HttpResponse:
    """The patient's own Good Faith Estimates in the portal."""
    patient_id = getattr(request.user, "patient_id", None)
    if patient_id is None:
        return render(request, "web/forbidden.html", status=403)
    context = estimates_panel_context(actor(request), patient_id)
    return render(request, "web/pricing/my_estimates.html", context)


@service_view
def estimate_pdf(request: HttpRequest, estimate_id: int) -> HttpResponse:
    return estimate_pdf_response(estimates.get_estimate(actor(request), estimate_id))
