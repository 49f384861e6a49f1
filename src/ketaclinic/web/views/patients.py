"""Patient pages: search, chart, register, edit, record weight and height."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts import lookups as accounts
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.audit import services as audit
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients import services
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.patients.choices import Coverage, Sex
from ketaclinic.records.patients.history import history_flag_labels
from ketaclinic.records.patients.inputs import PatientFields

from ..forms import field_errors, page_number
from ..panels import chart_panels
from .common import actor, service_view


@service_view
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = services.search_patients(actor(request), query, page_number(request))
    template = (
        "web/patients/_results.html"
        if request.headers.get("HX-Request")
        else "web/patients/list.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "query": query,
            "pager_query": urlencode({"q": query}),
            "can_register": may(actor(request), Action.PATIENT_REGISTER),
        },
    )


@service_view
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _render_chart(request, actor(request), patient_id)


def _render_chart(
    request: HttpRequest,
    who: Any,
    patient_id: int,
    measurement_errors: dict[str, str] | None = None,
) -> HttpResponse:
    """The chart with every panel: one audit entry names each thing read for it."""
    with audit.one_entry_per_page(who, Action.PATIENT_VIEW, patient_id=patient_id):
        return _chart_page(request, who, services.get_chart(who, patient_id), measurement_errors)


def _chart_page(
    request: HttpRequest,
    who: Any,
    chart: services.Chart,
    measurement_errors: dict[str, str] | None,
) -> HttpResponse:
    labels = history_flag_labels()
    return render(
        request,
        "web/patients/detail.html",
        {
            "chart": chart,
            "patient": chart.patient,
            "history": [labels.get(flag, flag) for flag in chart.patient.history_flags]
            if chart.clinical
            else [],
            "allergies": patient_allergies(chart.patient) if chart.clinical else [],
            "can_edit": may(who, Action.PATIENT_EDIT_DEMOGRAPHICS)
            or may(who, Action.PATIENT_EDIT_CLINICAL),
            "can_measure": may(who, Action.PATIENT_RECORD_MEASUREMENT),
            "measurement_errors": measurement_errors or {},
            "panels": chart_panels(request, who, chart.patient),
        },
        status=422 if measurement_errors else 200,
    )


def _form_data(request: HttpRequest, fields: set[str]) -> dict[str, Any]:
    """Turn the posted form into the services' input: lists are one item per line."""
    data: dict[str, Any] = {}
    for name in fields:
        if name in {"allergies", "history_flags"}:
            values = request.POST.getlist(name)
            if name == "allergies":
                values = [line.strip() for v in values for line in v.splitlines() if line.strip()]
            data[name] = values
        elif name == "medications":
            data[name] = [
                {"name": line.strip()}
                for line in request.POST.get(name, "").splitlines()
                if line.strip()
            ]
        elif name in request.POST:
            value = request.POST[name].strip()
            if name in {"weight_kg", "height_cm", "mrn"} and value == "":
                continue
            data[name] = None if name == "physician_id" and value == "" else value
    return data


def _form_context(who: Any, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "sexes": Sex.choices,
        "coverages": Coverage.choices,
        "physicians": accounts.active_physicians(),
        "flags": sorted(history_flag_labels().items(), key=lambda item: item[1]),
        "can_edit_clinical": may(who, Action.PATIENT_EDIT_CLINICAL),
        "can_edit_demographics": may(who, Action.PATIENT_EDIT_DEMOGRAPHICS),
    }


@service_view
def patient_create(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields = set(PatientFields.model_fields) | {"weight_kg", "height_cm"}
        if not may(who, Action.PATIENT_EDIT_CLINICAL):
            fields -= {"allergies", "medications", "history_flags"}
        values = _form_data(request, fields)
        try:
            patient = services.register_patient(who, values)
        except InvalidInput as error:
            errors = field_errors(error)
        else:
            return redirect("web:patient-detail", patient_id=patient.pk)
    else:
        authorize(who, Action.PATIENT_REGISTER)
    context = _form_context(who, values, errors) | {"creating": True}
    return render(request, "web/patients/form.html", context, status=422 if errors else 200)


@service_view
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields: set[str] = set()
        if may(who, Action.PATIENT_EDIT_DEMOGRAPHICS):
            fields |= set(PatientFields.model_fields) - {
                "allergies",
                "medications",
                "history_flags",
            }
        if may(who, Action.PATIENT_EDIT_CLINICAL):
            fields |= {"allergies", "medications", "history_flags"}
        changes = _form_data(request, fields)
        try:
            services.update_patient(who, patient_id, changes)
        except InvalidInput as error:
            errors = field_errors(error)
            values = changes
        else:
            return redirect("web:patient-detail", patient_id=patient_id)
    else:
        patient = services.get_chart(who, patient_id).patient
        values = {name: getattr(patient, name) for name in PatientFields.model_fields}
        values["date_of_birth"] = patient.date_of_birth.isoformat()
        values["allergies"] = [allergy.describe() for allergy in patient_allergies(patient)]
        if not may(who, Action.PATIENT_EDIT_CLINICAL):
            for name in ("allergies", "medications", "history_flags"):
                values.pop(name, None)
    context = _form_context(who, values, errors) | {"patient_id": patient_id}
    return render(request, "web/patients/form.html", context, status=422 if errors else 200)


@require_POST
@service_view
def measurement_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    data = {
        k: request.POST[k].strip()
        for k in ("weight_kg", "height_cm")
        if request.POST.get(k, "").strip()
    }
    who = actor(request)
    try:
        services.record_measurement(who, patient_id, data)
    except InvalidInput as error:
        return _render_chart(request, who, patient_id, field_errors(error))
    return redirect("web:patient-detail", patient_id=patient_id)
