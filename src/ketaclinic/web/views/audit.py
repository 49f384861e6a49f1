"""The manager's audit viewer: filter the trail and export it as CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.records.accounts import audit_trail as audit
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.pages import Page
from ketaclinic.records.patients import lookups as patient_lookups
from ketaclinic.records.toolkit import filter_day

from ..forms import page_number
from .common import actor, service_view

AUDIT_PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[audit.AuditFilter, dict[str, str]]:
    """Read the filter form; dates are whole local days, ``until`` inclusive."""
    names = ("username", "action", "outcome", "patient", "since", "until")
    params = {name: request.GET.get(name, "").strip() for name in names}
    since, until = filter_day(params["since"]), filter_day(params["until"])
    filters = audit.AuditFilter(
        username=params["username"],
        action=params["action"],
        outcome=params["outcome"] if params["outcome"] in Outcome.values else "",
        patient_id=_patient_id(params["patient"]),
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None,
    )
    return filters, params


NOBODY = -1  # an MRN no patient has: the filter then matches no entry


def _patient_id(mrn: str) -> int | None:
    if not mrn:
        return None
    found = patient_lookups.patient_id_for_account_setup(mrn)
    return NOBODY if found is None else found


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@service_view
def audit_list(request: HttpRequest) -> HttpResponse:
    filters, params = _filters(request)
    events = audit.search(actor(request), filters)
    page = Page.of(events, page_number(request), AUDIT_PAGE_SIZE)
    query = urlencode({k: v for k, v in params.items() if v})
    ids = {e.patient_id for e in page.items if e.patient_id is not None}
    names = patient_lookups.names_for_audit(ids)
    rows = [
        (e, names.get(e.patient_id, "") if e.patient_id is not None else "", _role(e.role))
        for e in page.items
    ]
    context = {
        "page": page,
        "rows": rows,
        "params": params,
        "outcomes": Outcome.choices,
        "query": query,
    }
    return render(request, "web/audit/list.html", context)


def _role(value: str) -> str:
    return Role(value).label if value in Role.values else value


@service_view
def audit_csv(request: HttpRequest) -> HttpResponseBase:
    filters, _ = _filters(request)
    events = audit.search(actor(request), filters, action=Action.AUDIT_EXPORT)
    response = StreamingHttpResponse(audit.csv_lines(events), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
