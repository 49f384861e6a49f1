"""Booking pages: the front desk's series booking flow (plan → proposed series → confirm), a
series with its sessions, moving and cancelling visits, the patient's own appointments, the
failed and pending reminders, and the secret calendar feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.proxies import client_address
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.bookings import feeds, reminders, services
from ketaclinic.records.bookings.choices import Status
from ketaclinic.records.bookings.policy import booking_policy
from ketaclinic.records.clinics import lookups as premises
from ketaclinic.records.clinics.services import locations
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients import services as patients

from ..forms import field_errors
from .common import actor, service_view

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def local_datetime(text: str, zone: ZoneInfo) -> datetime | str:
    """A ``datetime-local`` form value read in ``zone``; the text back if it is not a time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _availability(post: Any) -> list[dict[str, Any]]:
    """Weekly windows from ticked weekdays and one from–until range (blank: any time)."""
    days = post.getlist("weekday")
    start, end = post.get("from", "").strip(), post.get("until", "").strip()
    if not days:
        return []
    return [
        {"weekday": int(day), "start": start or "00:00", "end": end or "23:59"}
        for day in days
        if day.isdigit()
    ]


def _form_context(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    who = actor(request)
    return {
        "patient": patients.get_chart(who, patient_id).patient,
        "plans": services.bookable_plans(who, patient_id),
        "locations": list(locations()),
        "weekdays": list(enumerate(WEEKDAYS)),
        "values": request.POST if request.method == "POST" else {},
        # every ticked day: a QueryDict in a template gives only the last value of a list
        "ticked_weekdays": request.POST.getlist("weekday"),
        "errors": {},
    }


@service_view
def series_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Step 1 pick the signed plan, location and times; step 2 see the proposal; step 3 book."""
    who = actor(request)
    context = _form_context(request, patient_id)
    if request.method != "POST":
        return render(request, "web/bookings/new.html", context)
    post = request.POST
    base = {
        "patient_id": patient_id,
        "plan_id": post.get("plan_id", ""),
        "location_id": post.get("location_id", ""),
    }
    location = next((x for x in context["locations"] if str(x.pk) == base["location_id"]), None)
    zone = location.zone if location else ZoneInfo("UTC")
    status = 200
    try:
        if post.get("step") == "confirm":
            sessions = [
                {"chair_id": chair, "start": local_datetime(start, zone)}
                for chair, start in zip(
                    post.getlist("chair_id"), post.getlist("start"), strict=False
                )
            ]
            series = services.book_series(who, {**base, "sessions": sessions})
            messages.success(request, f"Booked {len(sessions)} sessions.")
            return redirect("web:series-detail", series_id=series.pk)
        data: dict[str, Any] = {**base, "availability": _availability(post)}
        if post.get("not_before"):
            data["not_before"] = local_datetime(post["not_before"] + "T00:00", zone)
        context["proposal"] = services.propose(who, data)
    except InvalidInput as error:
        context["errors"] = field_errors(error)
        context["error_list"] = error.errors
        status = 422
    except Conflict as error:
        context["conflict"] = str(error)
        status = 409
    return render(request, "web/bookings/new.html", context, status=status)


@service_view
def series_detail(request: HttpRequest, series_id: int) -> HttpResponse:
    who = actor(request)
    detail = services.get_series(who, series_id)
    return render(
        request,
        "web/bookings/series.html",
        {
            "detail": detail,
            "series": detail.series,
            "zone": detail.series.location.zone,
            "chairs": premises.active_chairs(detail.series.location_id),
            "can_change": may(who, Action.BOOKING_RESCHEDULE),
            "can_cancel_series": may(who, Action.BOOKING_BOOK),
            "can_no_show": may(who, Action.BOOKING_NO_SHOW),
            "now": timezone.now(),
        },
    )


def _local_path(target: str) -> str:
    """``target`` when it is a path on this site, else empty (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else ""


def _back(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return redirect(_local_path(request.POST.get("next", "")) or "web:home")


def _zone_of(request: HttpRequest, appointment_id: int) -> ZoneInfo:
    appointment = services.get_appointment(actor(request), appointment_id)
    return appointment.location.zone


@require_POST
@service_view
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    zone = _zone_of(request, appointment_id)
    data: dict[str, Any] = {"start": local_datetime(request.POST.get("start", ""), zone)}
    if request.POST.get("chair_id"):
        data["chair_id"] = request.POST["chair_id"]
    try:
        moved = services.reschedule(actor(request), appointment_id, data)
    except (InvalidInput, Conflict) as error:
        messages.error(request, _explain(error))
    else:
        messages.success(
            request, f"Moved to {moved.starts_at.astimezone(zone):%a %Y-%m-%d %H:%M %Z}."
        )
    return _back(request, appointment_id)


def _explain(error: InvalidInput | Conflict, outcome: str = "Not changed") -> str:
    if isinstance(error, InvalidInput):
        return f"{outcome}: " + "; ".join(f"{e.field}: {e.message}" for e in error.errors)
    return f"{outcome}: {error}"


@dataclass(frozen=True)
class _Day:
    day: date
    slots: list[services.FreeSlot]


def _by_day(found: services.FreeSlots, zone: ZoneInfo) -> list[_Day]:
    days: dict[date, list[services.FreeSlot]] = {}
    for slot in found.slots:
        days.setdefault(slot.starts_at.astimezone(zone).date(), []).append(slot)
    return [_Day(day, slots) for day, slots in days.items()]


@service_view
def appointment_free_slots(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The free times a chair visit could move to, each a button that moves it (an htmx
    fragment in the appointment's row, or a page of its own without JavaScript)."""
    data = {name: request.GET[name] for name in ("days", "start") if request.GET.get(name)}
    context: dict[str, Any] = {
        "appointment_id": appointment_id,
        "next": _local_path(request.GET.get("next", "")),
    }
    status = 200
    try:
        found = services.free_slots(actor(request), appointment_id, data)
    except InvalidInput as error:
        context["error"], status = _explain(error, "No free times"), 422
    except Conflict as error:
        context["error"], status = _explain(error, "No free times"), 409
    else:
        zone = found.appointment.location.zone
        context.update(found=found, zone=zone, days=_by_day(found, zone))
    fragment = request.headers.get("HX-Request")
    template = "web/bookings/_free_slots.html" if fragment else "web/bookings/free_slots.html"
    return render(request, template, context, status=status)


def _confirmed(request: HttpRequest, what: str) -> bool:
    """Whether the form's box confirming a destructive act was ticked; if not, say so (nothing
    is written)."""
    if request.POST.get("confirm") == "yes":
        return True
    messages.error(request, f"Not {what}: tick the box to confirm, then press the button again.")
    return False


@require_POST
@service_view
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    if not _confirmed(request, "cancelled"):
        return _back(request, appointment_id)
    try:
        services.cancel(actor(request), appointment_id, {"reason": request.POST.get("reason", "")})
    except (InvalidInput, Conflict) as error:
        messages.error(request, _explain(error))
    else:
        messages.success(request, "Appointment cancelled.")
    return _back(request, appointment_id)


@require_POST
@service_view
def appointment_no_show(request: HttpRequest, appointment_id: int) -> HttpResponse:
    if not _confirmed(request, "marked as a no-show"):
        return _back(request, appointment_id)
    reason = {"reason": request.POST.get("reason", "")}
    try:
        services.mark_no_show(actor(request), appointment_id, reason)
    except (InvalidInput, Conflict) as error:
        messages.error(request, _explain(error))
    else:
        messages.success(request, "Marked as a no-show.")
    return _back(request, appointment_id)


@require_POST
@service_view
def series_cancel(request: HttpRequest, series_id: int) -> HttpResponse:
    if _confirmed(request, "cancelled"):
        reason = {"reason": request.POST.get("reason", "")}
        services.cancel_series(actor(request), series_id, reason)
        messages.success(request, "Every future session of the series was cancelled.")
    return redirect("web:series-detail", series_id=series_id)


@service_view
def my_appointments(request: HttpRequest) -> HttpResponse:
    """A patient's own visits, with cancel and move where the clinic's rules allow."""
    patient_id = getattr(request.user, "patient_id", None)
    if patient_id is None:
        return render(request, "web/forbidden.html", status=403)
    who = actor(request)
    rows = services.list_appointments(who, patient_id, upcoming_only=True)
    booked = [a for a in rows if a.status == Status.BOOKED]
    return render(
        request,
        "web/bookings/my.html",
        {
            "appointments": booked,
            "instructions": [(a, reminders.visit_instructions(a)) for a in booked],
            "cutoff_h": int(booking_policy().self_service_cutoff.total_seconds() // 3600),
            "feeds": list(feeds.my_feeds(who)),
            "new_feed_url": request.session.pop("new_feed_url", ""),
        },
    )


@require_POST
@service_view
def feed_create(request: HttpRequest) -> HttpResponse:
    """Make a secret calendar URL; it is shown once on the next page."""
    names = ("kind", "patient_id", "location_id", "chair_id")
    data = {name: request.POST[name] for name in names if request.POST.get(name)}
    try:
        made = feeds.create_feed(actor(request), data)
    except InvalidInput as error:
        messages.error(request, _explain(error))
    else:
        url = request.build_absolute_uri(f"/calendar/{made.token}.ics")
        request.session["new_feed_url"] = url
        messages.success(request, "Calendar link made: copy it now, it is shown only once.")
    return _back(request, 0)


@require_POST
@service_view
def feed_revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    try:
        feeds.revoke_feed(actor(request), feed_id)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Calendar link revoked.")
    return _back(request, 0)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind a secret URL (no log-in: the token is the credential)."""
    try:
        body = feeds.render(token, client_address(request))
    except NotFound:
        raise Http404("no such calendar feed") from None
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@service_view
def reminder_list(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    if request.method == "POST":
        if request.POST.get("retry", "").isdigit():
            try:
                reminders.retry(who, int(request.POST["retry"]))
            except Conflict as error:
                messages.error(request, str(error))
        else:
            summary = reminders.run_due() if may(who, Action.REMINDER_MANAGE) else None
            if summary is not None:
                messages.info(
                    request,
                    f"Tried {summary.tried}: {summary.sent} sent, {summary.failed} failed, "
                    f"{summary.pending} to retry.",
                )
        return redirect("web:reminder-list")
    return render(
        request,
        "web/bookings/reminders.html",
        {
            "failed": list(reminders.list_reminders(who, "failed")[:200]),
            "pending": list(reminders.list_reminders(who, "pending")[:200]),
        },
    )
