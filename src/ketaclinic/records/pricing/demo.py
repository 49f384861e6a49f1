"""The demo clinic's prices: who bills and a price list at every demo location, some demo
patients marked self-pay, and a Good Faith Estimate for the portal's demo patient. Idempotent:
a second run finds everything there and writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.choices import Coverage
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.patients.services import update_patient

from . import estimates, services
from .models import BillingProvider, Estimate, PriceList

# Synthetic: the NPI is CMS's published example (a valid check digit), the tax id a dummy.
PROVIDER = {
    "name": "Demo Infusion Center PLLC (synthetic)",
    "npi": "1234567893",
    "tax_id": "99-9999999",
    "phone": "555-0100",
    "email": "billing@example.org",
}
OPENED_ON = date(2026, 1, 1)
PRICES: list[dict[str, Any]] = [
    {"kind": "consultation", "amount_cents": 25_000, "label": "New-patient consultation"},
    {"kind": "infusion", "amount_cents": 55_000, "label": "Ketamine infusion (first hour)"},
    {"kind": "additional_hour", "amount_cents": 15_000, "label": "Each additional infusion hour"},
    {"kind": "im_dose", "amount_cents": 30_000, "label": "Ketamine IM injection"},
    {"kind": "booster", "amount_cents": 52_500, "label": "Booster infusion"},
    {
        "kind": "package",
        "sessions": 6,
        "amount_cents": 285_000,
        "label": "Six-infusion series (package price)",
    },
]
SELF_PAY = ("DEMO-0001", "DEMO-0002", "DEMO-0003", "DEMO-0004", "DEMO-0005")
ESTIMATE_FOR = "DEMO-0001"


def load_pricing(manager: Actor, front_desk: Actor) -> None:
    """Before the demo's bookings: prices everywhere, so booking a self-pay patient's series
    issues its estimate."""
    for location in Location.objects.order_by("name"):
        if not BillingProvider.objects.filter(location=location).exists():
            services.set_billing_provider(
                manager, location.slug, PROVIDER | {"address": location.address}
            )
        if not PriceList.objects.filter(location=location).exists():
            services.add_price_list(
                manager,
                {
                    "location": location.slug,
                    "effective_from": OPENED_ON.isoformat(),
                    "note": "Demo prices (synthetic)",
                    "items": PRICES,
                },
            )
    for patient in Patient.objects.filter(mrn__in=SELF_PAY, coverage=Coverage.UNKNOWN):
        update_patient(front_desk, patient.pk, {"coverage": Coverage.SELF_PAY})


def load_estimates(front_desk: Actor) -> None:
    """After the bookings: the portal's demo patient has a Good Faith Estimate (the one the
    booking issued, or one of the standard course)."""
    patient = Patient.objects.filter(mrn=ESTIMATE_FOR).first()
    if patient is None or Estimate.objects.filter(patient=patient).exists():
        return
    estimates.issue_estimate(front_desk, patient.pk, {})
