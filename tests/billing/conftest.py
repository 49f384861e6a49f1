"""Fixtures for the billing tests: the session fixtures (a location, a verified order, a
session walked to discharge), a price list in effect at the location, and actors per role."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

_SESSIONS = Path(__file__).resolve().parents[1] / "sessions"
if str(_SESSIONS) not in sys.path:
    sys.path.insert(0, str(_SESSIONS))
_spec = importlib.util.spec_from_file_location("session_fixtures", _SESSIONS / "conftest.py")
assert _spec is not None
assert _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

location = _fixtures.location
make_order = _fixtures.make_order
order = _fixtures.order
open_session = _fixtures.open_session
session = _fixtures.session
walked = _fixtures.walked
physician = _fixtures.physician
nurse = _fixtures.nurse
second_nurse = _fixtures.second_nurse
desk = _fixtures.desk

PRICES = {
    # kind: (label, codes, cents, sessions)
    "consultation": ("New patient consultation", ["99204"], 35000, 1),
    "infusion": ("Ketamine infusion", ["96365", "J3490"], 45000, 1),
    "additional_hour": ("Each additional infusion hour", ["96366"], 12500, 1),
    "im_dose": ("Ketamine IM injection", ["96372", "J3490"], 20000, 1),
    "package": ("Six-infusion series", ["96365", "J3490"], 240000, 6),
}


@pytest.fixture
def manager(users: dict[str, Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(users["manager"])


@pytest.fixture
def prices(location: Any, users: dict[str, Any]) -> Any:
    """A price list in effect at the location since a month ago, and its billing provider."""
    from ketaclinic.records.pricing.models import BillingProvider, PriceItem, PriceList

    price_list = PriceList.objects.create(
        location=location,
        version=1,
        effective_from=date.today() - timedelta(days=30),
        created_by=users["manager"],
    )
    for kind, (label, codes, cents, sessions) in PRICES.items():
        PriceItem.objects.create(
            price_list=price_list,
            kind=kind,
            label=label,
            codes=codes,
            amount_cents=cents,
            sessions=sessions,
        )
    BillingProvider.objects.create(
        location=location,
        name="Test Infusion Medicine",
        npi="1234567893",
        tax_id="00-0000000",
        updated_by=users["manager"],
    )
    return price_list
