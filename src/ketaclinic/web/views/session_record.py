"""The session record to keep or hand over: as a PDF, and as a plain page to print. Both show
``interop.session_pdf.record_text``; whoever may see the flowsheet may see them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.interop.session_pdf import record_text, session_record_pdf
from ketaclinic.records.sessions.record import session_record

from .common import actor, service_view


@service_view
def record_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    record = session_record(actor(request), session_id)
    content = session_record_pdf(record, timezone.now())
    response = HttpResponse(content, content_type="application/pdf")
    name = f"session-{record.sheet.session.patient.mrn}-{session_id}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@service_view
def record_print(request: HttpRequest, session_id: int) -> HttpResponse:
    record = session_record(actor(request), session_id)
    return render(
        request,
        "web/sessions/record_print.html",
        {"text": record_text(record, timezone.now()), "session_id": session_id},
    )
