"""Ledger fixtures: a location with a locked cabinet, a product, a witness, stock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ledger_support import PRODUCT, WITNESS_USERNAME, receipt

from ketaclinic.records.context import Actor


@pytest.fixture
def location(db: Any) -> Any:
    from ketaclinic.records.clinics.models import Location

    return Location.objects.create(
        slug="test-clinic", name="Test Clinic", time_zone="America/New_York"
    )


@pytest.fixture
def witness_user(make_user: Callable[..., Any]) -> Any:
    return make_user("nurse", username=WITNESS_USERNAME)


@pytest.fixture
def physician(users: dict[str, Any], actor_for: Callable[..., Any]) -> Actor:
    return actor_for(users["physician"])


@pytest.fixture
def nurse(users: dict[str, Any], witness_user: Any, actor_for: Callable[..., Any]) -> Actor:
    return actor_for(users["nurse"])


@pytest.fixture
def product(physician: Actor) -> Any:
    from ketaclinic.records.ledger import catalog

    return catalog.add_product(physician, PRODUCT)


@pytest.fixture
def storage(physician: Actor, location: Any) -> Any:
    from ketaclinic.records.ledger import catalog

    return catalog.add_storage(physician, {"location": location.slug, "name": "Cabinet A"})


@pytest.fixture
def stocked(nurse: Actor, storage: Any, product: Any) -> Any:
    """Two 10 mL vials of lot LOT-A (1000 mg) received into Cabinet A; returns the lot."""
    from ketaclinic.records.ledger import services

    return services.receive(nurse, receipt(storage, product)).entry.lot
