"""Prices the pricing tests share (importable as ``pricing_support``)."""

from __future__ import annotations

from typing import Any

PROVIDER = {
    "name": "Valley Ketamine Clinic PLLC",
    "npi": "1234567893",  # a valid check digit (the CMS example NPI)
    "tax_id": "12-3456789",
    "phone": "555-0100",
}
PRICES: list[dict[str, Any]] = [
    {"kind": "consultation", "amount_cents": 25000},
    {"kind": "infusion", "amount_cents": 55000},
    {"kind": "additional_hour", "amount_cents": 15000},
    {"kind": "im_dose", "amount_cents": 30000},
    {"kind": "booster", "amount_cents": 52500},
    {"kind": "package", "sessions": 6, "amount_cents": 285000},
]
