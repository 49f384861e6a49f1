"""The demo session: the plans' demo patient, checked in for today's verified order at the
first chair, with vital signs and the confirmations taken and the dose drawn from the demo
ledger for the session, so that the live board shows a patient and a demo user can carry the
session on (pain score, dose, infusion, discharge).

Idempotent: an order with a session is left alone. The demo has no earlier, discharged
sessions: orders cannot be made for past days.
"""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.ledger.quantities import ML_STEP
from ketaclinic.records.plans.models import Order
from ketaclinic.records.toolkit import local_today
from ketaclinic.sessions import Command, session_rules

from . import checklist, flowsheet, lifecycle, supply
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
    _draw_the_dose(nurse, session)
    return session


def _draw_the_dose(nurse: Actor, session: Session) -> None:
    """Draw the order's dose (rounded up to the next 0.001 mL) from the first stocked lot of
    the ordered drug at the location, if the demo ledger holds one."""
    drug = supply.ordered_drug(session)
    stocked = [b for b in supply.supply_for(session).stock if b.lot.product.drug == drug]
    if not stocked:
        return
    balance = stocked[0]
    strength = balance.lot.product.strength_mg_per_ml
    volume_ml = (Decimal(str(session.order.dose_mg)) / strength).quantize(ML_STEP, ROUND_UP)
    supply.draw_for_session(
        nurse,
        session.pk,
        {"storage_id": balance.storage_id, "lot_id": balance.lot_id, "volume_ml": volume_ml},
    )
