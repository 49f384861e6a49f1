"""Pricing's answer to booking: once a self-pay patient's series is booked and committed, its
Good Faith Estimate is issued (bookings sends ``series_booked``; it cannot import pricing).
A refusal (no price list, no billing provider) never undoes the booking: it is audited as a
failed ``estimate.issue_on_booking`` and the front desk issues the estimate by hand."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from ketaclinic.records.bookings.signals import series_booked
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import ServiceError

log = logging.getLogger(__name__)


def _issue_after_commit(actor: Actor, series_id: int) -> None:
    from .estimates import issue_for_series

    try:
        issue_for_series(actor, series_id)
    except ServiceError as error:
        log.warning("no Good Faith Estimate for series %s: %s", series_id, error)


def _on_series_booked(sender: Any, actor: Actor, series_id: int, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _issue_after_commit(actor, series_id))


def connect() -> None:
    series_booked.connect(_on_series_booked, dispatch_uid="pricing.estimate_on_booking")
