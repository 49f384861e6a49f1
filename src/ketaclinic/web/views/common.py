"""What every staff and patient view shares: the actor, and service errors as pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Forbidden, NotFound
from ketaclinic.records.toolkit import record_missing

View = Callable[..., HttpResponseBase]


def actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Face.WEB)


def service_view(view: View) -> View:
    """Log-in required; a denial renders 403, a missing record 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            # A restricted record outside the user's reach: the page offers emergency access.
            context = {"outside_reach": getattr(error, "patient_id", None)}
            return render(request, "web/forbidden.html", context, status=403)
        except NotFound as error:
            record_missing(
                actor(request), error, path=request.path, patient_id=kwargs.get("patient_id")
            )
            raise Http404(str(error)) from None

    return wrapper
