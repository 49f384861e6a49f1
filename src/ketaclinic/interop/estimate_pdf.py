"""A Good Faith Estimate as PDF: the patient, the provider (name, NPI, tax id), where and when,
the itemized expected charges with their codes, the diagnosis, and the notices the rule
requires (45 CFR 149.610(c))."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.utils import timezone
from reportlab.lib.units import cm
from reportlab.platypus import Spacer

from ketaclinic.records.pricing.money import dollars

from .pdf import WIDTH, _p, _render, _table

if TYPE_CHECKING:
    from ketaclinic.records.pricing.models import Estimate


def _when(estimate: Estimate) -> str:
    if estimate.service_from is None:
        return "not yet scheduled"
    if estimate.service_from == estimate.service_to:
        return estimate.service_from.isoformat()
    to = estimate.service_to.isoformat() if estimate.service_to else ""
    return f"{estimate.service_from.isoformat()} to {to}"


def estimate_pdf(estimate: Estimate, zone: tzinfo) -> bytes:
    provider = estimate.provider
    issued = estimate.issued_at.astimezone(zone)
    story: list[Any] = [
        _p("Good Faith Estimate", "Title"),
        _p(
            f"Estimate no. {estimate.pk}, issued {issued:%Y-%m-%d}"
            + (
                f"; replaces estimate no. {estimate.supersedes_id}"
                if estimate.supersedes_id
                else ""
            )
        ),
        _p("Patient", "Heading2"),
        _table(
            [
                ("name", "date of birth"),
                (estimate.patient_name, estimate.patient_date_of_birth.isoformat()),
            ],
            [WIDTH / 2, WIDTH / 2],
        ),
        _p("Care estimated", "Heading2"),
        _p(f"{estimate.summary}. Expected dates of service: {_when(estimate)}."),
        _p("Provider and location", "Heading2"),
        _table(
            [
                ("provider", "NPI", "tax id", "location"),
                (
                    provider.get("name", ""),
                    provider.get("npi", ""),
                    provider.get("tax_id", ""),
                    f"{estimate.location_name}\n{estimate.location_address}".strip(),
                ),
            ],
            [5 * cm, 3 * cm, 3 * cm, WIDTH - 11 * cm],
        ),
        _p("Diagnosis", "Heading2"),
        _p(", ".join(f"{d['code']} {d['description']}" for d in estimate.diagnosis_codes)),
        _p("Expected charges", "Heading2"),
    ]
    rows: list[tuple[Any, ...]] = [("item or service", "code", "date", "quantity", "each", "total")]
    for item in estimate.items.all():
        rows.append(
            (
                item.description,
                " + ".join(item.codes),
                item.service_date.isoformat() if item.service_date else "",
                item.quantity,
                dollars(item.amount_cents),
                dollars(item.line_cents),
            )
        )
    rows.append(("Total expected charges", "", "", "", "", dollars(estimate.total_cents)))
    story.append(_table(rows, [WIDTH - 12.5 * cm, 3 * cm, 2.5 * cm, 1.8 * cm, 2.6 * cm, 2.6 * cm]))
    story.append(Spacer(1, 8))
    story.append(_p("Please read", "Heading2"))
    story += [_p(notice["text"]) for notice in estimate.disclaimers]
    contact = ", ".join(v for v in (provider.get("phone", ""), provider.get("email", "")) if v)
    if contact:
        story.append(_p(f"Contact: {provider.get('name', '')}, {contact}."))
    return _render(f"Good Faith Estimate {estimate.pk}", story)


def estimate_pdf_response(estimate: Estimate) -> HttpResponse:
    """The estimate's PDF as an inline download, in the clinic's time zone."""
    response = HttpResponse(
        estimate_pdf(estimate, timezone.get_current_timezone()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="good-faith-estimate-{estimate.pk}.pdf"'
    return response
