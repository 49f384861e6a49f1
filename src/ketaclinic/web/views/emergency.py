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
