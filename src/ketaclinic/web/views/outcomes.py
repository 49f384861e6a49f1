"""The outcome screen ("is it working for this patient?") with the booster decision and
drop-outs, the patient's PDF report and FHIR record, and the manager's cohort dashboard."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.interop import pdf
from ketaclinic.interop.fhir import patient_bundle
from ketaclinic.outcomes.plots import ChangeRow, Scale, cohort_plot, trajectory_plot
from ketaclinic.protocols import protocols
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.clinics import lookups as premises
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.outcomes import cohort, exchange, services
from ketaclinic.records.outcomes.choices import BoosterChoice, DiscontinuationReason
from ketaclinic.records.outcomes.cohort import CohortReport

from ..forms import field_errors
from .common import actor, service_view

FILTERS = ("protocol", "location", "since", "until")


def svg_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def trajectory_uri(data: services.PatientOutcomes) -> str:
    """The patient's plot, or "" when there is no score yet."""
    if not data.outcome.has_scores:
        return ""
    scales = {
        i: Scale(d.title, float(d.total_min), float(d.total_max))
        for i, d in data.definitions.items()
    }
    return svg_uri(trajectory_plot(data.outcome, scales, timezone.get_current_timezone()))


def _screen(
    request: HttpRequest,
    data: services.PatientOutcomes,
    *,
    errors: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    who = actor(request)
    return render(
        request,
        "web/outcomes/screen.html",
        {
            "data": data,
            "patient": data.patient,
            "outcome": data.outcome,
            "plot": trajectory_uri(data),
            "rows": _change_rows(data),
            "immediate_pain": data.outcome.immediate_pain,
            "rules": data.outcome.rules,
            "can_decide": may(who, Action.BOOSTER_DECIDE),
            "can_record_dropout": may(who, Action.OUTCOME_RECORD_DISCONTINUATION),
            "can_report": may(who, Action.REPORT_PATIENT),
            "can_export": may(who, Action.EXPORT_FHIR),
            "choices": BoosterChoice.choices,
            "reasons": DiscontinuationReason.choices,
            "today": timezone.localdate(),
            "values": request.POST if request.method == "POST" else {},
            "errors": errors or {},
            "problem": problem,
        },
        status=status,
    )


def _change_rows(data: services.PatientOutcomes) -> list[dict[str, Any]]:
    """Per shown scale: baseline, latest lasting score and their difference."""
    rows = []
    for trajectory in data.outcome.trajectories:
        change = trajectory.change()
        rows.append(
            {
                "title": data.title(trajectory.instrument_id),
                "baseline": trajectory.baseline.total if trajectory.baseline else None,
                "latest": trajectory.latest.total if trajectory.latest else None,
                "change": change.points if change else None,
            }
        )
    return rows


@service_view
def patient_outcomes(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _screen(request, services.patient_outcomes(actor(request), patient_id))


@require_POST
@service_view
def booster_decide(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    data = {key: request.POST.get(key, "").strip() for key in ("decision", "note")}
    try:
        services.decide_booster(who, patient_id, data)
    except InvalidInput as error:
        current = services.patient_outcomes(who, patient_id)
        return _screen(request, current, errors=field_errors(error), status=422)
    except Conflict as error:
        current = services.patient_outcomes(who, patient_id)
        return _screen(request, current, problem=str(error), status=409)
    return redirect("web:patient-outcomes", patient_id=patient_id)


@require_POST
@service_view
def discontinuation_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    data = {
        key: request.POST.get(key, "").strip()
        for key in ("reason", "stopped_on", "note", "protocol_id")
        if request.POST.get(key, "").strip()
    }
    try:
        services.record_discontinuation(who, patient_id, data)
    except InvalidInput as error:
        current = services.patient_outcomes(who, patient_id)
        return _screen(request, current, errors=field_errors(error), status=422)
    return redirect("web:patient-outcomes", patient_id=patient_id)


@service_view
def patient_report(request: HttpRequest, patient_id: int) -> HttpResponse:
    data = services.patient_outcomes(
        actor(request), patient_id, action=Action.REPORT_PATIENT, view="report"
    )
    content = pdf.patient_report(data, timezone.get_current_timezone(), timezone.now())
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="progress-{data.patient.mrn}.pdf"'
    return response


@service_view
def patient_fhir(request: HttpRequest, patient_id: int) -> HttpResponse:
    record = exchange.patient_record(actor(request), patient_id)
    bundle = patient_bundle(record, timezone.now())
    response = HttpResponse(json.dumps(bundle, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="{record.patient.mrn}.fhir.json"'
    return response


PLOT_CACHE_S = 60 * 60
"""How long a drawn cohort plot is kept: it is keyed by the figures it shows, so a kept one is
never out of date, only unused."""


def cohort_plot_uri(report: CohortReport) -> str:
    """The cohort's plot, drawn once per set of figures (drawing takes far longer than the
    queries behind it; the figures are aggregates, nothing about any one patient)."""
    changes = [ChangeRow(c.short_title, c.estimate, c.scale_range) for c in report.changes]
    figures = repr((report.rates, changes, report.durability)).encode()
    key = f"cohort-plot:{hashlib.sha256(figures).hexdigest()}"
    uri = cache.get(key)
    if uri is None:
        uri = svg_uri(cohort_plot(report.rates, changes, report.durability))
        cache.set(key, uri, PLOT_CACHE_S)
    return str(uri)


@service_view
def cohort_dashboard(request: HttpRequest) -> HttpResponse:
    """Filters (protocol, location, period) and the figures; htmx swaps the results only."""
    params = {name: request.GET.get(name, "").strip() for name in FILTERS}
    context: dict[str, Any] = {
        "params": params,
        "protocols": protocols(),
        "locations": premises.locations(),
        "can_report": may(actor(request), Action.REPORT_CLINIC),
    }
    status = 200
    try:
        report = cohort.cohort_report(actor(request), {k: v for k, v in params.items() if v})
    except InvalidInput as error:
        context["errors"] = field_errors(error)
        status = 422
    else:
        context["report"] = report
        context["plot"] = "" if report.empty else cohort_plot_uri(report)
    template = (
        "web/outcomes/_cohort.html"
        if request.headers.get("HX-Request")
        else "web/outcomes/cohort.html"
    )
    return render(request, template, context, status=status)
