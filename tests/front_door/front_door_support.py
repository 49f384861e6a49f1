"""What the front-door tests share (importable as ``front_door_support``): two locations with
coordinates (Glendale, AZ as in the seed documents, and New York), each with the seed hours
and a consultation room, and a consultation request."""

from __future__ import annotations

from datetime import time
from typing import Any

HOURS = [
    *[(day, time(7, 0), time(16, 30)) for day in range(4)],
    (4, time(8, 0), time(12, 0)),
]
GLENDALE = {
    "slug": "glendale",
    "name": "Glendale, AZ",
    "time_zone": "America/Phoenix",
    "address": "18205 N 51st Ave STE 126, Glendale, AZ 85308",
    "phone": "(602) 922-8527",
    "latitude": 33.6539,
    "longitude": -112.1694,
}
MANHATTAN = {
    "slug": "manhattan",
    "name": "Midtown Manhattan",
    "time_zone": "America/New_York",
    "address": "1 Example Plaza, New York, NY 10001",
    "phone": "(212) 555-0100",
    "latitude": 40.7484,
    "longitude": -73.9967,
}
REQUEST = {
    "given_name": "Robin",
    "family_name": "Example",
    "date_of_birth": "1979-05-04",
    "phone": "(602) 555-0142",
    "email": "robin@example.org",
    "consent_to_contact": True,
    "location": "glendale",
    "preferred_times": "Tuesday mornings",
    "heard_from": "My doctor",
    "notes": "Fibromyalgia for six years",
}


def add_public_location(fields: dict[str, Any]) -> Any:
    from ketaclinic.records.clinics.models import Location, OpeningHours, Room

    location = Location.objects.create(**fields)
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens_at=o, closes_at=c) for d, o, c in HOURS
    )
    Room.objects.create(location=location, name="Consultation room 1")
    return location


def next_weekday_at(zone_name: str, hour: int, days_ahead: int = 3) -> Any:
    """A Monday–Thursday ``hour``:00 local time at least ``days_ahead`` days from now."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    start = (timezone.now() + timedelta(days=days_ahead)).astimezone(ZoneInfo(zone_name))
    start = start.replace(hour=hour, minute=0, second=0, microsecond=0)
    while start.weekday() > 3:
        start += timedelta(days=1)
    return start


def submit(data: dict[str, Any] | None = None, address: str = "198.51.100.7") -> Any:
    """Send a request through the service, as the public site does; the row queued."""
    from ketaclinic.records.context import Face
    from ketaclinic.records.enquiries import services
    from ketaclinic.records.enquiries.models import ConsultationRequest

    services.submit({**REQUEST, **(data or {})}, address=address, face=Face.WEB)
    return ConsultationRequest.objects.latest("pk")
