"""The front desk's queue of consultation requests: /consultation-requests (front desk and
manager)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Body, Query, Router, Schema

from ketaclinic.records.enquiries import services

from .auth import actor
from .errors import ERRORS
from .params import PageNumber

router = Router(tags=["consultation requests"])


class DuplicateOut(Schema):
    patient_id: int
    mrn: str
    reason: str


class RequestOut(Schema):
    id: int
    status: str
    received_at: datetime
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str
    email: str
    location: str | None
    preferred_times: str
    preferred_start: datetime | None
    heard_from: str
    notes: str
    patient_id: int | None
    appointment_id: int | None
    possible_duplicates: list[DuplicateOut]


class RequestPageOut(Schema):
    items: list[RequestOut]
    total: int
    page: int
    pages: int


class QueueQuery(Schema):
    status: str = ""
    page: PageNumber = 1


@router.get("", response={200: RequestPageOut, **ERRORS})
def list_requests(request: HttpRequest, params: Query[QueueQuery]) -> dict[str, Any]:
    """The queue, newest first; ``status`` (new, contacted, booked, declined, duplicate)
    narrows it. Each request lists the registered patients it may duplicate."""
    found = services.list_requests(actor(request), params.status, params.page)
    return {
        "items": [services.request_as_dict(item) for item in found.items],
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
    }


@router.get("/{request_id}", response={200: RequestOut, **ERRORS})
def get_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return services.request_as_dict(services.get_request(actor(request), request_id))


@router.post("/{request_id}/status", response={200: RequestOut, **ERRORS})
def set_status(request: HttpRequest, request_id: int, data: Body[dict[str, Any]]) -> dict[str, Any]:
    """``{"status": "contacted" | "declined" | "duplicate" | "new", "note": ...,
    "patient_id": ...}`` (``patient_id``: the registered patient a duplicate is)."""
    who = actor(request)
    services.set_status(who, request_id, data)
    return services.request_as_dict(services.get_request(who, request_id))


@router.post("/{request_id}/convert", response={200: RequestOut, **ERRORS})
def convert(request: HttpRequest, request_id: int, data: Body[dict[str, Any]]) -> dict[str, Any]:
    """One step: register the requester (or use ``patient_id``) and book a consultation at
    ``start`` (``location_id``, ``physician_id``, ``room_id`` optional)."""
    who = actor(request)
    services.convert(who, request_id, data)
    return services.request_as_dict(services.get_request(who, request_id))
