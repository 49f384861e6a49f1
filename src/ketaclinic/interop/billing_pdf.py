"""Receipts and superbills as PDF: who billed (name, NPI, tax id), where, the dates of service
with their CPT/HCPCS codes and the ICD-10-CM diagnosis, the charges and the payments — what a
patient sends to their insurer to claim out-of-network reimbursement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from reportlab.lib.units import cm
from reportlab.platypus import Spacer

from ketaclinic.records.pricing.money import dollars

from .pdf import WIDTH, _p, _render, _table

if TYPE_CHECKING:
    from ketaclinic.records.billing.services import Statement


def statement_pdf(statement: Statement) -> bytes:
    """A receipt (one payment) or a superbill (a period), from ``billing.services``."""
    patient = statement.patient
    period = (
        statement.first_day.isoformat()
        if statement.first_day == statement.last_day
        else f"{statement.first_day.isoformat()} to {statement.last_day.isoformat()}"
    )
    story: list[Any] = [
        _p(f"{statement.title} {statement.number}", "Title"),
        _table(
            [
                ("Provider", "NPI", "Tax id", "Location"),
                (
                    statement.provider_name,
                    statement.npi or "—",
                    statement.tax_id or "—",
                    f"{statement.location.name}\n{statement.provider_address}".strip(),
                ),
            ],
            [WIDTH * 0.35, WIDTH * 0.15, WIDTH * 0.15, WIDTH * 0.35],
        ),
        Spacer(1, 0.3 * cm),
        _p(
            f"Patient: {patient.given_name} {patient.family_name} · MRN {patient.mrn} · born "
            f"{patient.date_of_birth:%Y-%m-%d} · dates of service {period}"
        ),
        _p(
            "Diagnosis (ICD-10-CM): "
            + "; ".join(f"{code} {label}".strip() for code, label in statement.diagnoses)
        ),
        _p("Services", "Heading3"),
    ]
    rows: list[tuple[Any, ...]] = [
        ("Date", "Codes (CPT/HCPCS)", "Service", "Qty", "Unit", "Charge")
    ]
    rows += [
        (
            line.day.isoformat(),
            ", ".join(line.codes) or "—",
            line.description,
            str(line.quantity),
            dollars(line.unit_cents) if line.unit_cents is not None else "—",
            dollars(line.amount_cents),
        )
        for line in statement.services
    ]
    rows.append(("", "", "Total charges", "", "", dollars(statement.charged_cents)))
    story.append(_table(rows, [WIDTH * w for w in (0.13, 0.17, 0.38, 0.07, 0.12, 0.13)]))
    story.append(_p("Payments", "Heading3"))
    paid: list[tuple[Any, ...]] = [("Date", "What", "Method", "Terminal reference", "Amount")]
    paid += [
        (
            entry.service_on.isoformat(),
            entry.get_kind_display(),
            entry.get_method_display(),
            entry.reference or "—",
            dollars(-entry.owed_cents),
        )
        for entry in statement.payments
    ]
    paid.append(("", "Total paid", "", "", dollars(statement.paid_cents)))
    story.append(_table(paid, [WIDTH * w for w in (0.15, 0.2, 0.25, 0.25, 0.15)]))
    story.append(Spacer(1, 0.3 * cm))
    story.append(_p(f"Balance on the account now: {_owed(statement.balance_cents)}"))
    story += [_p(note, "small") for note in statement.notes]
    return _render(f"{statement.title} {statement.number}", story)


def _owed(cents: int) -> str:
    if cents > 0:
        return f"{dollars(cents)} owed by the patient"
    if cents < 0:
        return f"{dollars(-cents)} in the patient's favour"
    return "nothing owed"


def statement_response(statement: Statement, filename: str) -> HttpResponse:
    response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
