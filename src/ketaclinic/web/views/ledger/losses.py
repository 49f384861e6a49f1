"""Ledger loss reports and their filings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.context import Actor
from ketaclinic.records.ledger import counts, losses, stock
from ketaclinic.records.ledger.choices import FilingKind, LossKind
from ketaclinic.records.ledger.common import local_today, location_or_404

from ...forms import attempt, posted
from ..common import actor, service_view
from .common import (
    LOSS_FORM_LINES,
    abilities,
    balance_choice,
    lot_options,
)


def _loss_page(request: HttpRequest, who: Actor, slug: str, **form: Any) -> HttpResponse:
    location = location_or_404(slug)
    today = local_today(location)
    return render(
        request,
        "web/ledger/losses.html",
        {
            "location": location,
            "reports": [
                (report, [(d, d.overdue(today)) for d in losses.deadlines(report)])
                for report in losses.loss_reports(who, slug)
            ],
            "today": today,
            "kinds": LossKind.choices,
            "filing_kinds": FilingKind.choices,
            "lot_options": lot_options(stock.balances_at(who, slug), today, drawing=False),
            "open_discrepancies": counts.discrepancies(who, slug, open_only=True),
            "line_numbers": range(LOSS_FORM_LINES),
            "can": abilities(who),
            **form,
        },
        status=form.get("status", 200),
    )


@service_view
def ledger_losses(request: HttpRequest, slug: str) -> HttpResponse:
    return _loss_page(request, actor(request), slug)


@require_POST
@service_view
def ledger_loss_new(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    values = posted(
        request,
        "kind",
        "discovered_on",
        "circumstances",
        "police_notified",
        "police_department",
        "police_phone",
        "police_report_number",
        "discrepancy_id",
    )
    lines = []
    for index in range(LOSS_FORM_LINES):
        line = posted(request, f"lot_{index}", f"containers_{index}", f"volume_ml_{index}")
        values.update(line)
        if line:
            lines.append(
                {
                    "lot_id": balance_choice(line.get(f"lot_{index}", "")).get("lot_id", ""),
                    "containers": line.get(f"containers_{index}", "0"),
                    "volume_ml": line.get(f"volume_ml_{index}", ""),
                }
            )
    data: dict[str, Any] = {
        k: v for k, v in values.items() if not k.startswith(("lot_", "containers_", "volume_"))
    }
    data.update(location=slug, police_notified=values.get("police_notified") == "on", lines=lines)
    report, errors, clash, status = attempt(lambda: losses.report_loss(who, data))
    if report is None:
        return _loss_page(
            request, who, slug, values=values, errors=errors, clash=clash, status=status
        )
    messages.success(request, f"Loss report {report.pk} recorded. Mind the deadlines below.")
    return redirect("web:ledger-losses", slug=slug)


@require_POST
@service_view
def ledger_filing(request: HttpRequest, slug: str, report_id: int) -> HttpResponse:
    who = actor(request)
    values = posted(request, "kind", "filed_on", "reference")
    filing, errors, clash, status = attempt(lambda: losses.record_filing(who, report_id, values))
    if filing is None:
        return _loss_page(
            request,
            who,
            slug,
            filing_failed=report_id,
            filing_errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, f"{filing.get_kind_display()} recorded for report {report_id}.")
    return redirect("web:ledger-losses", slug=slug)
