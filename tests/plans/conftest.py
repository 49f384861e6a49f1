"""Fixtures for the plan tests: a screened patient, a signed plan, an order, each through the
services as the clinician whose role does it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from plans_support import SEED, SEED_DOSE

from support import SIGNED


@pytest.fixture
def physician(users: dict[str, Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(users["physician"])


@pytest.fixture
def nurse(users: dict[str, Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(users["nurse"])


@pytest.fixture
def second_nurse(make_user: Callable[..., Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(make_user("nurse", username="second-nurse"))


@pytest.fixture
def screened(patient: Any, physician: Any) -> Any:
    """The patient screened (not pregnant, normal vitals), decided eligible, with a baseline
    ECG and liver tests on record."""
    from ketaclinic.records.plans import screening
    from support import record_baseline_results

    result = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, result.pk, {"decision": "eligible", "note": "no findings"})
    record_baseline_results(physician, patient.pk)
    return patient


@pytest.fixture
def draft(screened: Any, physician: Any) -> Callable[..., Any]:
    """Draft a plan (the seed regimen unless told) for the screened patient."""
    from ketaclinic.records.plans import services

    def make(**choices: Any) -> Any:
        return services.draft_plan(physician, screened.pk, {"protocol": SEED, **choices})

    return make


@pytest.fixture
def signed(draft: Callable[..., Any], physician: Any) -> Any:
    """A signed seed-regimen plan for a 70 kg patient: 35 mg in 35 mL at 52.5 mL/h."""
    from ketaclinic.records.plans import services

    return services.sign_plan(physician, draft().pk, SIGNED)


@pytest.fixture
def order(signed: Any, nurse: Any) -> Any:
    """Today's order from the signed plan."""
    from django.utils import timezone

    from ketaclinic.records.plans import orders

    return orders.create_order(nurse, signed.pk, {"session_on": timezone.localdate()})


@pytest.fixture
def prepared(order: Any, nurse: Any) -> Any:
    from ketaclinic.records.plans import orders

    orders.prepare_order(nurse, order.pk, SEED_DOSE)
    return order
