"""Location set-up pages for a clinic manager: new locations, weekly hours and chairs, closures
and holidays, nurse shifts by week, the nurse-to-patient ratio and the location's and chairs'
calendar feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action, role_allows
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.bookings import feeds
from ketaclinic.records.clinics import lookups, premises, services
from ketaclinic.records.clinics.choices import Weekday
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.toolkit import filter_day

from ..forms import field_errors
from . import public
from .bookings import local_datetime
from .common import actor, service_view

PERIODS_PER_DAY = 2
"""Opening periods per weekday the hours form offers (a lunch break makes two)."""


LOCATION_FIELDS = ("slug", "name", "time_zone", "address", "phone", "patients_per_nurse")


def location_list(request: HttpRequest) -> HttpResponseBase:
    """The public locations page; a manager sees the set-up list instead."""
    role = getattr(request.user, "role", "")
    if request.method == "GET" and not role_allows(role, Action.CLINIC_CONFIGURE):
        return public.locations(request)
    return _location_setup(request)


@service_view
def _location_setup(request: HttpRequest) -> HttpResponse:
    """Every location; a manager adds one here (POST)."""
    who = actor(request)
    authorize(who, Action.CLINIC_CONFIGURE)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = {name: request.POST[name] for name in LOCATION_FIELDS if request.POST.get(name)}
        try:
            location = premises.create_location(who, data)
        except InvalidInput as error:
            errors = field_errors(error)
        else:
            messages.success(request, f"{location.name} added: set its hours and chairs next.")
            return redirect("web:location-detail", location_id=location.pk)
    return render(
        request,
        "web/locations/list.html",
        {"locations": list(services.locations()), "errors": errors, "values": request.POST},
        status=422 if errors else 200,
    )


def _page(
    request: HttpRequest, location_id: int, *, week: date | None = None, **extra: Any
) -> dict[str, Any]:
    who = actor(request)
    setup = services.setup(who, location_id, week)
    chairs = {chair.pk for chair in setup.location.chairs.all()}
    mine = [
        feed
        for feed in feeds.my_feeds(who)
        if feed.location_id == location_id or feed.chair_id in chairs
    ]
    return {
        "setup": setup,
        "location": setup.location,
        "previous_week": setup.week - timedelta(days=7),
        "next_week": setup.week + timedelta(days=7),
        "feeds": mine,
        "new_feed_url": request.session.pop("new_feed_url", ""),
        "hours_grid": _hours_grid(setup.location, extra.get("hours_values")),
        **extra,
    }


def _hours_grid(location: Any, posted: Any) -> list[dict[str, Any]]:
    """The hours form: each weekday with its periods' times, as posted or as stored."""
    stored: dict[int, list[tuple[str, str]]] = {day.value: [] for day in Weekday}
    for h in location.hours.all():
        stored[h.weekday].append((f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}"))
    grid = []
    for day in Weekday:
        periods = []
        for period in range(PERIODS_PER_DAY):
            if posted is not None:
                times = (
                    posted.get(f"opens_{day.value}_{period}", ""),
                    posted.get(f"closes_{day.value}_{period}", ""),
                )
            else:
                times = stored[day.value][period] if period < len(stored[day.value]) else ("", "")
            periods.append({"name": f"{day.value}_{period}", "opens": times[0], "closes": times[1]})
        grid.append({"label": day.label, "periods": periods})
    return grid


@service_view
def location_detail(request: HttpRequest, location_id: int) -> HttpResponse:
    week = filter_day(request.GET.get("week", ""))
    return render(request, "web/locations/detail.html", _page(request, location_id, week=week))


def _refused(
    request: HttpRequest, location_id: int, form: str, error: InvalidInput
) -> HttpResponse:
    """The page again with ``form``'s values and its fields' errors: nothing was written."""
    extra: dict[str, Any] = {f"{form}_errors": field_errors(error), f"{form}_values": request.POST}
    context = _page(request, location_id, **extra)
    return render(request, "web/locations/detail.html", context, status=422)


@require_POST
@service_view
def closure_add(request: HttpRequest, location_id: int) -> HttpResponse:
    """Close for a whole local day or a span; list the booked visits it falls over."""
    location = services.get_location(location_id)
    post = request.POST
    data: dict[str, Any] = {"reason": post.get("reason", "")}
    if post.get("date"):
        data["date"] = post["date"]
    for name in ("starts_at", "ends_at"):
        if post.get(name):
            data[name] = local_datetime(post[name], location.zone)
    try:
        result = services.add_closure(actor(request), location_id, data)
    except InvalidInput as error:
        return _refused(request, location_id, "closure", error)
    if not result.affected:
        messages.success(request, f"Closure added: {result.closure.reason}.")
        return redirect("web:location-detail", location_id=location_id)
    context = _page(request, location_id, closure_result=result)
    return render(request, "web/locations/detail.html", context)


def _week_page(location_id: int, week: date) -> HttpResponse:
    page = reverse("web:location-detail", kwargs={"location_id": location_id})
    return redirect(f"{page}?week={week.isoformat()}")


@require_POST
@service_view
def closure_remove(request: HttpRequest, closure_id: int) -> HttpResponse:
    closure = lookups.closure(closure_id)
    services.remove_closure(actor(request), closure_id)
    messages.success(request, f"Closure removed: {closure.reason}.")
    return redirect("web:location-detail", location_id=closure.location_id)


@require_POST
@service_view
def shift_add(request: HttpRequest, location_id: int) -> HttpResponse:
    location = services.get_location(location_id)
    post = request.POST
    data: dict[str, Any] = {"nurse_id": post.get("nurse_id", "")}
    for name in ("starts_at", "ends_at"):
        data[name] = local_datetime(post.get(name, ""), location.zone)
    try:
        shift = services.add_shift(actor(request), location_id, data)
    except InvalidInput as error:
        return _refused(request, location_id, "shift", error)
    messages.success(request, "Shift added.")
    return _week_page(location_id, shift.starts_at.astimezone(location.zone).date())


@require_POST
@service_view
def shift_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = lookups.shift(shift_id)
    try:
        services.remove_shift(actor(request), shift_id)
    except Conflict as error:
        messages.error(request, f"Not removed: {error}")
    else:
        messages.success(request, "Shift removed.")
    return _week_page(shift.location_id, shift.starts_at.astimezone(shift.location.zone).date())


@require_POST
@service_view
def location_settings(request: HttpRequest, location_id: int) -> HttpResponse:
    """Change the nurse ratio, the location's own visit notes or its map coordinates."""
    names = ("patients_per_nurse", "visit_instructions")
    data = {name: request.POST[name] for name in names if name in request.POST}
    for name in ("latitude", "longitude"):
        if request.POST.get(name, "").strip():
            data[name] = request.POST[name].strip()
    try:
        services.update_location(actor(request), location_id, data)
    except InvalidInput as error:
        return _refused(request, location_id, "settings", error)
    except Conflict as error:
        messages.error(request, f"Not changed: {error}")
    else:
        messages.success(request, "Settings saved.")
    return redirect("web:location-detail", location_id=location_id)


def _hours_rows(post: Any) -> tuple[list[dict[str, str]], list[str]]:
    """The hours form's filled periods (weekday, opens_at, closes_at) and each one's label;
    a period with both times empty is no period."""
    rows, labels = [], []
    for day in Weekday:
        for period in range(PERIODS_PER_DAY):
            opens = post.get(f"opens_{day.value}_{period}", "").strip()
            closes = post.get(f"closes_{day.value}_{period}", "").strip()
            if opens or closes:
                rows.append({"weekday": day.value, "opens_at": opens, "closes_at": closes})
                labels.append(f"{day.label} period {period + 1}")
    return rows, labels


@require_POST
@service_view
def hours_set(request: HttpRequest, location_id: int) -> HttpResponse:
    """Replace the weekly hours; refused if booked visits would fall outside them."""
    rows, labels = _hours_rows(request.POST)
    try:
        premises.set_hours(actor(request), location_id, {"hours": rows})
    except InvalidInput as error:
        problems = []
        for item in error.errors:
            parts = item.field.split(".")
            where = labels[int(parts[1])] if len(parts) > 1 and parts[1].isdigit() else "Hours"
            problems.append(f"{where}: {item.message}")
        context = _page(request, location_id, hours_errors=problems, hours_values=request.POST)
        return render(request, "web/locations/detail.html", context, status=422)
    except Conflict as error:  # the form keeps every edit so the manager can adjust them
        problems = [f"Hours not changed: {error}"]
        context = _page(request, location_id, hours_errors=problems, hours_values=request.POST)
        return render(request, "web/locations/detail.html", context, status=409)
    messages.success(request, "Weekly hours saved.")
    return redirect("web:location-detail", location_id=location_id)


def _add_named(
    request: HttpRequest, location_id: int, form: str, add: Callable[..., Any], added: str
) -> HttpResponse:
    """Add a chair or room by its posted name; ``added`` starts the message that names it."""
    try:
        made = add(actor(request), location_id, {"name": request.POST.get("name")})
    except InvalidInput as error:
        return _refused(request, location_id, form, error)
    messages.success(request, f"{added}: {made.name}.")
    return redirect("web:location-detail", location_id=location_id)


@require_POST
@service_view
def chair_add(request: HttpRequest, location_id: int) -> HttpResponse:
    return _add_named(request, location_id, "chair", premises.add_chair, "Chair added")


@require_POST
@service_view
def room_add(request: HttpRequest, location_id: int) -> HttpResponse:
    return _add_named(request, location_id, "room", premises.add_room, "Consultation room added")


@require_POST
@service_view
def chair_use(request: HttpRequest, chair_id: int) -> HttpResponse:
    """Take a chair out of use (refused while visits are booked on it) or back into use."""
    active = request.POST.get("active") == "true"
    try:
        chair = premises.update_chair(actor(request), chair_id, {"active": active})
    except Conflict as error:
        messages.error(request, f"Not changed: {error}")
        chair = lookups.chair(chair_id)  # the service found it before refusing
    else:
        messages.success(request, f"{chair.name} is {'in use' if active else 'out of use'}.")
    return redirect("web:location-detail", location_id=chair.location_id)
