"""The public site: no log-in, server-rendered, no script. The home page, the therapy in
honest words, every location with its hours (and a finder by ZIP code or city), and the
"Book Now" form that puts a consultation request in the front desk's queue."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ketaclinic.geography import place_near
from ketaclinic.records.clinics.public import (
    PublicLocation,
    nearest_locations,
    public_locations,
)
from ketaclinic.records.context import Face
from ketaclinic.records.enquiries import front_door, services
from ketaclinic.records.enquiries.throttle import RateLimited, client_address
from ketaclinic.records.errors import InvalidInput

from ..forms import field_errors

FORM_SALT = "ketaclinic.public.book"
FORM_MAX_AGE_S = 6 * 60 * 60
"""A form older than this is shown again (fresh) rather than sent."""
MAX_FORM_BYTES = 16 * 1024
REQUEST_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "location",
    "preferred_times",
    "preferred_start",
    "heard_from",
    "notes",
    "website",
)
HEARD_FROM = (
    "My doctor",
    "A friend or family member",
    "A web search",
    "Social media",
    "A support group",
    "Other",
)


PAGE_CACHE_S = 60
"""A public page is rendered at most once a minute per address (path and query) and process:
"open now" and a manager's change to a location show within a minute."""


def cached_for_the_minute(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., Any]:
    """Serve a public page from the cache to visitors who are not signed in (the pages hold
    nothing personal and no form token), rendered afresh each minute."""

    @wraps(view)
    def cached(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"public-page:{int(time.time() // PAGE_CACHE_S)}:{path}"
        hit = cache.get(key)
        if hit is not None:
            status, body = hit
            return HttpResponse(body, status=status)
        response = view(request)
        cache.set(key, (response.status_code, response.content), PAGE_CACHE_S)
        return response

    return cached


@cached_for_the_minute
def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/home.html", {"locations": public_locations(timezone.now())})


@cached_for_the_minute
def therapy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/therapy.html")


@cached_for_the_minute
def locations(request: HttpRequest) -> HttpResponse:
    """Every location; with ``near`` (a ZIP code or city), the nearest first."""
    near = request.GET.get("near", "").strip()[:100]
    now = timezone.now()
    found: list[PublicLocation] = []
    place = None
    error = ""
    if near:
        place = place_near(near)
        if place is None:
            error = "We do not know that ZIP code or city: try a 5-digit US ZIP code."
        else:
            found = nearest_locations(place, now)
    return render(
        request,
        "web/public/locations.html",
        {
            "locations": found if place else public_locations(now),
            "near": near,
            "place": place,
            "near_error": error,
        },
        status=422 if error else 200,
    )


def _content_length(request: HttpRequest) -> int:
    """The body's declared size (the body itself may already have been read as a form)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _form_token() -> str:
    return signing.TimestampSigner(salt=FORM_SALT).sign(str(int(timezone.now().timestamp())))


def _form_age_s(token: str) -> float | None:
    """Seconds since the form was shown, or None for a missing, forged or stale token."""
    try:
        shown = signing.TimestampSigner(salt=FORM_SALT).unsign(token, max_age=FORM_MAX_AGE_S)
        return timezone.now().timestamp() - int(shown)
    except (signing.BadSignature, ValueError):
        return None


def _offered(slug: str) -> list[tuple[str, str]]:
    """Free consultation times as (value, label in the location's own time)."""
    return [
        (start.isoformat(), _label(start))
        for start in front_door.offered_times(slug, timezone.now())
    ]


def _label(start: datetime) -> str:
    hour = start.hour % 12 or 12
    return f"{start:%A %-d %B}, {hour}:{start:%M} {'am' if start.hour < 12 else 'pm'} {start:%Z}"


def _form(
    request: HttpRequest, values: Any, errors: dict[str, str], status: int = 200, notice: str = ""
) -> HttpResponse:
    slug = values.get("location", "") if values else request.GET.get("location", "")
    context = {
        "locations": public_locations(timezone.now()),
        "values": values,
        "chosen_location": slug,
        "errors": errors,
        "notice": notice,
        "token": _form_token(),
        "heard_from_choices": HEARD_FROM,
        "offered": _offered(slug),
    }
    return render(request, "web/public/book.html", context, status=status)


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """The "Book Now" form: GET shows it, POST sends the request."""
    if request.method == "GET":
        return _form(request, None, {})
    if _content_length(request) > MAX_FORM_BYTES:
        return _form(request, None, {}, 413, "That was too much text: please shorten it.")
    age = _form_age_s(request.POST.get("form_token", ""))
    values = {name: request.POST.get(name, "").strip() for name in REQUEST_FIELDS}
    if age is None or age < front_door.current_settings().min_submit_seconds:
        notice = "Please check your details and send the form again."
        return _form(request, values, {}, 400, notice)
    data: dict[str, Any] = {name: value for name, value in values.items() if value}
    data["consent_to_contact"] = request.POST.get("consent_to_contact") == "yes"
    try:
        receipt = services.submit(data, address=client_address(request.META), face=Face.WEB)
    except RateLimited as limited:
        minutes = -(-limited.retry_after_s // 60)
        notice = (
            f"We have had many requests from your connection: please try again in {minutes} "
            "minutes, or call us."
        )
        response = _form(request, values, {}, 429, notice)
        response["Retry-After"] = str(limited.retry_after_s)
        return response
    except InvalidInput as error:
        return _form(request, values, field_errors(error), 422)
    request.session["front_door_receipt"] = {
        "given_name": receipt.given_name,
        "location": receipt.location_name,
    }
    return redirect("web:public-booked")


def booked(request: HttpRequest) -> HttpResponse:
    """The requester's confirmation: what happens next."""
    receipt = request.session.get("front_door_receipt")
    if not receipt:
        return redirect("web:public-book")
    return render(request, "web/public/booked.html", {"receipt": receipt})
