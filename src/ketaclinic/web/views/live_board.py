"""The live board of the chairs at a location: who is in each, the session's state, minutes
since the infusion started, when vitals are next due, open alerts; and below, today's booked
patients in their chairs before check-in, each checked in from here. The table reloads itself
every few seconds (htmx polling); opening it is an audited read, and so is a poll that shows
something new."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.clinics import lookups as premises
from ketaclinic.records.sessions import reads
from ketaclinic.records.sessions import today as todays_visits

from .common import actor, service_view

POLL_SECONDS = 10


@service_view
def live_board(request: HttpRequest, location_id: int | None = None) -> HttpResponse:
    who = actor(request)
    locations = premises.locations()
    if location_id is None:
        chosen = request.GET.get("location", "")
        location_id = int(chosen) if chosen.isdigit() else (locations[0].pk if locations else 0)
    if not locations:
        raise Http404("no clinic location is set up")
    fragment = bool(request.headers.get("HX-Request"))
    board = reads.live_board(who, location_id, poll=fragment)
    expected = todays_visits.expected_in_chairs(who, location_id, poll=fragment)
    return render(
        request,
        "web/sessions/_board.html" if fragment else "web/sessions/board.html",
        {
            "board": board,
            "locations": locations,
            "poll_seconds": POLL_SECONDS,
            "may_view": may(who, Action.SESSION_VIEW),
            "expected": expected,
            "may_check_in": may(who, Action.SESSION_CHECK_IN),
        },
    )
