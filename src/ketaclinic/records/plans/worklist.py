"""A physician's plans to sign and a nurse's orders to prepare and double-check, for their
home pages."""

from __future__ import annotations

from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist

from .models import Order, OrderStatus, TreatmentPlan


def plans_to_sign(actor: Actor) -> Worklist:
    """Drafted plans and amendments no physician has signed yet, oldest first."""
    authorize(actor, Action.PLAN_SIGN)
    rows = (
        TreatmentPlan.objects.with_status()
        .filter(is_signed=False)
        .select_related("patient")
        .order_by("drafted_at", "id")
    )
    return worklist(
        actor,
        Action.PLAN_SIGN,
        "Plans to sign",
        rows,
        lambda plan: WorkItem(
            "plan",
            plan.pk,
            person(plan.patient),
            "Amendment to sign" if plan.amends_id else "Treatment plan to sign",
            plan.drafted_at,
            plan.patient_id,
        ),
    )


def orders_to_verify(actor: Actor) -> Worklist:
    """Today's orders not yet prepared or not yet double-checked (void ones left out)."""
    authorize(actor, Action.ORDER_VERIFY)
    rows = (
        Order.objects.with_status()
        .filter(session_on=timezone.localdate(), is_verified=False, plan_superseded=False)
        .select_related("patient")
        .order_by("id")
    )
    return worklist(
        actor,
        Action.ORDER_VERIFY,
        "Preparations to double-check",
        rows,
        lambda order: WorkItem(
            "order",
            order.pk,
            person(order.patient),
            f"{OrderStatus(order.status).label} · {order.dose_mg:g} mg",
            None,
            order.patient_id,
        ),
    )
