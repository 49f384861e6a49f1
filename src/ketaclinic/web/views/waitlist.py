"""The waitlist page for the front desk: entries by location and status with the offers made
when a slot freed, adding a patient (from their chart), withdrawing, and booking or declining
an offer."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.records.bookings import services, waitlist
from ketaclinic.records.bookings.choices import AppointmentType, WaitlistStatus
from ketaclinic.records.clinics.services import locations
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients import services as patients

from ..forms import field_errors
from .bookings import local_datetime
from .common import actor, service_view


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The page: the filtered entries and, for ``?patient=``, the form that adds them."""
    who = actor(request)
    location_id = _number(request.GET.get("location"))
    status = request.GET.get("status", "")
    context: dict[str, Any] = {
        "locations": list(locations()),
        "statuses": WaitlistStatus.choices,
        "kinds": AppointmentType.choices,
        "location_id": location_id,
        "status": status,
        "values": {},
        "errors": {},
        **extra,
    }
    try:
        context["entries"] = list(waitlist.entries(who, location_id, status or None))
    except InvalidInput as error:
        context["entries"], context["filter_errors"] = [], field_errors(error)
    patient_id = _number(request.POST.get("patient_id") or request.GET.get("patient"))
    if patient_id is not None:
        context["patient"] = patients.get_chart(who, patient_id).patient
        context["plans"] = services.bookable_plans(who, patient_id)
    return context


@service_view
def waitlist_page(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    status = 422 if "filter_errors" in context else 200
    return render(request, "web/waitlist/list.html", context, status=status)


@require_POST
@service_view
def waitlist_add(request: HttpRequest) -> HttpResponse:
    """Put the patient on a location's waitlist for one visit between two local times."""
    post = request.POST
    names = ("patient_id", "location_id", "appointment_type", "plan_id", "note")
    data: dict[str, Any] = {name: post[name] for name in names if post.get(name)}
    place = next((x for x in locations() if str(x.pk) == post.get("location_id")), None)
    zone = place.zone if place else ZoneInfo("UTC")
    for name in ("earliest", "latest"):
        data[name] = local_datetime(post.get(name, ""), zone)
    try:
        entry = waitlist.add(actor(request), data)
    except InvalidInput as error:
        context = _context(request, values=post, errors=field_errors(error))
        context["error_list"] = error.errors
        return render(request, "web/waitlist/list.html", context, status=422)
    messages.success(
        request,
        f"{entry.patient.family_name}, {entry.patient.given_name} is on the waitlist at "
        f"{entry.location.name}.",
    )
    return redirect(f"{reverse('web:waitlist')}?location={entry.location_id}")


def _back(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    return redirect(f"{reverse('web:waitlist')}?{query}" if query else reverse("web:waitlist"))


@require_POST
@service_view
def waitlist_withdraw(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = waitlist.withdraw(actor(request), entry_id)
    except Conflict as error:
        messages.error(request, f"Not changed: {error}")
    else:
        messages.success(request, f"Withdrew {entry.patient.family_name} from the waitlist.")
    return _back(request)


@require_POST
@service_view
def offer_book(request: HttpRequest, offer_id: int) -> HttpResponse:
    """The patient said yes: book the offered slot (refused if it was taken meanwhile)."""
    try:
        appointment = waitlist.book_offer(actor(request), offer_id)
    except (InvalidInput, Conflict) as error:
        messages.error(request, f"Not booked: {error}")
    else:
        start = appointment.starts_at.astimezone(appointment.location.zone)
        messages.success(request, f"Booked the offered slot: {start:%a %Y-%m-%d %H:%M %Z}.")
    return _back(request)


@require_POST
@service_view
def offer_decline(request: HttpRequest, offer_id: int) -> HttpResponse:
    """The patient said no: the entry waits again; the slot is offered to the next entry."""
    try:
        passed_on = waitlist.decline_offer(actor(request), offer_id)
    except Conflict as error:
        messages.error(request, f"Not changed: {error}")
    else:
        after = f"offered to {passed_on.entry.patient.family_name}" if passed_on else "not offered"
        messages.success(request, f"Offer declined; the slot is {after} on the waitlist.")
    return _back(request)
