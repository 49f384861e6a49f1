"""The demo clinic's front door: coordinates for the demo location, a second location from
the seed documents (Glendale, AZ), a consultation room at each, and a few synthetic
consultation requests in the front desk's queue (one the same person as a demo patient).
Idempotent: a restart adds nothing that is there."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from ketaclinic.records.clinics.choices import Weekday
from ketaclinic.records.clinics.models import Chair, Location, OpeningHours, Room
from ketaclinic.records.patients.models import Patient

from .models import ConsultationRequest
from .services import phone_digits

# The demo location's made-up address is in Springfield, KY: the centroid of its ZIP codes.
DEMO_COORDINATES = (37.7342, -85.2107)
GLENDALE = {
    "slug": "glendale-az",
    "name": "Glendale, AZ",
    "time_zone": "America/Phoenix",
    "address": "18205 N 51st Ave STE 126\nGlendale, AZ 85308",
    "phone": "(602) 922-8527",
    "latitude": 33.6539,
    "longitude": -112.1694,
}
SEED_HOURS = [
    *[(day, time(7, 0), time(16, 30)) for day in (0, 1, 2, 3)],
    (Weekday.FRIDAY, time(8, 0), time(12, 0)),
]
ROOM = "Consultation room 1"
REQUESTS = (
    # (given, family, born, phone, e-mail, location slug, preferred times, heard from, days ago)
    (
        "Avery",
        "Sampleton",
        date(1984, 2, 11),
        "(602) 555-0171",
        "",
        "glendale-az",
        "Weekday mornings",
        "My doctor",
        0,
    ),
    (
        "Jordan",
        "Fakename",
        date(1969, 9, 30),
        "",
        "jordan.fakename@example.org",
        "",
        "Any Friday",
        "A web search",
        1,
    ),
    (
        "Riley",
        "Notreal",
        date(1991, 6, 2),
        "(555) 010-0177",
        "riley.notreal@example.org",
        "demo-main",
        "After 2 pm",
        "A friend or family member",
        2,
    ),
)


def load_front_door(demo_slug: str) -> None:
    with transaction.atomic():
        Location.objects.filter(slug=demo_slug, latitude=None).update(
            latitude=DEMO_COORDINATES[0], longitude=DEMO_COORDINATES[1]
        )
        glendale, created = Location.objects.get_or_create(slug=GLENDALE["slug"], defaults=GLENDALE)
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(location=glendale, weekday=d, opens_at=o, closes_at=c)
                for d, o, c in SEED_HOURS
            )
            Chair.objects.bulk_create(
                Chair(location=glendale, name=name) for name in ("Chair 1", "Chair 2")
            )
        for location in Location.objects.filter(slug__in=[demo_slug, GLENDALE["slug"]]):
            Room.objects.get_or_create(location=location, name=ROOM)
        _requests()


def _requests() -> None:
    now = timezone.now()
    rows = [*REQUESTS]
    # Someone who asks again although already a patient: the queue flags the duplicate.
    known = Patient.objects.filter(mrn="DEMO-0003").first()
    if known is not None:
        rows.append(
            (
                known.given_name,
                known.family_name,
                known.date_of_birth,
                known.phone,
                "",
                "demo-main",
                "",
                "Other",
                0,
            )
        )
    for given, family, born, phone, email, slug, times, heard, days_ago in rows:
        if ConsultationRequest.objects.filter(
            given_name=given, family_name=family, date_of_birth=born
        ).exists():
            continue
        row = ConsultationRequest.objects.create(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            phone=phone,
            phone_digits=phone_digits(phone),
            email=email,
            consent_to_contact=True,
            location=Location.objects.filter(slug=slug).first() if slug else None,
            preferred_times=times,
            heard_from=heard,
            notes="Synthetic demo request.",
        )
        ConsultationRequest.objects.filter(pk=row.pk).update(
            received_at=now - timedelta(days=days_ago, hours=1)
        )
