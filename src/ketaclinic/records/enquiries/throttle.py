"""Rate limits kept in the database so that every app server counts the same requests: the
consultation requests one client address may send in an hour, and the costly API requests
(simulations, reports, cohorts, FHIR bundles) one account, or one address without an account,
may make in a minute. A client is kept only as a keyed digest, and only for the hour the
longest limit looks back over."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import FrontDoorSettings, SubmissionMark

WINDOW = timedelta(hours=1)
COSTLY_WINDOW = timedelta(minutes=1)


class RateLimited(Exception):
    """Too many requests from one client; try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests: try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _digest(scope: str, client: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{scope}:{client}".encode(), hashlib.sha256).hexdigest()


def _count(scope: str, client: str, limit_field: str, window: timedelta) -> None:
    """Count one request from ``client`` in ``scope``, or raise ``RateLimited`` once it has
    made the clinic's limit (the settings' ``limit_field``) within ``window`` (a refused
    request is not counted). The settings row is the lock every app server takes."""
    now = timezone.now()
    digest = _digest(scope, client)
    with transaction.atomic():
        FrontDoorSettings.objects.get_or_create(pk=1)
        row = FrontDoorSettings.objects.select_for_update().get(pk=1)
        limit = int(getattr(row, limit_field))
        SubmissionMark.objects.filter(at__lte=now - WINDOW).delete()
        recent = list(
            SubmissionMark.objects.filter(address_digest=digest, at__gt=now - window)
            .order_by("at")
            .values_list("at", flat=True)
        )
        if len(recent) >= limit:
            oldest_counted = recent[len(recent) - limit]
            wait = oldest_counted + window - now
            raise RateLimited(max(1, int(wait.total_seconds()) + 1))
        SubmissionMark.objects.create(address_digest=digest, at=now)


def admit(address: str) -> None:
    """Count one consultation request from ``address``, or raise ``RateLimited`` once the
    address has sent the clinic's limit within the last hour."""
    _count("front-door", address, "requests_per_hour", WINDOW)


def admit_costly(client: str) -> None:
    """Count one costly request from ``client`` (``user:<id>`` or ``address:<ip>``), or raise
    ``RateLimited`` once it has made the clinic's limit within the last minute."""
    _count("costly", client, "costly_requests_per_minute", COSTLY_WINDOW)


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's address as the server's settings say to read it: behind a proxy
    (``KETACLINIC_BEHIND_PROXY``) the last address the proxy appended to X-Forwarded-For,
    which a client cannot forge; else the connection's own address."""
    for key in getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"]):
        value = str(meta.get(key) or "")
        if value:
            return value.split(",")[-1].strip()
    return ""
