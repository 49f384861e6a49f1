"""Fixtures for the session tests: a location whose clock shows daytime, a verified order for
today, an open session, and sessions walked to a given state, all through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from support import SIGNED

PROTOCOL = "ketamine-iv-0.5mgkg-40min"
DOSE = {"dose_mg": 35, "volume_ml": 35, "rate_ml_per_h": 52.5}


def daytime_zone() -> str:
    """The settings' zone, unless it is before 03:00 there: then a zone five hours ahead on
    the same date, so that a session backdated two hours stays on the order's day."""
    from django.conf import settings
    from django.utils import timezone

    local = timezone.localtime()
    return settings.TIME_ZONE if local.hour >= 3 else "Etc/GMT-5"


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
def desk(users: dict[str, Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(users["front_desk"])


@pytest.fixture
def location(db: Any) -> Any:
    from ketaclinic.records.clinics.models import Chair, Location

    location = Location.objects.create(slug="test", name="Test clinic", time_zone=daytime_zone())
    Chair.objects.bulk_create(Chair(location=location, name=f"Chair {n}") for n in (1, 2))
    return location


@pytest.fixture
def make_order(physician: Any, nurse: Any, second_nurse: Any) -> Callable[..., Any]:
    """Screen, plan, sign and order today's dose for a patient; verify it unless told."""
    from django.utils import timezone

    from ketaclinic.records.plans import orders, screening
    from ketaclinic.records.plans import services as plans
    from support import record_baseline_results, sign_consent

    def make(patient: Any, verified: bool = True, consented: bool = True) -> Any:
        found = screening.run_screening(physician, patient.pk, {"pregnant": False})
        screening.decide(physician, found.pk, {"decision": "eligible", "note": "ok"})
        record_baseline_results(physician, patient.pk)
        if consented:
            sign_consent(physician, patient.pk, PROTOCOL)
        draft = plans.draft_plan(physician, patient.pk, {"protocol": PROTOCOL})
        plan = plans.sign_plan(physician, draft.pk, SIGNED)
        order = orders.create_order(nurse, plan.pk, {"session_on": timezone.localdate()})
        if verified:
            orders.prepare_order(nurse, order.pk, DOSE)
            orders.verify_order(second_nurse, order.pk, {**SIGNED, **DOSE})
        return order

    return make


@pytest.fixture
def order(make_order: Callable[..., Any], patient: Any) -> Any:
    return make_order(patient)


@pytest.fixture
def open_session(nurse: Any, location: Any) -> Callable[..., Any]:
    from ketaclinic.records.sessions import lifecycle

    def make(order: Any) -> Any:
        chair = location.chairs.order_by("name").first()
        return lifecycle.open_session(
            nurse, {"order_id": order.pk, "location_id": location.pk, "chair_id": chair.pk}
        )

    return make


@pytest.fixture
def session(open_session: Callable[..., Any], order: Any) -> Any:
    return open_session(order)


@pytest.fixture
def walked(nurse: Any, session: Any) -> Callable[..., Any]:
    """Walk ``session`` to a state; check-in ``minutes_ago`` (default: just long enough)."""
    from django.utils import timezone
    from sessions_support import minutes_to_discharge, walk

    def make(until: str, minutes_ago: float | None = None) -> Any:
        ago = minutes_ago if minutes_ago is not None else minutes_to_discharge(session) + 3
        start: datetime = timezone.now() - timedelta(minutes=ago)
        return walk(nurse, session.pk, until, start)

    return make


@pytest.fixture
def nurse_web(web_as: Any, users: dict[str, Any]) -> Any:
    """The web client of the nurse."""
    return web_as(users["nurse"])
