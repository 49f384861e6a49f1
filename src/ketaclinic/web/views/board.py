"""The day board of a location: chairs × time, who is where and in what state."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.bookings import board as boards
from ketaclinic.records.clinics.services import locations
from ketaclinic.records.toolkit import filter_day

from .common import actor, service_view


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
        },
    )
