"""Constants and helpers the ledger tests share (importable as ``ledger_support``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from support import PASSWORD

# A well-formed DEA number (check digit 3) that belongs to nobody we know of.
SUPPLIER = {
    "supplier_name": "Example Wholesale (synthetic)",
    "supplier_address": "2 Sample Road, Springfield",
    "supplier_dea_number": "RS1234563",
    "invoice_number": "INV-0001",
}
PRODUCT = {
    "name": "Ketamine HCl 50 mg/mL, 10 mL vial (test)",
    "ndc": "99999-0050-10",
    "strength_mg_per_ml": "50",
    "vial_volume_ml": "10",
}
WITNESS_USERNAME = "witness-nurse"


def witness(username: str = WITNESS_USERNAME) -> dict[str, str]:
    return {"witness_username": username, "witness_password": PASSWORD}


def in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


def receipt(storage: Any, product: Any, **changes: Any) -> dict[str, Any]:
    return {
        "storage_id": storage.pk,
        "product_id": product.pk,
        "lot_number": "LOT-A",
        "expires_on": in_days(365).isoformat(),
        "vials": 2,
        "received_on": date.today().isoformat(),
        **SUPPLIER,
        **changes,
    }


def ml(value: str | int) -> Decimal:
    return Decimal(str(value))
