"""Demo ledger: a product with an obviously synthetic NDC, a locked cabinet, a receipt, two
draws (one given in full, one given in part with the rest wasted under a witness) and a
biennial inventory. Everything goes through the services; loading again adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from ketaclinic.records.accounts.models import User
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.patients.models import Patient

from . import catalog, counts, services
from .common import local_today, location_field
from .models import Entry, Product, Receipt, StorageLocation

DEMO_NDC = "99999-0050-10"
DEMO_PRODUCT = {
    "name": "Ketamine HCl 50 mg/mL, 10 mL vial (DEMO: synthetic NDC, not a real product)",
    "ndc": DEMO_NDC,
    "strength_mg_per_ml": "50",
    "vial_volume_ml": "10",
}
# A Schedule IV rescue drug, kept in the same book.
DEMO_MIDAZOLAM = {
    "name": "Midazolam 1 mg/mL, 5 mL vial (DEMO: synthetic NDC, not a real product)",
    "drug": "midazolam",
    "ndc": "99999-0101-05",
    "strength_mg_per_ml": "1",
    "vial_volume_ml": "5",
}
DEMO_MIDAZOLAM_INVOICE = "DEMO-INV-0002"
DEMO_CABINET = "Locked cabinet A"
DEMO_INVOICE = "DEMO-INV-0001"
# A well-formed DEA number (check digit 3) for a fictional supplier.
DEMO_SUPPLIER = {
    "supplier_name": "Example Medical Supply (DEMO)",
    "supplier_address": "3 Sample Street, Springfield, KY 00000",
    "supplier_dea_number": "RE1234563",
    "invoice_number": DEMO_INVOICE,
}
DEMO_REFERENCE = "demo"
# (patient MRN, mL drawn, mL given); what is left is wasted with a witness.
DEMO_DRAWS = (("DEMO-0002", "1", "1"), ("DEMO-0003", "1", "0.7"))


def load_ledger(location_slug: str, passwords: Mapping[str, str]) -> None:
    """Set up the demo ledger at the location; ``passwords`` are the demo logins (the witness
    re-enters theirs, as at the screen)."""
    physician = _actor("physician")
    nurse = _actor("nurse")
    location = location_field(location_slug)
    cabinet = StorageLocation.objects.filter(
        location=location, name=DEMO_CABINET
    ).first() or catalog.add_storage(
        physician,
        {"location": location_slug, "name": DEMO_CABINET, "description": "Medication room"},
    )
    for fields, invoice, lot_number, vials in (
        (DEMO_PRODUCT, DEMO_INVOICE, "DEMO-LOT-001", 5),
        (DEMO_MIDAZOLAM, DEMO_MIDAZOLAM_INVOICE, "DEMO-LOT-M01", 4),
    ):
        product = Product.objects.filter(ndc=fields["ndc"]).first() or catalog.add_product(
            physician, fields
        )
        if not Receipt.objects.filter(invoice_number=invoice).exists():
            today = local_today(location)
            services.receive(
                nurse,
                {
                    "storage_id": cabinet.pk,
                    "product_id": product.pk,
                    "lot_number": lot_number,
                    "expires_on": (today + timedelta(days=365)).isoformat(),
                    "vials": vials,
                    "received_on": today.isoformat(),
                    **DEMO_SUPPLIER,
                    "invoice_number": invoice,
                },
            )
    witness_password = passwords.get("physician", "")
    if Entry.objects.filter(reference=DEMO_REFERENCE).exists() or not witness_password:
        return
    witness = {"witness_username": "physician", "witness_password": witness_password}
    lot = Receipt.objects.select_related("entry__lot").get(invoice_number=DEMO_INVOICE).entry.lot
    midazolam_lot = (
        Receipt.objects.select_related("entry__lot")
        .get(invoice_number=DEMO_MIDAZOLAM_INVOICE)
        .entry.lot
    )
    for mrn, drawn_ml, given_ml in DEMO_DRAWS:
        patient = Patient.objects.get(mrn=mrn)
        drawn = services.draw(
            nurse,
            {
                "storage_id": cabinet.pk,
                "lot_id": lot.pk,
                "patient_id": patient.pk,
                "volume_ml": drawn_ml,
                "reference": DEMO_REFERENCE,
            },
        )
        services.record_administered(nurse, drawn.pk, {"volume_ml": given_ml})
        if drawn_ml != given_ml:
            left = Decimal(drawn_ml) - Decimal(given_ml)
            services.waste(nurse, drawn.pk, {"volume_ml": str(left), **witness})
    counts.record_count(
        nurse,
        {
            "storage_id": cabinet.pk,
            "kind": "biennial",
            "lines": [
                {"lot_id": lot.pk, "full_vials": 4, "open_ml": "8"},
                {"lot_id": midazolam_lot.pk, "full_vials": 4, "open_ml": "0"},
            ],
            "note": "Demo biennial inventory.",
            **witness,
        },
    )


def _actor(username: str) -> Actor:
    return Actor(
        user=User.objects.get(username=username), face=Face.SYSTEM, source_address="demo-loader"
    )
