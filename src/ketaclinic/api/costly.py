"""The per-client rate limit on costly API requests (simulations, reports, cohorts, FHIR
bundles and searches, imports): counted in the database per account, or per client address
for a caller without one, so several app servers share it; past the clinic's limit the answer
is 429 with Retry-After (the API's and FHIR's error handlers)."""

from __future__ import annotations

from django.http import HttpRequest

from ketaclinic.proxies import client_address
from ketaclinic.records.enquiries.throttle import admit_costly


def count_costly(request: HttpRequest) -> None:
    """Count this call against its caller's limit; the first line of a costly endpoint (after
    authentication). Raises ``RateLimited`` past the limit."""
    pk = getattr(getattr(request, "auth", None), "pk", None)
    admit_costly(f"user:{pk}" if pk is not None else f"address:{client_address(request)}")
