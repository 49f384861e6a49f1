"""The public site's API: no log-in. Locations near a ZIP code or city, and requests for a
consultation (rate-limited per client address; a filled-in honeypot is answered as if it had
been queued)."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Body, Query, Router, Schema, Status

from ketaclinic.geography import place_near
from ketaclinic.records.clinics.public import PublicLocation, nearest_locations
from ketaclinic.records.context import Face
from ketaclinic.records.enquiries import services
from ketaclinic.records.enquiries.throttle import RateLimited, client_address
from ketaclinic.records.errors import InvalidInput

from .errors import ERRORS, ErrorOut

router = Router(tags=["public"], auth=None)

NEAR_CACHE_S = 60
"""The locations near a place are worked out at most once a minute per place and process."""
MAX_REQUEST_BYTES = 16 * 1024
"""A consultation request is a few short fields: anything larger is refused unread."""


class Near(Schema):
    near: str


class HoursOut(Schema):
    day: str
    hours: str


class LocationOut(Schema):
    slug: str
    name: str
    address: str
    phone: str
    time_zone: str
    map_url: str
    open_now: bool
    hours: list[HoursOut]
    latitude: float | None
    longitude: float | None
    distance_km: float | None


def location_as_dict(found: PublicLocation) -> dict[str, Any]:
    return {
        "slug": found.slug,
        "name": found.name,
        "address": found.address,
        "phone": found.phone,
        "time_zone": found.time_zone,
        "map_url": found.map_url,
        "open_now": found.open_now,
        "hours": [{"day": day.day, "hours": day.text} for day in found.week],
        "latitude": found.point.latitude if found.point else None,
        "longitude": found.point.longitude if found.point else None,
        "distance_km": found.distance_km,
    }


@router.get("/locations", response={200: list[LocationOut], **ERRORS})
def locations_near(request: HttpRequest, params: Query[Near]) -> list[dict[str, Any]]:
    """The clinic's locations, nearest first, with the distance in km from a US ZIP code
    (``near=85308``) or a city (``near=Glendale, AZ``); an unknown one → 422 naming ``near``."""
    near = params.near.strip()[:100]
    place_key = hashlib.sha256(near.lower().encode()).hexdigest()
    key = f"public-near:{int(time.time() // NEAR_CACHE_S)}:{place_key}"
    found: list[dict[str, Any]] | None = cache.get(key)
    if found is None:
        place = place_near(near)
        if place is None:
            raise InvalidInput.single("near", "is not a US ZIP code or city we know")
        found = [location_as_dict(loc) for loc in nearest_locations(place, timezone.now())]
        cache.set(key, found, NEAR_CACHE_S)
    return found


class ReceiptOut(Schema):
    detail: str
    received_at: datetime


@router.post(
    "/consultation-requests",
    response={201: ReceiptOut, 413: ErrorOut, 429: ErrorOut, **ERRORS},
)
def request_consultation(
    request: HttpRequest, data: Body[dict[str, Any]]
) -> Status[dict[str, Any]] | HttpResponse:
    """Ask for a consultation: ``given_name``, ``family_name``, ``date_of_birth``, ``phone``
    and/or ``email``, ``consent_to_contact`` (true), optionally ``location`` (a slug),
    ``preferred_times``, ``heard_from`` and ``notes``. 422 names each bad field; 429 (with
    Retry-After) once one address has sent the clinic's limit in an hour."""
    if len(request.body) > MAX_REQUEST_BYTES:
        return JsonResponse(
            {
                "detail": "the request body is too large",
                "errors": [{"field": "body", "message": f"is over {MAX_REQUEST_BYTES} bytes"}],
            },
            status=413,
        )
    try:
        receipt = services.submit(data, address=client_address(request.META), face=Face.API)
    except RateLimited as limited:
        response = JsonResponse(
            {"detail": "too many requests from this address: try again later", "errors": []},
            status=429,
        )
        response["Retry-After"] = str(limited.retry_after_s)
        return response
    detail = f"Thank you, {receipt.given_name}: the clinic will contact you."
    return Status(201, {"detail": detail, "received_at": timezone.now()})
