"""Emergency access to a restricted record (a clinician, with a reason) and the managers'
review of every use (``records/accounts/emergency.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts import emergency
from ketaclinic.records.errors import Conflict, InvalidInput

from ..forms import field_errors, page_number, posted
from .common import actor, service_view


@service_view
def emergency_open(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The reason, then the record: open for a limited time, every step marked and reviewed."""
    who = actor(request)
    errors: dict[str, str] = {}
    values = posted(request, "reason") if request.method == "POST" else {}
    if request.method == "POST":
        try:
            access = emergency.open_access(who, patient_id, values)
        except InvalidInput as error:
            errors = field_errors(error)
        except Conflict as error:
            messages.info(request, str(error))
            return redirect("web:patient-detail", patient_id=patient_id)
        else:
            messages.warning(
                request,
                "Emergency access until "
                f"{access.expires_at:%H:%M}: everything you do in this record is marked and "
                "reviewed by a manager.",
            )
            return redirect("web:patient-detail", patient_id=patient_id)
    context = {"patient_id": patient_id, "errors": errors, "values": values}
    return render(request, "web/emergency/open.html", context, status=422 if errors else 200)


@service_view
def record_restriction(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Managers: restrict a record to its named care team, after confirming what it does."""
    who = actor(request)
    current = emergency.restriction_of(who, patient_id)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = posted(request, "reason", "care_team")
        team = [name.strip() for name in values.get("care_team", "").split(",") if name.strip()]
        if request.POST.get("confirm") != "yes":
            errors["confirm"] = "confirm that everyone else will need emergency access"
        else:
            data = {"reason": values.get("reason", ""), "care_team": team}
            try:
                emergency.restrict(who, patient_id, data)
            except InvalidInput as error:
                errors = field_errors(error)
            else:
                messages.success(request, "The record is restricted to its care team.")
                return redirect("web:record-restriction", patient_id=patient_id)
    elif current is not None:
        values = {
            "reason": current.reason,
            "care_team": ", ".join(sorted(u.get_username() for u in current.care_team.all())),
        }
    context = {"patient_id": patient_id, "current": current, "errors": errors, "values": values}
    return render(request, "web/emergency/restriction.html", context, status=422 if errors else 200)


@service_view
def emergency_reviews(request: HttpRequest) -> HttpResponse:
    """Managers: the uses of emergency access awaiting review (or all of them)."""
    show_all = request.GET.get("all") == "1"
    page = emergency.list_uses(
        actor(request), reviewed=None if show_all else False, page=page_number(request)
    )
    return render(request, "web/emergency/reviews.html", {"page": page, "show_all": show_all})


@require_POST
@service_view
def emergency_review(request: HttpRequest, access_id: int) -> HttpResponse:
    try:
        emergency.review(actor(request), access_id, posted(request, "note"))
    except (InvalidInput, Conflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Reviewed.")
    return redirect("web:emergency-reviews")
