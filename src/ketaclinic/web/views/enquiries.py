"""The front desk's queue of consultation requests from the public site: the list with its
possible duplicates, a request's status, and the one step that registers the requester and
books their consultation. Managers also set the front door's settings here."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.lookups import active_physicians
from ketaclinic.records.accounts.permissions import Action, role_allows
from ketaclinic.records.clinics import lookups as premises
from ketaclinic.records.enquiries import front_door, services
from ketaclinic.records.enquiries.choices import RequestStatus

from ..forms import attempt, page_number, posted
from .bookings import local_datetime
from .common import actor, service_view


@service_view
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in RequestStatus.values else ""
    found = services.list_requests(actor(request), status, page_number(request))
    return render(
        request,
        "web/enquiries/list.html",
        {
            "page": found,
            "status": status,
            "statuses": RequestStatus.choices,
            "pager_query": f"status={status}" if status else "",
            "may_configure": role_allows(request.user.role, Action.CLINIC_CONFIGURE),  # type: ignore[union-attr]
            "settings": front_door.current_settings(),
        },
    )


def _detail(request: HttpRequest, request_id: int, status: int = 200, **extra: Any) -> HttpResponse:
    item = services.get_request(actor(request), request_id)
    row = item.request
    location_id = row.location_id or next((loc.pk for loc in premises.locations()), None)
    zone = row.location.zone if row.location else None
    free = front_door.free_times(location_id, timezone.now()) if location_id else []
    context = {
        "item": item,
        "row": row,
        "statuses": [c for c in RequestStatus.choices if c[0] != RequestStatus.BOOKED],
        "locations": premises.locations(),
        "rooms": premises.active_rooms(),
        "physicians": active_physicians(),
        "free_times": [(t.strftime("%Y-%m-%dT%H:%M"), t) for t in free],
        "zone": zone,
        "errors": {},
        "clash": "",
        "values": {},
        **extra,
    }
    return render(request, "web/enquiries/detail.html", context, status=status)


@service_view
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _detail(request, request_id)


@require_POST
@service_view
def request_status(request: HttpRequest, request_id: int) -> HttpResponse:
    data = posted(request, "status", "note", "patient_id")
    done = attempt(lambda: services.set_status(actor(request), request_id, data))
    if done.value is None:
        return _detail(
            request, request_id, done.status, errors=done.errors, clash=done.clash, values=data
        )
    messages.success(request, f"Marked {done.value.get_status_display().lower()}.")
    return redirect("web:enquiry-list")


@require_POST
@service_view
def request_convert(request: HttpRequest, request_id: int) -> HttpResponse:
    data: dict[str, Any] = posted(
        request, "location_id", "physician_id", "room_id", "patient_id", "sex"
    )
    location = next(
        (loc for loc in premises.locations() if str(loc.pk) == data.get("location_id")), None
    )
    zone = location.zone if location else ZoneInfo("UTC")
    if request.POST.get("start", "").strip():
        data["start"] = local_datetime(request.POST["start"].strip(), zone)
    done = attempt(lambda: services.convert(actor(request), request_id, data))
    if done.value is None:
        return _detail(
            request,
            request_id,
            done.status,
            errors=done.errors,
            clash=done.clash,
            values=request.POST,
        )
    row = done.value
    messages.success(
        request,
        f"{row.full_name} is registered ({row.patient.mrn if row.patient else ''}) "
        "and the consultation is booked.",
    )
    return redirect("web:patient-detail", patient_id=row.patient_id)


@require_POST
@service_view
def front_door_settings(request: HttpRequest) -> HttpResponse:
    data: dict[str, Any] = posted(
        request, "requests_per_hour", "min_submit_seconds", "costly_requests_per_minute"
    )
    data["self_booking"] = request.POST.get("self_booking") == "yes"
    done = attempt(lambda: front_door.change_settings(actor(request), data))
    if done.value is None:
        problem = done.clash or "; ".join(f"{k}: {v}" for k, v in done.errors.items())
        messages.error(request, f"Settings not changed: {problem}")
    else:
        messages.success(request, "Front-door settings saved.")
    return redirect("web:enquiry-list")
