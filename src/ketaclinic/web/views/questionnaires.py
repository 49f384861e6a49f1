"""A patient's own questionnaires: what the clinic asked for, and forms sized for a phone."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.assessments import services
from ketaclinic.records.assessments.choices import Context
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.clinics import lookups as premises
from ketaclinic.records.errors import Conflict, InvalidInput

from ..instrument_forms import answers_from_post
from .assessments import definition_or_404, render_form
from .common import actor, service_view

# Shown at once to a patient whose answers raised an urgent alert (PHQ-9 item 9), above the
# page, as a crisis box (``base.html``) with the 988 Suicide & Crisis Lifeline (US: call or
# text 988; 988lifeline.org) and the clinic's phone. Clinic policy wording; the alert itself
# goes to their physician for same-day review (clinical.md §5).
URGENT_MESSAGE = (
    "Thank you for telling us. Your care team has been alerted and will contact you today. "
    "If you might act on thoughts of harming yourself, call 911 now. "
    "You can call or text 988, the Suicide & Crisis Lifeline, at any time, day or night."
)
# Where a questionnaire opened from the intake returns to (no other value is followed).
BACK = {"intake": "web:my-intake"}


def urgent_message(request: HttpRequest) -> None:
    """The crisis contacts, at once, in the urgent style (never the pale "saved" one)."""
    phones = [f"{place.name}: {place.phone}" for place in premises.locations() if place.phone]
    clinic = f" To reach the clinic, call {'; '.join(phones)}." if phones else ""
    messages.error(request, URGENT_MESSAGE + clinic, extra_tags="urgent crisis")


def _own_patient_id(request: HttpRequest) -> int | None:
    return getattr(request.user, "patient_id", None)


@service_view
def my_questionnaires(request: HttpRequest) -> HttpResponse:
    patient_id = _own_patient_id(request)
    if patient_id is None:
        return render(request, "web/forbidden.html", status=403)
    statuses = services.list_requests(actor(request), patient_id)
    pending = [status for status in statuses if status.open]
    asked = {instrument for status in pending for instrument in status.request.instruments}
    return render(
        request,
        "web/assessments/my_list.html",
        {
            "pending": pending,
            "done": [status for status in statuses if status.complete],
            "anytime": [
                definition
                for definition in registry().definitions()
                if definition.respondent == "patient" and definition.id not in asked
            ],
        },
    )


@service_view
def my_questionnaire(request: HttpRequest, instrument: str) -> HttpResponse:
    """One questionnaire, for a request (``?request=``) or on the patient's own initiative."""
    patient_id = _own_patient_id(request)
    if patient_id is None:
        return render(request, "web/forbidden.html", status=403)
    who = actor(request)
    definition = definition_or_404(instrument)
    request_id = (request.POST if request.method == "POST" else request.GET).get("request", "")
    asked = (
        services.get_request(who, patient_id, int(request_id)).request
        if request_id.isdigit()
        else None
    )
    back = (request.POST if request.method == "POST" else request.GET).get("back", "")
    extra = {
        "patient_view": True,
        "request_id": asked.pk if asked else "",
        "back": back if back in BACK else "",
    }
    if request.method != "POST":
        services.open_for_entry(who, patient_id, Action.ASSESSMENT_RECORD)
        return render_form(request, definition, {}, extra)
    answers = answers_from_post(definition, request.POST)
    data = {
        "instrument": definition.id,
        "answers": answers,
        "context": asked.context if asked else Context.FOLLOW_UP,
        "request_id": asked.pk if asked else None,
    }
    try:
        assessment = services.record_assessment(who, patient_id, data)
    except (InvalidInput, Conflict) as error:
        return render_form(request, definition, answers, extra, error)
    if assessment.urgent:
        urgent_message(request)
    messages.success(request, f"Thank you: your answers to the {definition.title} were saved.")
    return redirect(BACK.get(back, "web:my-questionnaires"))
