"""A rescue drug is given against one of the plan's PRN orders, with the dosing package's
limits: above the single-dose or per-session maximum it is refused, above the ordered dose it
needs the nurse's reason, and never to a patient allergic to the drug."""

from __future__ import annotations

from django.db.models import Sum

from ketaclinic.core import Sourced
from ketaclinic.dosing.rescue import check_rescue_dose, rescue_limits
from ketaclinic.protocols import LimitRange, LimitStatus
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.plans.models import PrnOrder
from ketaclinic.screening.allergies import allergic_to

from .inputs import RescueMedicationIn
from .models import RescueMedication, Session


def prn_orders_for(session: Session) -> list[PrnOrder]:
    """The PRN orders of the plan the session's order comes from."""
    return list(PrnOrder.objects.filter(plan_id=session.order.plan_id))


def checked_prn_order(
    session: Session, fields: RescueMedicationIn, amends: RescueMedication | None
) -> PrnOrder:
    """The PRN order the dose is given against, once the dose passes its limits."""
    order = PrnOrder.objects.filter(pk=fields.prn_order_id, plan_id=session.order.plan_id).first()
    if order is None:
        raise InvalidInput.single("prn_order_id", "is not a PRN order of this session's plan")
    allergy = allergic_to(patient_allergies(session.patient), order.drug)
    if allergy is not None:
        raise InvalidInput.single(
            "prn_order_id",
            f"the patient is allergic to {order.drug} ({allergy.describe()}): call the physician",
        )
    earlier = RescueMedication.objects.current().filter(session=session, prn_order=order)
    if amends is not None:
        earlier = earlier.exclude(pk=amends.pk)
    given_before_mg = earlier.aggregate(total=Sum("dose_mg"))["total"] or 0.0
    checks = check_rescue_dose(_limits(order), fields.dose_mg, given_before_mg)
    hard = [c for c in checks if c.status is LimitStatus.HARD_EXCEEDED]
    if hard:
        raise InvalidInput.single(
            "dose_mg",
            f"{hard[0].describe()} (PRN {order.drug}, {given_before_mg:g} mg given before in "
            "this session): it cannot be given; call the physician",
        )
    soft = [c for c in checks if c.status is LimitStatus.SOFT_EXCEEDED]
    if soft and not fields.limit_reason.strip():
        raise InvalidInput.single("limit_reason", f"{soft[0].describe()}: say why")
    if fields.limit_reason.strip() and not soft:
        raise InvalidInput.single("limit_reason", "the dose is within the order: leave it out")
    return order


def _limits(order: PrnOrder) -> tuple[LimitRange, LimitRange]:
    sources = order.sources
    return rescue_limits(
        _sourced(order.dose_mg, sources.get("dose_mg")),
        _sourced(order.dose_hard_max_mg, sources.get("dose_hard_max_mg")),
        _sourced(order.max_per_session_mg, sources.get("max_per_session_mg")),
    )


def _sourced(value: float, stored: object) -> Sourced:
    source = stored.get("source", "") if isinstance(stored, dict) else ""
    return Sourced(value=value, source=source or "the PRN order")
