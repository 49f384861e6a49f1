"""Dates at a place: a clinic's "today" is the calendar date in the location's zone."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from django.utils import timezone


def local_today(zone: tzinfo) -> date:
    """The calendar date in ``zone`` now (pass ``location.zone``)."""
    return timezone.localdate(timezone.now(), zone)


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of ``moment`` in ``zone``."""
    return timezone.localdate(moment, zone)


def local_start(day: date, zone: tzinfo) -> datetime:
    """The first instant of ``day`` in ``zone``, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=zone)
