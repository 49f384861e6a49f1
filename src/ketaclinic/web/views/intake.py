"""Online intake, staff side: send a patient the invitation link (shown once), the list of
patient-entered intakes awaiting review, and the review that confirms one into the record."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.intake import invitations, review
from ketaclinic.records.intake.choices import Section
from ketaclinic.records.patients.history import history_flag_labels

from ..forms import posted
from .common import actor, service_view

NEW_LINK = "intake_new_link"
FIELD_LABELS = {
    "sex": "sex",
    "phone": "phone",
    "email": "e-mail",
    "address": "address",
    "emergency_contact_name": "emergency contact",
    "emergency_contact_phone": "emergency contact's phone",
    "emergency_contact_relationship": "emergency contact's relationship",
    "medications": "medicines",
    "allergies": "allergies",
    "history_flags": "history",
}


def invitation_link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("web:intake-start", args=[token]))


@require_POST
@service_view
def intake_invite(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Make a new invitation; its link is shown once, on the chart the view returns to."""
    try:
        made = invitations.invite(actor(request), patient_id, posted(request, "expires_in_hours"))
    except (InvalidInput, Conflict) as error:
        messages.error(request, str(error))
    else:
        request.session[NEW_LINK] = {
            "patient_id": patient_id,
            "link": invitation_link(request, made.token),
            "expires_at": made.invitation.expires_at.isoformat(),
        }
        messages.success(request, "Intake link made: copy it now, it is shown only once.")
    return redirect("web:patient-detail", patient_id=patient_id)


@service_view
def intake_reviews(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/intake/review_list.html",
        {"intakes": review.awaiting_review(actor(request))},
    )


@service_view
def intake_review(request: HttpRequest, intake_id: int) -> HttpResponse:
    who = actor(request)
    if request.method == "POST":
        try:
            review.confirm(who, intake_id, posted(request, "note"))
        except (InvalidInput, Conflict) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Intake confirmed into the record.")
        return redirect("web:intake-review", intake_id=intake_id)
    found = review.review(who, intake_id)
    labels = history_flag_labels()
    entries = found.intake.entries
    return render(
        request,
        "web/intake/review.html",
        {
            "review": found,
            "intake": found.intake,
            "patient": found.intake.patient,
            "contacts": entries.get(Section.CONTACTS, {}),
            "medicines": entries.get(Section.MEDICINES, {}),
            "history": [
                labels.get(flag, flag)
                for flag in entries.get(Section.HISTORY, {}).get("history_flags", [])
            ],
            "history_saved": Section.HISTORY in entries,
            "changed": [FIELD_LABELS.get(name, name) for name in sorted(found.changes)],
            "can_confirm": may(who, Action.INTAKE_CONFIRM),
        },
    )
