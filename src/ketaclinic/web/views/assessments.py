"""Staff pages for assessments: history, one record, entry and amendment forms generated
from the definitions, the baseline summary, and asking a patient to complete a bundle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ketaclinic.instruments import Definition
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.assessments import history, services
from ketaclinic.records.assessments.choices import Context
from ketaclinic.records.assessments.inputs import IncompleteAnswers
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput

from ..forms import page_number
from ..instrument_forms import answers_from_post, questionnaire
from .common import actor, service_view

if TYPE_CHECKING:
    from ketaclinic.records.assessments.models import Assessment

ANSWER_PREFIX = "answers."


def definition_or_404(instrument_id: str, version: str | None = None) -> Definition:
    try:
        return services.definition_for(instrument_id, version)
    except InvalidInput as error:
        raise Http404(str(error)) from None


def split_errors(error: InvalidInput) -> tuple[dict[str, str], dict[str, str]]:
    """The errors about answers (keyed by item id) and about the other fields."""
    answers: dict[str, str] = {}
    fields: dict[str, str] = {}
    for item in error.errors:
        if item.field.startswith(ANSWER_PREFIX):
            answers.setdefault(item.field.removeprefix(ANSWER_PREFIX), item.message)
        else:
            fields.setdefault(item.field, item.message)
    return answers, fields


def form_context(
    definition: Definition,
    values: Mapping[str, object],
    error: InvalidInput | None = None,
) -> dict[str, Any]:
    """What web/assessments/_questions.html needs, with the errors placed by item."""
    answer_errors, field_errors = split_errors(error) if error else ({}, {})
    labels = {
        item.id: f"Question {item.number}" if item.number else item.label
        for item in definition.items
    }
    return {
        "definition": definition,
        "sections": questionnaire(definition, values, answer_errors),
        "answer_errors": [(labels.get(k, k), message) for k, message in answer_errors.items()],
        "errors": field_errors,
        "has_errors": error is not None,
    }


def subscore_rows(assessment: Assessment) -> list[tuple[str, object]]:
    """Subscores labelled for people: abbreviations (WPI, SSS) in capitals, else the
    domain's label (FIQR), else the name."""
    definition = definition_or_404(assessment.instrument_id, assessment.instrument_version)
    groups = {group.id: group.label for group in definition.groups}
    return [
        (
            name.upper()
            if len(name) <= 3
            else groups.get(name, name.replace("_", " ").capitalize()),
            value,
        )
        for name, value in assessment.subscores.items()
    ]


def _completed_at(text: str) -> object:
    """A ``datetime-local`` value in the clinic's zone; unparsable text goes to the service,
    which names the field."""
    text = text.strip()
    if not text:
        return None
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        return text
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _entry_data(definition: Definition, post: QueryDict) -> dict[str, Any]:
    data: dict[str, Any] = {
        "instrument": definition.id,
        "answers": answers_from_post(definition, post),
        "context": post.get("context", ""),
        "accept_incomplete": post.get("accept_incomplete") == "on",
    }
    completed_at = _completed_at(post.get("completed_at", ""))
    if completed_at is not None:
        data["completed_at"] = completed_at
    request_id = post.get("request_id", "").strip()
    if request_id:
        data["request_id"] = request_id
    return data


@service_view
def assessment_history(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    instrument = request.GET.get("instrument", "")
    if instrument not in registry().ids():
        instrument = ""
    include_superseded = request.GET.get("all") == "1"
    page = history.list_assessments(
        who,
        patient_id,
        instrument=instrument,
        include_superseded=include_superseded,
        page=page_number(request),
    )
    return render(
        request,
        "web/assessments/history.html",
        {
            "page": page,
            "patient": page.patient,
            "instrument": instrument,
            "include_superseded": include_superseded,
            "pager_query": urlencode(
                {"instrument": instrument, **({"all": "1"} if include_superseded else {})}
            ),
            "instruments": history.instruments_in_order(),
            "can_record": may(who, Action.ASSESSMENT_RECORD),
        },
    )


@service_view
def assessment_detail(request: HttpRequest, patient_id: int, assessment_id: int) -> HttpResponse:
    who = actor(request)
    assessment = history.get_assessment(who, patient_id, assessment_id)
    return render(request, "web/assessments/detail.html", _detail_context(who, assessment))


def _detail_context(who: Actor, assessment: Assessment) -> dict[str, Any]:
    definition = definition_or_404(assessment.instrument_id, assessment.instrument_version)
    answers = []
    for item in definition.items:
        value = assessment.answers.get(item.id)
        anchor = next((a.label for a in item.answer.anchors if a.value == value), "")
        answers.append((item, value, anchor))
    superseded = getattr(assessment, "amendment", None)
    return {
        "assessment": assessment,
        "patient": assessment.patient,
        "definition": definition,
        "answers": answers,
        "superseded_by": superseded,
        "subscores": subscore_rows(assessment),
        "can_amend": superseded is None and may(who, Action.ASSESSMENT_AMEND),
    }


def render_form(
    request: HttpRequest,
    definition: Definition,
    values: Mapping[str, object],
    extra: dict[str, Any],
    failure: InvalidInput | Conflict | None = None,
) -> HttpResponse:
    """An entry (or amendment) form; 422 with each bad item named, 409 on a conflict."""
    invalid = failure if isinstance(failure, InvalidInput) else None
    context = form_context(definition, values, invalid) | {
        "contexts": Context.choices,
        "conflict": str(failure) if isinstance(failure, Conflict) else "",
        "incomplete": isinstance(failure, IncompleteAnswers),
        **extra,
    }
    status = 200 if failure is None else 422 if invalid else 409
    return render(request, "web/assessments/form.html", context, status=status)


@service_view
def assessment_new(request: HttpRequest, patient_id: int, instrument: str) -> HttpResponse:
    who = actor(request)
    definition = definition_or_404(instrument)
    patient = services.open_for_entry(who, patient_id, Action.ASSESSMENT_RECORD)
    source = request.POST if request.method == "POST" else request.GET
    extra = {
        "patient": patient,
        "context_value": source.get("context") or history.usual_context(patient.pk, instrument),
        "request_id": source.get("request", source.get("request_id", "")),
        "completed_at": source.get("completed_at", ""),
    }
    if request.method != "POST":
        return render_form(request, definition, {}, extra)
    values = answers_from_post(definition, request.POST)
    try:
        assessment = services.record_assessment(
            who, patient_id, _entry_data(definition, request.POST)
        )
    except (InvalidInput, Conflict) as error:
        return render_form(request, definition, values, extra, error)
    return redirect("web:assessment-detail", patient_id=patient_id, assessment_id=assessment.pk)


@service_view
def assessment_amend(request: HttpRequest, patient_id: int, assessment_id: int) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.ASSESSMENT_AMEND, patient_id=patient_id)
    original = history.get_assessment(who, patient_id, assessment_id)
    definition = definition_or_404(original.instrument_id, original.instrument_version)
    extra = {
        "patient": original.patient,
        "amending": original,
        "context_value": request.POST.get("context", original.context),
        "reason": request.POST.get("reason", ""),
        "completed_at": request.POST.get(
            "completed_at", timezone.localtime(original.completed_at).strftime("%Y-%m-%dT%H:%M")
        ),
    }
    if request.method != "POST":
        return render_form(request, definition, original.answers, extra)
    values = answers_from_post(definition, request.POST)
    data = _entry_data(definition, request.POST)
    data = {k: v for k, v in data.items() if k in {"answers", "context", "completed_at"}}
    data["reason"] = request.POST.get("reason", "")
    try:
        amendment = services.amend_assessment(who, patient_id, assessment_id, data)
    except (InvalidInput, Conflict) as error:
        return render_form(request, definition, values, extra, error)
    return redirect("web:assessment-detail", patient_id=patient_id, assessment_id=amendment.pk)


@service_view
def baseline_summary(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    summary = history.baseline_summary(who, patient_id)
    nrs = [(d, a) for d, a in summary.results if d.id.startswith("nrs_")]
    return render(
        request,
        "web/assessments/baseline.html",
        {
            "summary": summary,
            "patient": summary.patient,
            "cards": [
                (definition, assessment, subscore_rows(assessment) if assessment else [])
                for definition, assessment in summary.results
                if not definition.id.startswith("nrs_")
            ],
            "nrs": nrs,
            "can_record": may(who, Action.ASSESSMENT_RECORD),
        },
    )


@service_view
def request_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    patient = services.open_for_entry(who, patient_id, Action.ASSESSMENT_REQUEST)
    values = {
        "bundle": request.POST.get("bundle", "baseline_intake"),
        "context": request.POST.get("context", Context.BASELINE),
        "due_on": request.POST.get("due_on", "").strip(),
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = {k: v for k, v in values.items() if v}
        try:
            services.request_bundle(who, patient_id, data)
        except InvalidInput as error:
            errors, status = split_errors(error)[1], 422
        except Conflict as error:
            errors, status = {"bundle": str(error)}, 409
        else:
            return redirect("web:patient-detail", patient_id=patient_id)
    return render(
        request,
        "web/assessments/request_form.html",
        {
            "patient": patient,
            "values": values,
            "errors": errors,
            "bundles": registry().bundles(),
            "contexts": Context.choices,
        },
        status=status,
    )


@service_view
def request_withdraw(request: HttpRequest, patient_id: int, request_id: int) -> HttpResponse:
    who = actor(request)
    patient = services.open_for_entry(who, patient_id, Action.ASSESSMENT_REQUEST)
    reason = request.POST.get("reason", "")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            services.withdraw_request(who, patient_id, request_id, {"reason": reason})
        except InvalidInput as error:
            errors, status = split_errors(error)[1], 422
        except Conflict as error:
            errors, status = {"request": str(error)}, 409
        else:
            messages.success(request, "The request was withdrawn.")
            return redirect("web:patient-detail", patient_id=patient_id)
    return render(
        request,
        "web/assessments/withdraw_form.html",
        {
            "patient": patient,
            "status": services.get_request(who, patient_id, request_id),
            "reason": reason,
            "errors": errors,
        },
        status=status,
    )
