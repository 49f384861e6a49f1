"""The per-address rate limit on consultation requests, kept in the database so that every
app server counts the same submissions. The address is kept only as a keyed digest, and only
for the hour the limit looks back over."""

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


class RateLimited(Exception):
    """Too many requests from one address; try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests: try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _digest(address: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"front-door:{address}".encode(), hashlib.sha256).hexdigest()


def admit(address: str) -> None:
    """Count one submission from ``address``, or raise ``RateLimited`` once the address has
    sent the clinic's limit within the last hour (a refused one is not counted)."""
    now = timezone.now()
    digest = _digest(address)
    with transaction.atomic():
        FrontDoorSettings.objects.get_or_create(pk=1)
        limit = FrontDoorSettings.objects.select_for_update().get(pk=1).requests_per_hour
        SubmissionMark.objects.filter(at__lte=now - WINDOW).delete()
        recent = list(
            SubmissionMark.objects.filter(address_digest=digest, at__gt=now - WINDOW)
            .order_by("at")
            .values_list("at", flat=True)
        )
        if len(recent) >= limit:
            oldest_counted = recent[len(recent) - limit]
            wait = oldest_counted + WINDOW - now
            raise RateLimited(max(1, int(wait.total_seconds()) + 1))
        SubmissionMark.objects.create(address_digest=digest, at=now)


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's address as the server's settings say to read it: behind a proxy
    (``KETACLINIC_BEHIND_PROXY``) the last address the proxy appended to X-Forwarded-For,
    which a client cannot forge; else the connection's own address."""
    for key in getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"]):
        value = str(meta.get(key) or "")
        if value:
            return value.split(",")[-1].strip()
    return ""
