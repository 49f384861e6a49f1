"""Fixtures for the booking tests: a location like the seeds' (Mon–Thu 07:00–16:30, Fri
08:00–12:00, America/New_York) with four chairs and one nurse on every opening period, and a
patient with a signed plan for the seed regimen (six 40-min infusions, ≥ 24 h apart, ≤ 14 d)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bookings_support import NEW_YORK, add_location

from support import SIGNED

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


@pytest.fixture
def staff(users: dict[str, Any], actor_for: Callable[..., Any]) -> dict[str, Any]:
    """Actors per staff role."""
    return {role: actor_for(user) for role, user in users.items()}


@pytest.fixture
def location(users: dict[str, Any], staff: dict[str, Any]) -> Any:
    return add_location(staff["manager"], users["nurse"], "main", NEW_YORK)


@pytest.fixture
def signed_plan(patient: Any, staff: dict[str, Any]) -> Any:
    """The patient screened eligible and a seed-regimen plan signed, through the plan services."""
    from ketaclinic.records.plans import screening, services

    physician = staff["physician"]
    result = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, result.pk, {"decision": "eligible", "note": "no findings"})
    draft = services.draft_plan(physician, patient.pk, {"protocol": PROTOCOL})
    return services.sign_plan(physician, draft.pk, SIGNED)


@pytest.fixture
def draft_plan(patient: Any, staff: dict[str, Any]) -> Any:
    from ketaclinic.records.plans import screening, services

    physician = staff["physician"]
    result = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, result.pk, {"decision": "eligible", "note": "no findings"})
    return services.draft_plan(physician, patient.pk, {"protocol": PROTOCOL})


def local(day: str, clock: str, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), time.fromisoformat(clock), zone)


@pytest.fixture
def at() -> Callable[..., datetime]:
    """``at("2031-03-03", "09:00")``: a New York local time."""
    return local
