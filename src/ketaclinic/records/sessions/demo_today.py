"""The demo's day, so the boards and the home pages have something on them: a demo patient
with today's order prepared and awaiting its double-check, booked into a chair today (checked
in from the chairs board), and a drafted plan awaiting the physician's signature.

Idempotent: one such order a day, for a demo patient never screened, and its visit booked in
the same load through the booking service (outside the opening hours, or with no nurse on
shift, none is); a rerun the same day changes nothing and sends nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.utils import timezone

from ketaclinic.records.bookings import booking
from ketaclinic.records.bookings.choices import AppointmentType
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.plans.demo import draft_plan, eligible, unverified_order_today
from ketaclinic.records.plans.demo_consent import load_consent_and_results
from ketaclinic.records.plans.models import Order, Screening, TreatmentPlan
from ketaclinic.records.toolkit import local_today

NOTE = "Demo: today's visit"


def load_today(
    physician: Actor,
    nurse: Actor,
    front_desk: Actor,
    location_slug: str,
    passwords: Mapping[str, str],
) -> None:
    location = Location.objects.get(slug=location_slug)
    demo = Patient.objects.filter(mrn__startswith="DEMO-", restriction__isnull=True)
    screened = Screening.objects.values_list("patient_id", flat=True)
    fresh = [
        patient for patient in demo.exclude(pk__in=screened).order_by("mrn") if _ready(patient)
    ]
    today = local_today(location.zone)
    waiting = Order.objects.with_status().filter(
        session_on=today, patient__in=demo, is_verified=False, plan_superseded=False
    )
    if fresh and not waiting.exists():
        patient = fresh.pop(0)
        order = unverified_order_today(physician, nurse, patient, passwords)
        load_consent_and_results(physician, passwords)  # the consent the start asks for
        _book_today(front_desk, location, patient, order.plan_id)
    if fresh and not TreatmentPlan.objects.with_status().filter(is_signed=False).exists():
        draft_plan(physician, nurse, fresh[0])  # the physician's plan to sign


def _ready(patient: Patient) -> bool:
    """Open to a plan (a patient never weighed, the intake's new one, is not)."""
    try:
        return eligible(patient, after_review=True)
    except InvalidInput:
        return False


def _book_today(front_desk: Actor, location: Location, patient: Patient, plan_id: int) -> None:
    """Book the patient's next treatment visit today, in the first chair free within the next
    hours, if the rules allow one."""
    now = timezone.localtime(timezone.now(), location.zone)
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=15 - now.minute % 15)
    for hours in range(4):
        for chair in location.chairs.filter(active=True).order_by("name"):
            try:
                booking.book_appointment(
                    front_desk,
                    {
                        "patient_id": patient.pk,
                        "location_id": location.pk,
                        "appointment_type": AppointmentType.INFUSION,
                        "start": start + timedelta(hours=hours),
                        "chair_id": chair.pk,
                        "plan_id": plan_id,
                        "note": NOTE,
                    },
                )
                return
            except (InvalidInput, Conflict):
                continue
