"""What a signed plan asks of the schedule: the visit (its phases and length) and the series
rule (count, spacing, span), from the plan and its protocol's data; and the plain visit types."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ketaclinic import scheduling
from ketaclinic.core import DomainInputError
from ketaclinic.protocols import Protocol, get_protocol
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.plans.models import PlanStatus, TreatmentPlan

from .choices import AppointmentType
from .policy import booking_policy


@dataclass(frozen=True)
class PlanVisit:
    """A signed plan with the visit and series rule its protocol gives."""

    plan: TreatmentPlan
    protocol: Protocol
    visit: scheduling.AppointmentType
    rule: scheduling.SeriesRule

    @property
    def label(self) -> str:
        return (
            f"{self.protocol.name}: {self.plan.sessions} sessions of {self.visit.duration_min} min"
        )


def signed_plan(patient_id: int, plan_id: int, field: str = "plan_id") -> TreatmentPlan:
    """The patient's current signed plan ``plan_id``, or ``InvalidInput`` saying why not."""
    plan = (
        TreatmentPlan.objects.with_status()
        .select_related("signature")
        .filter(pk=plan_id, patient_id=patient_id)
        .first()
    )
    if plan is None:
        raise InvalidInput.single(field, f"plan {plan_id} is not a plan of this patient")
    if plan.status == PlanStatus.DRAFT:
        raise InvalidInput.single(
            field, f"plan {plan_id} is not signed: a series is booked only for a signed plan"
        )
    if plan.status == PlanStatus.SUPERSEDED:
        raise InvalidInput.single(
            field,
            f"plan {plan_id} has been superseded by a signed amendment: book the current plan",
        )
    return plan


def current_plans(patient_id: int) -> list[TreatmentPlan]:
    """The patient's signed plans that no amendment supersedes (one lineage: at most one)."""
    return list(TreatmentPlan.objects.with_status().current().filter(patient_id=patient_id))


def plan_visit(plan: TreatmentPlan, field: str = "plan_id") -> PlanVisit:
    """The visit and series rule for a signed plan; data that cannot make one is named."""
    try:
        protocol = get_protocol(plan.protocol_id)
        visit = _visit(plan, protocol)
        rule = scheduling.SeriesRule(
            count=plan.sessions,
            min_spacing_h=protocol.min_interval_days.value * 24,
            max_spacing_h=max(
                scheduling.default_series_rule().max_spacing_h,
                protocol.min_interval_days.value * 24,
            ),
            max_span_days=protocol.series_span_days.value,
        )
    except DomainInputError as error:
        raise InvalidInput.single(field, f"{error.field}: {error.message}") from None
    return PlanVisit(plan, protocol, visit, rule)


def _visit(plan: TreatmentPlan, protocol: Protocol) -> scheduling.AppointmentType:
    observation_min = math.ceil(protocol.observation_min.value)
    if protocol.route == "iv_infusion":
        return scheduling.infusion_visit(
            infusion_min=math.ceil(plan.duration_min), recovery_min=observation_min
        )
    if protocol.route == "intranasal":
        return scheduling.esketamine_visit(observation_min=observation_min)
    policy = booking_policy()
    return scheduling.AppointmentType(
        id=AppointmentType.IM_INJECTION,
        label=policy.im_label,
        phases=(
            scheduling.Phase("preparation", policy.im_preparation_min),
            scheduling.Phase("administration", policy.im_administration_min),
            scheduling.Phase("observation", observation_min),
        ),
        needs_chair=True,
        version=policy.version,
    )


def plain_visit(kind: str) -> scheduling.AppointmentType:
    """A visit that needs no plan: a consultation or a follow-up call."""
    if kind == AppointmentType.CONSULTATION:
        return scheduling.consultation()
    if kind == AppointmentType.FOLLOW_UP_CALL:
        return scheduling.follow_up_call()
    raise InvalidInput.single("appointment_type", f"{kind!r} needs a plan (plan_id)")
