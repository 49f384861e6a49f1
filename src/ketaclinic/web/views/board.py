"""The day board of a location: chairs × time, who is where and in what state."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.bookings import board as boards
from ketaclinic.records.clinics.services import locations
from ketaclinic.records.sessions import today as todays_visits
from ketaclinic.records.toolkit import filter_day

from .common import actor, service_view


def now_line(times: list[datetime], slot_min: int) -> tuple[int, datetime] | None:
    """The grid row the current time falls in (2 = the first time row) and the time, in the
    board's zone; None when the day shown is not today or now is off the grid."""
    if not times:
        return None
    now = timezone.now().astimezone(times[0].tzinfo)
    end = times[-1] + timedelta(minutes=slot_min)
    if not times[0] <= now < end:
        return None
    return int((now - times[0]) // timedelta(minutes=slot_min)) + 2, now


@service_view
def day_board(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.BOARD_VIEW)
    places = list(locations())
    if not places:
        return render(request, "web/board/day.html", {"locations": []})
    chosen = next((p for p in places if str(p.pk) == request.GET.get("location", "")), places[0])
    day = filter_day(request.GET.get("day", "")) or timezone.now().astimezone(chosen.zone).date()
    board = boards.day_board(who, chosen.pk, day)
    shown = [v.appointment for column in board.columns for v in column.visits]
    states = todays_visits.visit_states(who, [a.pk for a in [*shown, *board.without_chair]])
    for appointment in [*shown, *board.without_chair]:
        appointment.visit = states[appointment.pk]  # type: ignore[attr-defined]
    template = "web/board/_grid.html" if request.headers.get("HX-Request") else "web/board/day.html"
    return render(
        request,
        template,
        {
            "locations": places,
            "board": board,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "rows": range(2, len(board.times) + 2),
            "can_book": may(who, Action.BOOKING_BOOK),
            "may_view_session": may(who, Action.SESSION_VIEW),
            "now_line": now_line(board.times, board.slot_min),
        },
    )
