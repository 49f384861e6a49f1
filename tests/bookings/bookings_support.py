"""Helpers the booking tests share (importable as ``bookings_support``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

NEW_YORK = ZoneInfo("America/New_York")
# The seed clinic's hours: (weekday, opens, closes).
HOURS = [
    *[(day, time(7, 0), time(16, 30)) for day in range(4)],
    (4, time(8, 0), time(12, 0)),
]
# A Monday in the future; US daylight saving starts on Sunday 2031-03-09.
MONDAY = "2031-03-03"
FIRST_DAY = datetime(2031, 3, 3, tzinfo=NEW_YORK)


def add_location(
    manager: Any,
    nurse: Any,
    slug: str,
    zone: ZoneInfo,
    chairs: int = 4,
    weeks: int = 8,
    patients_per_nurse: int = 4,
) -> Any:
    """A location with the seed hours, ``chairs`` chairs and ``nurse`` on every opening period
    for ``weeks`` weeks from FIRST_DAY (made through the set-up services)."""
    from ketaclinic.records.clinics import services
    from ketaclinic.records.clinics.models import Chair, Location, OpeningHours

    location = Location.objects.create(
        slug=slug,
        name=f"Clinic {slug}",
        time_zone=str(zone),
        address="1 Example Way",
        phone="555-0100",
        patients_per_nurse=patients_per_nurse,
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens_at=o, closes_at=c) for d, o, c in HOURS
    )
    Chair.objects.bulk_create(
        Chair(location=location, name=f"Chair {n}") for n in range(1, chairs + 1)
    )
    first = FIRST_DAY.replace(tzinfo=zone) - timedelta(days=7)
    services.add_weekly_shifts(manager, location.pk, nurse.pk, HOURS, first, 7 * weeks)
    return location


def chairs_of(location: Any) -> list[Any]:
    return list(location.chairs.order_by("name"))


def book_proposed_series(desk: Any, patient: Any, plan: Any, location: Any) -> Any:
    """The series proposed from FIRST_DAY, booked through the services."""
    from ketaclinic.records.bookings import services

    base = {"patient_id": patient.pk, "plan_id": plan.pk, "location_id": location.pk}
    proposal = services.propose(desk, {**base, "not_before": FIRST_DAY.isoformat()})
    sessions = [
        {"chair_id": s.chair.pk, "start": s.starts_at.isoformat()} for s in proposal.sessions
    ]
    return services.book_series(desk, {**base, "sessions": sessions})


def soon(hours: float = 30) -> datetime:
    """A weekday (Mon–Thu) 10:00 in New York at least ``hours`` ahead (so a reminder is due now)."""
    start = (timezone.now() + timedelta(hours=hours)).astimezone(NEW_YORK)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() > 3:
        start += timedelta(days=1)
    return start


def book_consultation(desk: Any, patient: Any, location: Any, start: datetime) -> Any:
    from ketaclinic.records.bookings import services

    return services.book_appointment(
        desk,
        {
            "patient_id": patient.pk,
            "location_id": location.pk,
            "appointment_type": "consultation",
            "start": start.isoformat(),
        },
    )
