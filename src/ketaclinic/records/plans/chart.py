"""What the patient chart shows of this area: screening status, the plan, upcoming orders."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor

from .common import plan_today
from .models import Order, OrderStatus, Screening, TreatmentPlan
from .services import current_plan

ORDERS_SHOWN = 10


@dataclass(frozen=True)
class PlanChart:
    screening: Screening | None
    """The latest screening, with its decision when made."""
    plan: TreatmentPlan | None
    """The current signed plan."""
    draft: TreatmentPlan | None
    """The newest draft, when newer than the current plan."""
    orders: list[Order]
    """Orders for today and later that are not void, soonest first."""


def plan_chart(actor: Actor, patient_id: int) -> PlanChart:
    authorize(actor, Action.SCREENING_VIEW, patient_id=patient_id)
    authorize(actor, Action.PLAN_VIEW, patient_id=patient_id)
    screening = (
        Screening.objects.filter(patient_id=patient_id)
        .select_related("decision__decided_by")
        .first()
    )
    plan = current_plan(patient_id)
    draft = (
        TreatmentPlan.objects.with_status()
        .filter(patient_id=patient_id, signature__isnull=True)
        .first()
    )
    if draft is not None and plan is not None and draft.drafted_at < plan.drafted_at:
        draft = None
    upcoming = (
        Order.objects.with_status()
        .filter(patient_id=patient_id, session_on__gte=plan_today(patient_id))
        .order_by("session_on", "id")[:ORDERS_SHOWN]
    )
    orders = [order for order in upcoming if order.status != OrderStatus.VOID]
    audit.record(actor, Action.PLAN_VIEW, patient_id=patient_id, detail={"chart": True})
    return PlanChart(screening, plan, draft, orders)
