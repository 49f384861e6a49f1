"""The answer to a log-in while locked out (django-axes' ``AXES_LOCKOUT_CALLABLE``): 429 with
``Retry-After`` (the cool-off in seconds); JSON under ``/api/``, the lockout page elsewhere."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_OUT = "too many failed log-ins: this account is locked for a while from this address"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    if request.path.startswith("/api/"):
        answer: HttpResponse = JsonResponse({"detail": LOCKED_OUT, "errors": []}, status=429)
    else:
        minutes = max(1, round(seconds / 60))
        answer = render(request, "web/locked_out.html", {"minutes": minutes}, status=429)
    if seconds:
        answer["Retry-After"] = str(seconds)
    return answer
