"""Online intake, the patient's side, sized for a phone: the invitation link makes the portal
account, then the patient fills in their contacts, medicines and allergies, history and the
baseline questionnaires, and sends it all to the clinic."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.passwords import password_policy
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.intake import entries, invitations
from ketaclinic.records.intake.choices import Section
from ketaclinic.records.patients.choices import Sex
from ketaclinic.records.patients.history import history_flag_labels
from ketaclinic.screening.allergies import allergy_from_mapping
from ketaclinic.screening.spelling import propose

from ..forms import field_errors, posted
from .common import actor, service_view

BACKEND = "django.contrib.auth.backends.ModelBackend"


def intake_start(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the clinic: make the portal account (no log-in needed)."""
    try:
        invitation = invitations.usable(token)
    except invitations.LinkUnusable as error:
        return render(
            request, "web/intake/link_unusable.html", {"reason": error.reason}, status=404
        )
    errors: dict[str, str] = {}
    values = {"username": ""}
    if request.method == "POST":
        data = {
            "username": request.POST.get("username", "").strip(),
            "password": request.POST.get("password", ""),
            "password_again": request.POST.get("password_again", ""),
        }
        values["username"] = data["username"]
        try:
            user = invitations.redeem(token, data, request.META.get("REMOTE_ADDR", ""))
        except invitations.LinkUnusable as error:
            return render(
                request, "web/intake/link_unusable.html", {"reason": error.reason}, status=404
            )
        except InvalidInput as error:
            errors = field_errors(error)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, "Your account is ready. Welcome!")
            return redirect("web:my-intake")
    return render(
        request,
        "web/intake/start.html",
        {
            "given_name": invitation.patient.given_name,
            "errors": errors,
            "values": values,
            "min_length": password_policy().min_length,
        },
        status=422 if errors else 200,
    )


@service_view
def my_intake(request: HttpRequest) -> HttpResponse:
    mine = entries.my_intake(actor(request))
    return render(request, "web/intake/my.html", {"mine": mine})


@service_view
def my_intake_section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in Section.values:
        return redirect("web:my-intake")
    part = Section(section)
    who = actor(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _posted_section(request, part)
        try:
            entries.save_section(who, part, data)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("web:my-intake")
        except InvalidInput as error:
            errors = field_errors(error)
            values = data
        else:
            messages.success(request, f"Saved: {part.label}.")
            unsure = _section_context(part, data).get("proposals")
            if unsure:
                # A misspelt medicine: the patient can correct it; the clinician sees it too.
                return redirect("web:my-intake-section", section=part.value)
            return redirect("web:my-intake")
    else:
        values = entries.section_values(who, part)
    return render(
        request,
        "web/intake/section.html",
        _section_context(part, values) | {"errors": errors},
        status=422 if errors else 200,
    )


@require_POST
@service_view
def my_intake_submit(request: HttpRequest) -> HttpResponse:
    try:
        entries.submit(actor(request))
    except (InvalidInput, Conflict) as error:
        messages.error(request, _plain(error))
    else:
        messages.success(request, "Thank you: your answers were sent to your care team.")
    return redirect("web:my-intake")


def _plain(error: InvalidInput | Conflict) -> str:
    if isinstance(error, InvalidInput):
        return " ".join(e.message for e in error.errors)
    return str(error)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _posted_section(request: HttpRequest, part: Section) -> dict[str, Any]:
    if part == Section.MEDICINES:
        return {
            "medications": [{"name": line} for line in _lines(request.POST.get("medications", ""))],
            "allergies": _lines(request.POST.get("allergies", "")),
        }
    if part == Section.HISTORY:
        return {"history_flags": request.POST.getlist("history_flags")}
    return posted(
        request,
        "sex",
        "phone",
        "email",
        "address",
        "emergency_contact_name",
        "emergency_contact_phone",
        "emergency_contact_relationship",
    )


def _section_context(part: Section, values: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {"section": part, "values": values}
    if part == Section.MEDICINES:
        medications = values.get("medications", [])
        names = [m["name"] if isinstance(m, dict) else str(m) for m in medications]
        context["medication_text"] = "\n".join(names)
        context["allergy_text"] = "\n".join(
            a if isinstance(a, str) else allergy_from_mapping(a).describe()
            for a in values.get("allergies", [])
        )
        context["proposals"] = [
            (name, found.drug.name) for name in names if (found := propose(name)) is not None
        ]
    elif part == Section.HISTORY:
        chosen = set(values.get("history_flags", []))
        context["flags"] = sorted(
            ((flag, label, flag in chosen) for flag, label in history_flag_labels().items()),
            key=lambda item: item[1],
        )
    else:
        context["sexes"] = Sex.choices
    return context
