"""Ledger reports on screen and as CSV."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.ledger import reports
from ketaclinic.records.ledger.common import local_today, location_or_404
from ketaclinic.records.pages import Page

from ...forms import attempt, page_number
from ..common import actor, service_view
from .common import (
    REPORT_PAGE_SIZE,
    allowed_at,
)


def _report_query(request: HttpRequest, slug: str, today: date) -> dict[str, str]:
    return {
        "location": slug,
        "kind": request.GET.get("kind", "dispensing"),
        "from": request.GET.get("from", "") or (today - timedelta(days=30)).isoformat(),
        "to": request.GET.get("to", "") or today.isoformat(),
    }


@service_view
def ledger_reports(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = allowed_at(who, Action.LEDGER_REPORT, slug)
    query = _report_query(request, slug, local_today(location))
    built, errors, _, status = attempt(lambda: reports.build_report(who, query))
    page = Page.of(built.rows, page_number(request), REPORT_PAGE_SIZE) if built else None
    return render(
        request,
        "web/ledger/reports.html",
        {
            "location": location,
            "query": query,
            "report": built,
            "page": page,
            "pager_query": urlencode({k: query[k] for k in ("kind", "from", "to")}),
            "rows": [[reports.cell_text(row[c]) for c in built.columns] for row in page.items]
            if built and page
            else [],
            "kinds": reports.KINDS.items(),
            "errors": errors,
        },
        status=status,
    )


@service_view
def ledger_report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = location_or_404(slug)
    query = _report_query(request, slug, local_today(location))
    built, errors, _, status = attempt(lambda: reports.build_report(who, query))
    if built is None:
        text = "; ".join(f"{field}: {message}" for field, message in errors.items())
        return HttpResponse(text, status=status, content_type="text/plain")
    response = HttpResponse(reports.as_csv(built), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{built.filename}.csv"'
    return response
