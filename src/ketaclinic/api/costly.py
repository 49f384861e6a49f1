"""The per-client rate limit on costly API requests (simulations, reports, cohorts, FHIR
bundles and searches, imports): counted in the database per account, or per client address
for a caller without one, so several app servers share it; past the clinic's limit the answer
is 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest

from ketaclinic.proxies import client_address
from ketaclinic.records.enquiries.throttle import admit_costly


def costly(view: Callable[..., Any]) -> Callable[..., Any]:
    """Count the call against its caller's limit before the view runs (``decorate_view``)."""

    @wraps(view)
    def counted(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        caller = getattr(request, "auth", None)
        pk = getattr(caller, "pk", None)
        admit_costly(f"user:{pk}" if pk is not None else f"address:{client_address(request)}")
        return view(request, *args, **kwargs)

    return counted
