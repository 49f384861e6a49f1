"""Fixtures for the pricing tests: the booking tests' location, a price list in effect from
today, and who bills there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pricing_support import PRICES, PROVIDER

from bookings.bookings_support import NEW_YORK, add_location
from support import SIGNED

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


@pytest.fixture
def staff(users: dict[str, Any], actor_for: Callable[..., Any]) -> dict[str, Any]:
    return {role: actor_for(user) for role, user in users.items()}


@pytest.fixture
def location(users: dict[str, Any], staff: dict[str, Any]) -> Any:
    return add_location(staff["manager"], users["nurse"], "main", NEW_YORK)


@pytest.fixture
def prices(location: Any, staff: dict[str, Any]) -> Any:
    """The location's price list in effect from today, and its billing provider."""
    from django.utils import timezone

    from ketaclinic.records.pricing import services

    manager = staff["manager"]
    services.set_billing_provider(manager, location.slug, PROVIDER)
    today = timezone.localdate(timezone.now(), NEW_YORK)
    return services.add_price_list(
        manager,
        {"location": location.slug, "effective_from": today.isoformat(), "items": PRICES},
    )


@pytest.fixture
def signed_plan(patient: Any, staff: dict[str, Any]) -> Any:
    from ketaclinic.records.plans import screening, services

    physician = staff["physician"]
    result = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, result.pk, {"decision": "eligible", "note": "no findings"})
    draft = services.draft_plan(physician, patient.pk, {"protocol": PROTOCOL})
    return services.sign_plan(physician, draft.pk, SIGNED)
