"""Fixtures for the boards and worklists: the session fixtures (a location in daytime, a
verified order for today, a session), and a visit booked today in a chair."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

_SESSIONS = Path(__file__).resolve().parents[1] / "sessions"
if str(_SESSIONS) not in sys.path:
    sys.path.insert(0, str(_SESSIONS))
_spec = importlib.util.spec_from_file_location("board_session_fixtures", _SESSIONS / "conftest.py")
assert _spec is not None
assert _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

location = _fixtures.location
make_order = _fixtures.make_order
order = _fixtures.order
physician = _fixtures.physician
nurse = _fixtures.nurse
second_nurse = _fixtures.second_nurse
desk = _fixtures.desk


@pytest.fixture
def manager(users: dict[str, Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(users["manager"])


@pytest.fixture
def book_today(location: Any, users: dict[str, Any]) -> Callable[..., Any]:
    """Book a patient into a chair today, starting an hour ago (or just after local midnight),
    two hours long; ``chair`` counts from 0."""
    from django.utils import timezone

    from ketaclinic.records.bookings.models import Appointment

    def book(patient: Any, chair: int = 0, kind: str = "infusion") -> Any:
        now = timezone.localtime(timezone.now(), location.zone)
        midnight = now.replace(hour=0, minute=5, second=0, microsecond=0)
        start = max(midnight, now - timedelta(hours=1))
        return Appointment.objects.create(
            patient=patient,
            location=location,
            chair=location.chairs.order_by("name")[chair] if kind != "consultation" else None,
            appointment_type=kind,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            policy_version="test",
            booked_by=users["front_desk"],
        )

    return book
