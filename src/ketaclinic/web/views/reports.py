"""Reports and exports for the clinic: the monthly PDF, the de-identified research export and
the identified CSV tables, each streamed or rendered on request and audited."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.interop import pdf
from ketaclinic.interop.research import research_files
from ketaclinic.interop.tables import with_dictionary, zip_stream
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.outcomes import reports, research, tables

from ..forms import field_errors
from .common import actor, service_view


def _page(
    request: HttpRequest, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    who = actor(request)
    return render(
        request,
        "web/reports/index.html",
        {
            "month": request.GET.get("month", f"{timezone.localdate():%Y-%m}"),
            "errors": errors or {},
            "can_clinic": may(who, Action.REPORT_CLINIC),
            "can_research": may(who, Action.EXPORT_RESEARCH),
            "can_csv": may(who, Action.EXPORT_CSV),
        },
        status=status,
    )


@service_view
def reports_index(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    if not any(
        may(who, a) for a in (Action.REPORT_CLINIC, Action.EXPORT_RESEARCH, Action.EXPORT_CSV)
    ):
        authorize(who, Action.REPORT_CLINIC)
    return _page(request)


@service_view
def clinic_report(request: HttpRequest) -> HttpResponse:
    try:
        month = reports.clinic_month(actor(request), {"month": request.GET.get("month", "")})
    except InvalidInput as error:
        return _page(request, field_errors(error), status=422)
    content = pdf.clinic_report(month, timezone.get_current_timezone(), timezone.now())
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="clinic-{month.month:%Y-%m}.pdf"'
    return response


def _zip(name: str, chunks: Iterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    return response


@service_view
def research_export(request: HttpRequest) -> HttpResponseBase:
    """The Safe Harbor export, or, with ``variant=limited_data_set`` and the data use
    ``agreement``, the limited data set."""
    try:
        variant = research.Variant(request.GET.get("variant", research.Variant.SAFE_HARBOR))
    except ValueError:
        return _page(request, {"variant": "Choose Safe Harbor or limited data set."}, 422)
    agreement = request.GET.get("agreement", "")
    try:
        chosen = research.research_tables(actor(request), variant, agreement)
    except InvalidInput as error:
        return _page(request, field_errors(error), status=422)
    files = research_files(chosen, variant, agreement)
    name = "research" if variant == research.Variant.SAFE_HARBOR else "limited-data-set"
    return _zip(f"{name}-{timezone.localdate():%Y-%m-%d}", zip_stream(files, "research"))


@service_view
def csv_export(request: HttpRequest) -> HttpResponseBase:
    files = with_dictionary(tables.clinic_tables(actor(request)))
    return _zip(f"tables-{timezone.localdate():%Y-%m-%d}", zip_stream(files, "tables"))
