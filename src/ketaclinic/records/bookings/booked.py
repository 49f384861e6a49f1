"""The booked visits in a span, as ``clinics`` asks for them (see ``clinics.booked``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ketaclinic.records.clinics.models import Location

from .models import Appointment, Status


def booked_in_span(
    location: Location, start: datetime, end: datetime | None, chair_only: bool
) -> list[Any]:
    visits = Appointment.objects.filter(location=location, status=Status.BOOKED, ends_at__gt=start)
    if end is not None:
        visits = visits.filter(starts_at__lt=end)
    if chair_only:
        visits = visits.filter(chair__isnull=False)
    return list(visits.select_related("patient", "chair"))
