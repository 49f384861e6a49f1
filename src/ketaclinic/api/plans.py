"""Screening, treatment plan, order, double-check and titration endpoints.

Under /patients/{id}: screenings, the live dose, plans, the patient's plan summary; then
/screenings/{id}, /plans/{id}, /orders/{id} and /titrations/{id} for what follows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ketaclinic.records.plans import orders, screening, services, titration
from ketaclinic.records.plans.calculation import snapshot
from ketaclinic.records.plans.choices import OrderStatus
from ketaclinic.records.plans.inputs import (
    AmendmentIn,
    DoseChoices,
    OrderIn,
    PreparedDoseIn,
    ScreeningDecisionIn,
    ScreeningIn,
    SignIn,
    TitrationDecisionIn,
    TitrationIn,
    VerificationIn,
    WeightConfirmationIn,
)

from .auth import actor
from .errors import ERRORS
from .schemas import username

if TYPE_CHECKING:
    from ketaclinic.records.plans.models import (
        DoubleCheck,
        Screening,
        TitrationDecision,
        TitrationProposal,
        TreatmentPlan,
        WeightConfirmation,
    )

patient_router = Router(tags=["plans"])
screening_router = Router(tags=["plans"])
plan_router = Router(tags=["plans"])
order_router = Router(tags=["plans"])
titration_router = Router(tags=["plans"])


class ScreeningDecisionOut(Schema):
    decision: str
    note: str
    decided_by: str
    decided_at: datetime


class ScreeningOut(Schema):
    id: int
    patient_id: int
    outcome: str
    facts: dict[str, Any]
    result: dict[str, Any]
    """Findings with reasons and sources, and the pre-infusion tests required."""
    rule_set_version: str
    protocol_id: str
    screened_by: str
    screened_at: datetime
    decision: ScreeningDecisionOut | None


class OverrideOut(Schema):
    limit: str
    value: float
    bound_name: str
    bound_value: float
    bound_source: str
    reason: str
    overridden_by: str
    overridden_at: datetime


class PrnOrderOut(Schema):
    id: int
    drug: str
    route: str
    indication: str
    dose_mg: float
    dose_hard_max_mg: float
    max_per_session_mg: float
    sources: dict[str, Any]


class PlanOut(Schema):
    id: int
    patient_id: int
    status: str
    """draft, current (signed) or superseded."""
    protocol_id: str
    protocol_version: str
    versions: dict[str, str]
    sessions: int
    weight_kg: float
    weight_used_kg: float
    dose_mg_per_kg: float
    prescribed_dose_mg: float
    dose_mg: float
    duration_min: float
    volume_ml: float | None
    rate_ml_per_h: float | None
    concentration_mg_per_ml: float | None
    dose: dict[str, Any]
    """The calculator's output: limit checks with bounds and sources, preparation steps,
    warnings, and ``pk_doses`` for the PK preview."""
    screening_decision_id: int
    amends_id: int | None
    amendment_reason: str
    drafted_by: str
    drafted_at: datetime
    signed_by: str | None
    signed_at: datetime | None
    signature_meaning: str | None
    """The signature's meaning (``authored``); null while a draft."""
    overrides: list[OverrideOut]
    prn_orders: list[PrnOrderOut]
    """The as-needed rescue drug orders signed with the plan."""


class PreparationOut(Schema):
    dose_mg: float
    volume_ml: float | None
    rate_ml_per_h: float | None
    note: str
    prepared_by: str
    prepared_at: datetime


class DoubleCheckOut(Schema):
    id: int
    order_id: int
    matches: bool
    mismatches: list[str]
    dose_mg: float
    volume_ml: float | None
    rate_ml_per_h: float | None
    verified_by: str
    verified_at: datetime
    meaning: str
    """The double-check's meaning as a signature: ``verified``."""
    order_verified: bool


class OrderOut(Schema):
    id: int
    plan_id: int
    patient_id: int
    session_on: date
    status: str
    """awaiting_preparation, awaiting_double_check, verified, or void (plan amended)."""
    verified: bool
    weight_kg: float
    weight_confirmed: bool
    dose_mg_per_kg: float
    dose_mg: float
    duration_min: float
    volume_ml: float | None
    rate_ml_per_h: float | None
    concentration_mg_per_ml: float | None
    series_dose_mg_given: float
    dose: dict[str, Any]
    preparation: PreparationOut | None
    double_checks: list[DoubleCheckOut]
    created_by: str
    created_at: datetime


class WeightConfirmationOut(Schema):
    id: int
    plan_id: int
    weight_kg: float
    reasons: list[str]
    note: str
    confirmed_by: str
    confirmed_at: datetime


class TitrationDecisionOut(Schema):
    accepted: bool
    value: float
    note: str
    amendment_id: int | None
    """The signed plan version that carries a changed dose."""
    decided_by: str
    decided_at: datetime


class TitrationOut(Schema):
    id: int
    plan_id: int
    order_id: int | None
    worst_side_effect: str
    cadss6_score: float | None
    peak_sbp_mm_hg: float | None
    peak_heart_rate_per_min: float | None
    baseline_pain_nrs: float
    pain_after_nrs: float
    quantity: str
    current_value: float
    proposed_value: float
    action: str
    reasons: list[str]
    rule_id: str
    rule_version: str
    recorded_by: str
    recorded_at: datetime
    decision: TitrationDecisionOut | None


class PlanSummaryOut(Schema):
    protocol_name: str
    route: str
    sessions: int
    duration_min: float
    observation_min: float
    evidence_note: str
    signed_at: datetime
    signed_by: str


def _fields(record: Any, names: tuple[str, ...], **users: Any) -> dict[str, Any]:
    """The named attributes of ``record``, and each user given by keyword as a username."""
    return {
        **{name: getattr(record, name) for name in names},
        **{key: username(user) for key, user in users.items()},
    }


def _screening(found: Screening) -> dict[str, Any]:
    decision = getattr(found, "decision", None)
    return {
        **{name: getattr(found, name) for name in ("id", "patient_id", "outcome", "facts")},
        **{name: getattr(found, name) for name in ("result", "rule_set_version", "protocol_id")},
        "screened_by": username(found.screened_by),
        "screened_at": found.screened_at,
        "decision": None
        if decision is None
        else {
            "decision": decision.decision,
            "note": decision.note,
            "decided_by": username(decision.decided_by),
            "decided_at": decision.decided_at,
        },
    }


_PLAN_FIELDS = (
    "id",
    "patient_id",
    "protocol_id",
    "protocol_version",
    "versions",
    "sessions",
    "weight_kg",
    "weight_used_kg",
    "dose_mg_per_kg",
    "prescribed_dose_mg",
    "dose_mg",
    "duration_min",
    "volume_ml",
    "rate_ml_per_h",
    "concentration_mg_per_ml",
    "screening_decision_id",
    "amends_id",
    "amendment_reason",
    "drafted_at",
)


def _plan(plan: TreatmentPlan) -> dict[str, Any]:
    signature = plan.signature if plan.is_signed else None
    return {
        **{name: getattr(plan, name) for name in _PLAN_FIELDS},
        "status": plan.status.value,
        "dose": plan.dose_result,
        "drafted_by": username(plan.drafted_by),
        "signed_by": username(signature.signed_by) if signature else None,
        "signed_at": signature.signed_at if signature else None,
        "signature_meaning": signature.meaning if signature else None,
        "overrides": [
            {
                **{
                    name: getattr(override, name)
                    for name in ("limit", "value", "bound_name", "bound_value", "bound_source")
                },
                "reason": override.reason,
                "overridden_by": username(override.overridden_by),
                "overridden_at": override.overridden_at,
            }
            for override in plan.overrides.all()
        ],
        "prn_orders": list(plan.prn_orders.all()),
    }


_ORDER_FIELDS = (
    "id",
    "plan_id",
    "patient_id",
    "session_on",
    "weight_kg",
    "dose_mg_per_kg",
    "dose_mg",
    "duration_min",
    "volume_ml",
    "rate_ml_per_h",
    "concentration_mg_per_ml",
    "series_dose_mg_given",
    "created_at",
)


def _order(detail: orders.OrderDetail) -> dict[str, Any]:
    order = detail.order
    preparation = order.preparation if order.is_prepared else None
    return {
        **{name: getattr(order, name) for name in _ORDER_FIELDS},
        "status": order.status.value,
        "verified": order.status == OrderStatus.VERIFIED,
        "weight_confirmed": order.weight_confirmation_id is not None,
        "dose": order.dose_result,
        "created_by": username(order.created_by),
        "preparation": None
        if preparation is None
        else _fields(
            preparation,
            ("dose_mg", "volume_ml", "rate_ml_per_h", "note", "prepared_at"),
            prepared_by=preparation.prepared_by,
        ),
        "double_checks": [
            _double_check(check, order.status == OrderStatus.VERIFIED)
            for check in detail.double_checks
        ],
    }


def _double_check(check: DoubleCheck, order_verified: bool) -> dict[str, Any]:
    return {
        **_fields(
            check,
            ("id", "order_id", "matches", "mismatches", "dose_mg", "volume_ml", "rate_ml_per_h"),
            verified_by=check.verified_by,
        ),
        "verified_at": check.verified_at,
        "meaning": check.meaning,
        "order_verified": order_verified,
    }


def titration_out(proposal: TitrationProposal) -> dict[str, Any]:
    decision: TitrationDecision | None = getattr(proposal, "decision", None)
    return {
        **{
            name: getattr(proposal, name)
            for name in TitrationOut.model_fields
            if name not in ("recorded_by", "decision")
        },
        "recorded_by": username(proposal.recorded_by),
        "decision": None
        if decision is None
        else _fields(
            decision,
            ("accepted", "value", "note", "amendment_id", "decided_at"),
            decided_by=decision.decided_by,
        ),
    }


def _confirmation(confirmation: WeightConfirmation) -> dict[str, Any]:
    return _fields(
        confirmation,
        ("id", "plan_id", "weight_kg", "reasons", "note", "confirmed_at"),
        confirmed_by=confirmation.confirmed_by,
    )


@patient_router.post("/{patient_id}/screenings", response={201: ScreeningOut, **ERRORS})
def run_screening(
    request: HttpRequest, patient_id: int, data: ScreeningIn
) -> Status[dict[str, Any]]:
    """Screen the patient's record (age, sex, latest weight and height, history, medications)
    with the facts it lacks (pregnancy status, latest vitals, the planned protocol)."""
    found = screening.run_screening(actor(request), patient_id, data.model_dump(exclude_unset=True))
    return Status(201, _screening(found))


@patient_router.get("/{patient_id}/screenings", response={200: list[ScreeningOut], **ERRORS})
def list_screenings(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """The latest screenings, newest first, with the physician's decisions."""
    return [_screening(found) for found in screening.screenings(actor(request), patient_id)]


@screening_router.post("/{screening_id}/decision", response={201: ScreeningOut, **ERRORS})
def decide_screening(
    request: HttpRequest, screening_id: int, data: ScreeningDecisionIn
) -> Status[dict[str, Any]]:
    """A physician records eligible, proceed_after_review or not_eligible, with a note."""
    decision = screening.decide(actor(request), screening_id, data.model_dump())
    return Status(201, _screening(decision.screening))


@patient_router.post("/{patient_id}/plans/calculate", response={200: dict[str, Any], **ERRORS})
def calculate(request: HttpRequest, patient_id: int, data: DoseChoices) -> dict[str, Any]:
    """The dose the choices give on the patient's latest weight, with every limit check;
    nothing is written. A hard limit shows as ``blocked``."""
    result = services.calculate(actor(request), patient_id, data.model_dump(exclude_unset=True))
    return snapshot(result)


@patient_router.post("/{patient_id}/plans", response={201: PlanOut, **ERRORS})
def draft_plan(request: HttpRequest, patient_id: int, data: DoseChoices) -> Status[dict[str, Any]]:
    """Draft a plan for a patient whose latest screening allows one; a hard limit refuses it
    (422 naming the limit)."""
    plan = services.draft_plan(actor(request), patient_id, data.model_dump(exclude_unset=True))
    return Status(201, _plan(plan))


@patient_router.get("/{patient_id}/plans", response={200: list[PlanOut], **ERRORS})
def list_plans(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """Every version and draft, newest first."""
    return [_plan(plan) for plan in services.list_plans(actor(request), patient_id)]


@patient_router.get("/{patient_id}/plan-summary", response={200: PlanSummaryOut | None, **ERRORS})
def plan_summary(request: HttpRequest, patient_id: int) -> services.PlanSummary | None:
    """The current plan without doses (patients may read their own); null when none."""
    return services.plan_summary(actor(request), patient_id)


@plan_router.get("/{plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _plan(services.get_plan(actor(request), plan_id).plan)


@plan_router.post("/{plan_id}/sign", response={200: PlanOut, **ERRORS})
def sign_plan(request: HttpRequest, plan_id: int, data: SignIn) -> dict[str, Any]:
    """Sign a draft; each soft limit it exceeds needs ``overrides.<limit>``: the reason."""
    plan = services.sign_plan(actor(request), plan_id, data.model_dump())
    return _plan(plan)


@plan_router.post("/{plan_id}/amendments", response={201: PlanOut, **ERRORS})
def amend_plan(request: HttpRequest, plan_id: int, data: AmendmentIn) -> Status[dict[str, Any]]:
    """Draft a new version of the current plan (values left out are kept); sign it to make
    it supersede the plan."""
    amendment = services.amend_plan(actor(request), plan_id, data.model_dump(exclude_unset=True))
    return Status(201, _plan(amendment))


@plan_router.post("/{plan_id}/orders", response={201: OrderOut, **ERRORS})
def create_order(request: HttpRequest, plan_id: int, data: OrderIn) -> Status[dict[str, Any]]:
    """The order for a session date, from the current signed plan and the latest weight."""
    order = orders.create_order(actor(request), plan_id, data.model_dump())
    return Status(201, _order(orders.OrderDetail(order, [])))


@plan_router.post(
    "/{plan_id}/weight-confirmations", response={201: WeightConfirmationOut, **ERRORS}
)
def confirm_weight(
    request: HttpRequest, plan_id: int, data: WeightConfirmationIn
) -> Status[dict[str, Any]]:
    """A physician confirms the latest weight, changed by more than the clinic's fraction."""
    confirmation = orders.confirm_weight(actor(request), plan_id, data.model_dump())
    return Status(201, _confirmation(confirmation))


@plan_router.post("/{plan_id}/titrations", response={201: TitrationOut, **ERRORS})
def record_titration(
    request: HttpRequest, plan_id: int, data: TitrationIn
) -> Status[dict[str, Any]]:
    """Record a session's tolerance and response; the rule proposes the next dose."""
    proposal = titration.record_titration(actor(request), plan_id, data.model_dump())
    return Status(201, titration_out(proposal))


@order_router.get("/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return _order(orders.get_order(actor(request), order_id))


@order_router.post("/{order_id}/preparation", response={201: OrderOut, **ERRORS})
def prepare_order(
    request: HttpRequest, order_id: int, data: PreparedDoseIn
) -> Status[dict[str, Any]]:
    """The preparing nurse records what they made up; it must match the order."""
    orders.prepare_order(actor(request), order_id, data.model_dump())
    return Status(201, _order(orders.get_order(actor(request), order_id)))


@order_router.post("/{order_id}/verification", response={201: DoubleCheckOut, **ERRORS})
def verify_order(
    request: HttpRequest, order_id: int, data: VerificationIn
) -> Status[dict[str, Any]]:
    """A second clinician's own numbers: ``matches`` false leaves the order unverified (the
    mismatch is recorded); the clinician who prepared it is refused (422)."""
    check = orders.verify_order(actor(request), order_id, data.model_dump())
    return Status(201, _double_check(check, orders.order_is_verified(check.order)))


@titration_router.post("/{proposal_id}/decision", response={201: TitrationOut, **ERRORS})
def decide_titration(
    request: HttpRequest, proposal_id: int, data: TitrationDecisionIn
) -> Status[dict[str, Any]]:
    """Accept the proposal, or give the dose decided with a note; a changed dose is signed as
    an amendment (``overrides`` for soft limits it exceeds)."""
    decision = titration.decide_titration(actor(request), proposal_id, data.model_dump())
    return Status(201, titration_out(decision.proposal))
