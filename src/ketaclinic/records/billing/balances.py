"""Patients who owe the clinic, for the front desk's home page."""

from __future__ import annotations

from django.db.models import Sum

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.pricing.money import dollars
from ketaclinic.records.worklists import WORKLIST_MAX, WorkItem, Worklist, person, worklist

from .models import Entry


def balances_due(actor: Actor) -> Worklist:
    """Patients whose account is owing, the largest balance first: one grouped sum and one
    read of the names shown."""
    authorize(actor, Action.BILLING_REPORT)
    owing = (
        Entry.objects.values("patient_id")
        .annotate(owed_cents=Sum("owed_cents"))
        .filter(owed_cents__gt=0)
        .order_by("-owed_cents", "patient_id")
    )
    total = owing.count()
    shown = list(owing[:WORKLIST_MAX])
    names = Patient.objects.in_bulk([row["patient_id"] for row in shown])
    return worklist(
        actor,
        Action.BILLING_REPORT,
        "Balances due",
        shown,
        lambda row: WorkItem(
            "patient-billing",
            row["patient_id"],
            person(names[row["patient_id"]]),
            f"Owes {dollars(row['owed_cents'])}",
            None,
            row["patient_id"],
        ),
        total,
    )
