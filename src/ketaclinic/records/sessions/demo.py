"""The demo session: the plans' demo patient, checked in for today's verified order at the
first chair, with vital signs and the confirmations taken, so that the live board shows a
patient and a demo user can carry the session on (pain score, dose, infusion, discharge).

Idempotent: an order with a session is left alone. The demo has no earlier, discharged
sessions: orders cannot be made for past days.
"""

from __future__ import annotations

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.plans.models import Order
from ketaclinic.records.toolkit import local_today
from ketaclinic.sessions import Command, session_rules

from . import checklist, flowsheet, lifecycle
from .models import Session

GOOD_VITALS = {
    "sbp_mm_hg": 122,
    "dbp_mm_hg": 78,
    "heart_rate_per_min": 72,
    "spo2_percent": 98,
    "resp_rate_per_min": 14,
}


def load_sessions(nurse: Actor, location_slug: str) -> Session | None:
    """Check in the demo patient with today's order (once)."""
    location = Location.objects.get(slug=location_slug)
    today = local_today(location.zone)
    order = (
        Order.objects.filter(session_on=today, patient__mrn__startswith="DEMO-")
        .order_by("id")
        .first()
    )
    if order is None or Session.objects.filter(order=order).exists():
        return None
    chair = location.chairs.filter(active=True).order_by("name").first()
    session = lifecycle.open_session(
        nurse,
        {"order_id": order.pk, "location_id": location.pk, "chair_id": chair.pk if chair else None},
    )
    lifecycle.transition(nurse, session.pk, {"command": Command.CHECK_IN})
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    for item in session_rules().pre_checks.confirmations:
        if item.applies_to(session.patient.sex):
            checklist.confirm(nurse, session.pk, {"kind": item.kind})
    return session
