"""Orders: a session's dose from the current signed plan and the latest weight; the preparing
nurse's record and a second clinician's independent double-check that verify it.

``order_is_verified`` is what an infusion session requires before it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from ketaclinic.core import DomainInputError
from ketaclinic.dosing import (
    DoseRequest,
    DoseResult,
    DoubleCheckResult,
    WeightReading,
    WeightRecheckRequired,
    calculate_dose,
    compare_double_check,
    default_clinic_policy,
    derive_order,
    weight_recheck_reasons,
)
from ketaclinic.protocols import Protocol
from ketaclinic.records.accounts.choices import Meaning
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.signatures import confirm_signer
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.records.patients.allergies import allergy_problem
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import (
    Weighing,
    atomic_or,
    audits_refusals,
    authorize_on,
    get_or_404,
    local_today,
    refuse,
    validate,
)

from .calculation import (
    calculator_input,
    dose_columns,
    protocol_for,
    refuse_hard_limits,
    snapshot,
)
from .common import domain_input, plan_weighing, plan_zone
from .inputs import OrderIn, PreparedDoseIn, VerificationIn, WeightConfirmationIn
from .models import (
    DoubleCheck,
    Order,
    OrderStatus,
    Preparation,
    TreatmentPlan,
    WeightConfirmation,
)
from .prerequisites import exposure_for_order, refuse_unless_ready_to_order
from .services import current_plan_or_conflict, plan_request


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    double_checks: list[DoubleCheck]


@audits_refusals(Action.ORDER_CREATE)
def create_order(actor: Actor, plan_id: int, data: Mapping[str, Any]) -> Order:
    """The order for a session on ``session_on``: refused for a draft or superseded plan, a
    weight that needs a re-check, or a dose beyond a limit the signed plan did not override."""
    authorize_on(actor, Action.ORDER_CREATE, TreatmentPlan, plan_id, "patient_id")
    fields = validate(OrderIn, data)
    plan = current_plan_or_conflict(plan_id)
    on = fields.session_on
    today = local_today(plan_zone(plan.patient_id))
    if on < today:
        raise InvalidInput.single("session_on", "cannot be in the past")
    horizon = default_clinic_policy().weight_max_age_days
    if (on - today).days > horizon.value:
        raise InvalidInput.single(
            "session_on",
            f"is more than {horizon.value:g} days ahead: today's weight would be too old by "
            f"then ({horizon.source}); order nearer the session",
        )
    weighing = plan_weighing(plan.patient_id)
    confirmation = WeightConfirmation.objects.filter(
        plan=plan, measurement=weighing.measurement
    ).first()
    protocol = protocol_for(plan.protocol_id)
    if problem := allergy_problem(plan.patient, protocol.drug):
        raise Conflict(problem)
    refuse_unless_ready_to_order(plan.patient_id, protocol, on)
    with atomic_or(Conflict(f"plan {plan_id} already has an order for {on.isoformat()}")):
        # One order at a time per patient: the series and interval checks read the others.
        Patient.objects.select_for_update().get(pk=plan.patient_id)
        given_mg = _series_given_mg(plan.patient_id, on, protocol)
        result = _derived(plan, weighing, on, confirmation is not None, given_mg)
        exposure = exposure_for_order(
            actor, plan.patient_id, protocol, on, result.dose_mg, fields.exposure_override_reason
        )
        order = Order.objects.create(
            plan=plan,
            patient_id=plan.patient_id,
            session_on=on,
            measurement=weighing.measurement,
            weight_kg=weighing.weight_kg,
            weight_confirmation=confirmation,
            series_dose_mg_given=given_mg,
            dose_request=asdict(replace(plan_request(plan), weight_kg=weighing.weight_kg)),
            dose_result=snapshot(result),
            created_by=actor.user,
            **dose_columns(result),
        )
        audit.record(
            actor,
            Action.ORDER_CREATE,
            obj=order,
            patient_id=plan.patient_id,
            detail={
                "plan": plan.pk,
                "session_on": on.isoformat(),
                "dose_mg": order.dose_mg,
                "weight_kg": order.weight_kg,
                "weight_confirmed": confirmation is not None,
                "exposure": {
                    "sessions": exposure.sessions,
                    "total_mg": exposure.total_mg,
                    "level": exposure.level,
                    "override_reason": fields.exposure_override_reason,
                },
            },
        )
    return _order(order.pk)


@audits_refusals(Action.WEIGHT_CONFIRM)
def confirm_weight(actor: Actor, plan_id: int, data: Mapping[str, Any]) -> WeightConfirmation:
    """A physician confirms that the latest weight, changed since the plan, may be used."""
    authorize_on(actor, Action.WEIGHT_CONFIRM, TreatmentPlan, plan_id, "patient_id")
    fields = validate(WeightConfirmationIn, data)
    plan = current_plan_or_conflict(plan_id)
    weighing = plan_weighing(plan.patient_id)
    today = local_today(plan_zone(plan.patient_id))
    with calculator_input():
        reasons = weight_recheck_reasons(plan.weight_kg, _reading(weighing), today)
    if _stale(weighing, today):
        raise InvalidInput.single("weight_kg", "the latest weight is too old to confirm: weigh")
    if not reasons:
        raise Conflict("the latest weight needs no confirmation for this plan")
    with atomic_or(Conflict("this weight is already confirmed for the plan")):
        confirmation = WeightConfirmation.objects.create(
            plan=plan,
            measurement=weighing.measurement,
            weight_kg=weighing.weight_kg,
            reasons=list(reasons),
            note=fields.note,
            confirmed_by=actor.user,
        )
        audit.record(
            actor,
            Action.WEIGHT_CONFIRM,
            obj=confirmation,
            patient_id=plan.patient_id,
            detail={"plan": plan.pk, "weight_kg": weighing.weight_kg, "reasons": reasons},
        )
    return confirmation


@audits_refusals(Action.ORDER_PREPARE)
def prepare_order(actor: Actor, order_id: int, data: Mapping[str, Any]) -> Preparation:
    """The preparing nurse records what they made up; it must match the order."""
    authorize_on(actor, Action.ORDER_PREPARE, Order, order_id, "patient_id")
    fields = validate(PreparedDoseIn, data)
    order = _order(order_id)
    _refuse_unless(order, OrderStatus.AWAITING_PREPARATION)
    result = order_result(order)
    if result.rate_ml_per_h is not None and fields.rate_ml_per_h is None:
        raise InvalidInput.single("rate_ml_per_h", "enter the pump rate you programmed")
    # The order against what was prepared: the same comparison as the double-check's.
    compared = _compare(result, "the order", actor, fields)
    if not compared.matches:
        raise refuse(
            actor,
            Action.ORDER_PREPARE,
            _mismatch_errors(compared, "does not match the order: prepare it again"),
            obj=order,
            patient_id=order.patient_id,
            detail={"mismatches": list(compared.mismatches)},
        )
    with atomic_or(Conflict(f"order {order_id} has already been prepared")):
        preparation = Preparation.objects.create(
            order=order,
            dose_mg=fields.dose_mg,
            volume_ml=fields.volume_ml,
            rate_ml_per_h=fields.rate_ml_per_h,
            note=fields.note,
            prepared_by=actor.user,
        )
        audit.record_on(actor, Action.ORDER_PREPARE, order)
    return preparation


@audits_refusals(Action.ORDER_VERIFY)
def verify_order(actor: Actor, order_id: int, data: Mapping[str, Any]) -> DoubleCheck:
    """A second clinician enters the dose they computed. A match verifies the order; a
    mismatch is recorded and the order stays unverified. The preparer cannot verify."""
    authorize_on(actor, Action.ORDER_VERIFY, Order, order_id, "patient_id")
    fields = validate(VerificationIn, data)
    order = _order(order_id)
    _refuse_unless(order, OrderStatus.AWAITING_DOUBLE_CHECK)
    preparer = order.preparation.prepared_by
    if preparer.pk == actor.user.pk:
        raise refuse(
            actor,
            Action.ORDER_VERIFY,
            InvalidInput.single(
                "verified_by", "must be a second clinician, not the one who prepared the dose"
            ),
            obj=order,
            patient_id=order.patient_id,
            detail={"refused": "the clinician who prepared the dose cannot verify it"},
        )
    result = order_result(order)
    compared = _compare(result, str(preparer.pk), actor, fields)
    proof = confirm_signer(actor, Meaning.VERIFIED, password=fields.password, otp=fields.otp)
    with atomic_or(Conflict(f"order {order_id} has already been verified")):
        check = DoubleCheck.objects.create(
            order=order,
            dose_mg=fields.dose_mg,
            volume_ml=fields.volume_ml,
            rate_ml_per_h=fields.rate_ml_per_h,
            matches=compared.matches,
            mismatches=list(compared.mismatches),
            prepared_by=preparer,
            verified_by=actor.user,
            meaning=proof.meaning,
            credential=proof.credential,
        )
        audit.record_on(
            actor,
            Action.ORDER_VERIFY,
            order,
            detail={
                "matches": compared.matches,
                "mismatches": list(compared.mismatches),
                "meaning": proof.meaning,
                "credential": proof.credential,
            },
        )
    return check


def get_order(actor: Actor, order_id: int) -> OrderDetail:
    """An order with its status and double-checks; the read is audited."""
    authorize_on(actor, Action.PLAN_VIEW, Order, order_id, "patient_id")
    order = _order(order_id)
    checks = list(order.double_checks.select_related("verified_by"))
    audit.record_on(actor, Action.PLAN_VIEW, order)
    return OrderDetail(order, checks)


def order_status(order: Order) -> OrderStatus:
    """Where the order stands now (read afresh)."""
    status: OrderStatus = Order.objects.with_status().get(pk=order.pk).status
    return status


def order_is_verified(order: Order) -> bool:
    """Whether a session may start on this order: a second clinician's numbers matched it and
    its plan is still the current one."""
    return order_status(order) == OrderStatus.VERIFIED


def order_result(order: Order) -> DoseResult:
    """The order's dose computed again; the data files must not have changed since."""
    try:
        result = calculate_dose(
            DoseRequest(**order.dose_request), series_dose_mg_given=order.series_dose_mg_given
        )
    except DomainInputError as error:
        raise Conflict(f"this order can no longer be computed ({error}): make a new one") from None
    if (result.dose_mg, result.volume_ml, result.rate_ml_per_h) != (
        order.dose_mg,
        order.volume_ml,
        order.rate_ml_per_h,
    ):
        raise Conflict("the dosing data have changed since this order was made: make a new one")
    return result


def _order(order_id: int) -> Order:
    orders = Order.objects.with_status().select_related(
        "plan", "patient", "created_by", "measurement", "preparation__prepared_by"
    )
    return get_or_404(orders, order_id, "order")


def _refuse_unless(order: Order, expected: OrderStatus) -> None:
    if order.status == expected:
        return
    if order.status == OrderStatus.VOID:
        raise Conflict(f"order {order.pk} is void: its plan has been amended; make a new order")
    raise Conflict(f"order {order.pk} is {order.status.label.lower()}")


def _derived(
    plan: TreatmentPlan, weighing: Weighing, on: date, confirmed: bool, given_mg: float
) -> DoseResult:
    """The order's dose (``dosing.derive_order``), refused for a weight that needs a re-check,
    a hard limit, or a soft limit the signed plan did not override."""
    with calculator_input():
        try:
            result = derive_order(
                plan_request(plan),
                _reading(weighing),
                on,
                weight_confirmed=confirmed,
                series_dose_mg_given=given_mg,
            )
        except WeightRecheckRequired as error:
            advice = "weigh the patient again"
            if not _stale(weighing, on):
                advice += ", or a physician confirms this weight"
            raise InvalidInput.single(
                "weight_kg", f"re-check needed: {'; '.join(error.reasons)}; {advice}"
            ) from None
    refuse_hard_limits(result)
    _refuse_unapproved_soft_limits(plan, result)
    return result


def _reading(weighing: Weighing) -> WeightReading:
    return WeightReading(weighing.weight_kg, weighing.measured_on)


def _stale(weighing: Weighing, on: date) -> bool:
    return (on - weighing.measured_on).days > default_clinic_policy().weight_max_age_days.value


def _series_given_mg(patient_id: int, on: date, protocol: Protocol) -> float:
    """The mg ordered on earlier days within the protocol's series span (the latest order of
    each day); refuses a date closer to another order than the protocol's minimum interval."""
    span_days = protocol.series_span_days.value
    gap = protocol.min_interval_days
    reach = timedelta(days=max(span_days, gap.value))
    by_day: dict[date, float] = {}
    nearby = Order.objects.filter(
        patient_id=patient_id, session_on__gt=on - reach, session_on__lt=on + reach
    ).exclude(session_on=on)
    for day, dose_mg in nearby.order_by("id").values_list("session_on", "dose_mg"):
        by_day[day] = dose_mg
    too_close = sorted(day for day in by_day if abs((day - on).days) < gap.value)
    if too_close:
        raise InvalidInput.single(
            "session_on",
            f"is within {gap.value:g} day(s) of the order for {too_close[0].isoformat()}: "
            f"the protocol's minimum interval ({gap.source})",
        )
    return sum(mg for day, mg in by_day.items() if (on - day).days < span_days and day < on)


def _refuse_unapproved_soft_limits(plan: TreatmentPlan, result: DoseResult) -> None:
    """At today's weight a soft limit may be exceeded that the signed plan did not override."""
    approved = set(plan.overrides.values_list("limit", flat=True))
    errors = [
        FieldError(
            check.limit,
            f"{check.describe()}: the signed plan has no override for it; a physician amends "
            "the plan",
        )
        for check in result.soft_exceeded
        if check.limit not in approved
    ]
    if errors:
        raise InvalidInput(errors)


def _compare(
    result: DoseResult,
    prepared_by: str,
    actor: Actor,
    fields: PreparedDoseIn | VerificationIn,
) -> DoubleCheckResult:
    with domain_input():
        return compare_double_check(
            result,
            prepared_by=prepared_by,
            verified_by=str(actor.user.pk),
            dose_mg=fields.dose_mg,
            rate_ml_per_h=fields.rate_ml_per_h,
            volume_ml=fields.volume_ml,
        )


def _mismatch_errors(compared: DoubleCheckResult, advice: str) -> InvalidInput:
    return InvalidInput(
        [
            FieldError(line.split(":", 1)[0], f"{line.split(':', 1)[1].strip()}; {advice}")
            for line in compared.mismatches
        ]
    )
