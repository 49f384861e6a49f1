"""Test results on the chart: what is on record, what is missing, and entering a new one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans.prerequisites import prerequisites_for
from ketaclinic.records.results import services
from ketaclinic.screening.lab_tests import lab_catalog

from ..forms import attempt, posted
from .common import actor, service_view

FIELDS = ("test", "taken_on", "value", "unit", "code", "reference_low", "reference_high", "note")


@service_view
def patient_results(request: HttpRequest, patient_id: int) -> HttpResponse:
    """GET: the results and the form; POST: record one (the form again on a refusal)."""
    who = actor(request)
    values: dict[str, Any] = {}
    outcome = None
    if request.method == "POST":
        values = posted(request, *FIELDS)
        data: dict[str, Any] = dict(values)
        if request.POST.get("abnormal"):
            data["abnormal"] = True
        outcome = attempt(lambda: services.record_result(who, patient_id, data))
        if outcome.value is not None:
            return redirect("web:patient-results", patient_id=patient_id)
    return render(
        request,
        "web/results/results.html",
        {
            "patient": patients.get_chart(who, patient_id).patient,
            "results": services.list_results(who, patient_id),
            "prerequisites": prerequisites_for(who, patient_id),
            "tests": list(lab_catalog().tests.values()),
            "can_record": may(who, Action.RESULT_RECORD),
            "values": values,
            "errors": outcome.errors if outcome else {},
            "clash": outcome.clash if outcome else "",
        },
        status=outcome.status if outcome else 200,
    )
