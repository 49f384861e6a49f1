"""What the billing services share: the location an entry is made at, the second person the
clinic's policy asks for, and the balance computed in SQL."""

from __future__ import annotations

from django.db.models import Sum

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.bookings.models import Appointment
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.ledger.inputs import WitnessIn
from ketaclinic.records.ledger.witness import verify_witness
from ketaclinic.records.sessions.models import Session
from ketaclinic.records.toolkit import get_or_invalid

from .choices import EntryKind
from .models import Entry
from .policy import billing_policy


def location_for(patient_id: int, slug: str) -> Location:
    """The location named by ``slug``, or the patient's usual one: where their latest visit
    or session was; the only location when the clinic has one. ``InvalidInput`` naming
    ``location`` otherwise."""
    if slug:
        return get_or_invalid(Location.objects.all(), slug, "location", "location", by="slug")
    latest = (
        Appointment.objects.filter(patient_id=patient_id)
        .order_by("-starts_at")
        .values_list("location_id", flat=True)
        .first()
    ) or (
        Session.objects.filter(patient_id=patient_id)
        .order_by("-id")
        .values_list("location_id", flat=True)
        .first()
    )
    if latest is not None:
        return Location.objects.get(pk=latest)
    only = list(Location.objects.all()[:2])
    if len(only) == 1:
        return only[0]
    raise InvalidInput.single("location", "say which location (the patient has no visits yet)")


def second_person(actor: Actor, kind: EntryKind, given: WitnessIn, action: Action) -> Actor | None:
    """The verified second person when the clinic's policy asks one for ``kind``; else one
    given anyway is verified too (a second pair of eyes is never refused); else None."""
    required = kind in billing_policy().second_person_for
    if not required and not given.witness_username.strip():
        return None
    return verify_witness(actor, given, action, what=f"confirm a {kind.label.lower()}")


def balance_of(patient_id: int) -> int:
    """What the patient owes (positive) or is owed (negative), in cents: one SQL sum."""
    total = Entry.objects.filter(patient_id=patient_id).aggregate(total=Sum("owed_cents"))["total"]
    return int(total or 0)
