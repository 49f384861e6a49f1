"""Demo data for scheduling: the demo nurse's roster for the coming weeks, and the series of
the plan the demo itself signed, booked at the earliest time the rules allow.

Idempotent: shifts already there are skipped, and a series is booked only in the load that
made the demo's plan — plans signed later by people trying the demo are theirs to book, so a
restart books nothing and sends no reminder."""

from __future__ import annotations

from datetime import time

from django.utils import timezone

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.clinics.services import add_weekly_shifts
from ketaclinic.records.context import Actor
from ketaclinic.records.plans.models import TreatmentPlan

from . import services
from .models import Series

# The nurse works the location's opening hours (the seed documents' hours).
ROSTER = [
    *[(day, time(7, 0), time(16, 30)) for day in range(4)],
    (4, time(8, 0), time(12, 0)),
]
ROSTER_DAYS = 56


def load_bookings(
    location_slug: str,
    nurse_id: int,
    manager: Actor,
    front_desk: Actor,
    new_plan: TreatmentPlan | None,
) -> None:
    location = Location.objects.get(slug=location_slug)
    today = timezone.localtime(timezone.now(), location.zone).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    add_weekly_shifts(manager, location.pk, nurse_id, ROSTER, today, ROSTER_DAYS)
    if new_plan is None or Series.objects.filter(patient_id=new_plan.patient_id).exists():
        return
    bookable = services.bookable_plans(front_desk, new_plan.patient_id)
    if new_plan.pk not in {choice.plan_id for choice in bookable}:
        return
    request = {
        "patient_id": new_plan.patient_id,
        "plan_id": new_plan.pk,
        "location_id": location.pk,
    }
    proposal = services.propose(front_desk, request)
    if proposal.sessions:
        services.book_series(
            front_desk,
            {
                **request,
                "sessions": [
                    {"chair_id": s.chair.pk, "start": s.starts_at} for s in proposal.sessions
                ],
                "note": "Demo series",
            },
        )
