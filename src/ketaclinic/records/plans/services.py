"""Treatment plans: the live dose, drafting, signing with soft-limit overrides, amending, reading.

A plan is drafted with its dose computed (a hard limit refuses the draft), signed by a
physician (each soft limit it exceeds needs the physician's reason), and never changed: an
amendment is a new version that supersedes it when signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from ketaclinic.core import DomainInputError
from ketaclinic.dosing import DoseRequest, DoseResult, check_overrides
from ketaclinic.protocols import Protocol, get_protocol
from ketaclinic.records.accounts.choices import Meaning
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.accounts.signatures import SignatureProof, confirm_signer
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.patients.signals import outcome_changed
from ketaclinic.records.toolkit import (
    atomic_or,
    audits_refusals,
    authorize_on,
    get_or_404,
    patient_id_of,
    validate,
)

from .calculation import (
    Body,
    calculate_series,
    choices_of,
    dose_columns,
    dose_request,
    patient_body,
    protocol_for,
    refuse_hard_limits,
    sessions_for,
    snapshot,
    versions,
)
from .inputs import AmendmentIn, DoseChoices, SignIn
from .models import (
    LimitOverride,
    Order,
    PlanSignature,
    PlanStatus,
    ScreeningDecision,
    TitrationProposal,
    TreatmentPlan,
)
from .prerequisites import refuse_unless_ready_to_sign
from .prn import LeftOut, left_out_for, write_prn_orders
from .screening import plan_allowing_decision

PLANS_SHOWN = 50


@dataclass(frozen=True)
class Version:
    """A plan version computed and checked, ready to be written."""

    decision: ScreeningDecision
    protocol: Protocol
    sessions: int
    body: Body
    request: DoseRequest
    result: DoseResult


@dataclass(frozen=True)
class PlanDetail:
    plan: TreatmentPlan
    protocol: Protocol | None
    """The protocol as packaged now (None if it is no longer packaged)."""
    overrides: list[LimitOverride]
    orders: list[Order]
    titrations: list[TitrationProposal]
    prn_left_out: list[LeftOut]
    """Drugs of the PRN order set the patient's allergies leave out."""


@dataclass(frozen=True)
class PlanSummary:
    """What a patient may see of their current plan: no doses."""

    protocol_name: str
    route: str
    sessions: int
    duration_min: float
    observation_min: float
    evidence_note: str
    signed_at: datetime
    signed_by: str


@audits_refusals(Audited.PLAN_CALCULATE)
def calculate(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> DoseResult:
    """The dose the choices give for this patient now: nothing is written (the read is audited).

    A hard limit does not raise here: the result says it is blocked."""
    authorize(actor, Action.PLAN_DRAFT, patient_id=patient_id)
    choices = validate(DoseChoices, data)
    patient = patient_or_404(patient_id)
    protocol = protocol_for(choices.protocol)
    sessions = sessions_for(protocol, choices.sessions)
    request = dose_request(choices, patient_body(patient), protocol.version)
    result = calculate_series(request, sessions)
    audit.record_on(
        actor,
        Audited.PLAN_CALCULATE,
        patient,
        detail={"protocol": protocol.id, "blocked": result.blocked},
    )
    return result


def compute_version(patient: Patient, choices: DoseChoices) -> Version:
    """Check the screening decision and compute the dose; hard limits refuse. No writes."""
    decision = plan_allowing_decision(patient.pk)
    protocol = protocol_for(choices.protocol)
    sessions = sessions_for(protocol, choices.sessions)
    body = patient_body(patient)
    request = dose_request(choices, body, protocol.version)
    result = calculate_series(request, sessions)
    refuse_hard_limits(result)
    return Version(decision, protocol, sessions, body, request, result)


def write_version(
    actor: Actor,
    patient: Patient,
    version: Version,
    *,
    amends: TreatmentPlan | None = None,
    reason: str = "",
) -> TreatmentPlan:
    """Create the draft and its audit entry; call inside the caller's transaction."""
    result = version.result
    plan = TreatmentPlan.objects.create(
        patient=patient,
        screening_decision=version.decision,
        amends=amends,
        amendment_reason=reason,
        protocol_id=version.protocol.id,
        protocol_version=version.protocol.version,
        versions=versions(result, version.decision.screening.rule_set_version),
        sessions=version.sessions,
        measurement=version.body.weighing.measurement,
        weight_kg=result.weight_kg,
        weight_used_kg=result.weight_used_kg,
        prescribed_dose_mg=result.prescribed_dose_mg,
        dose_request=asdict(version.request),
        dose_result=snapshot(result),
        drafted_by=actor.user,
        **dose_columns(result),
    )
    write_prn_orders(plan, patient)
    audit.record(
        actor,
        Action.PLAN_DRAFT,
        obj=plan,
        patient_id=patient.pk,
        detail={
            "protocol": plan.protocol_id,
            "dose_mg": plan.dose_mg,
            "amends": amends.pk if amends else None,
            "soft_exceeded": [check.limit for check in result.soft_exceeded],
        },
    )
    return plan


@audits_refusals(Action.PLAN_DRAFT)
def draft_plan(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> TreatmentPlan:
    """A new plan for a screened patient who has none signed (else amend it)."""
    authorize(actor, Action.PLAN_DRAFT, patient_id=patient_id)
    choices = validate(DoseChoices, data)
    patient = patient_or_404(patient_id)
    if TreatmentPlan.objects.filter(patient=patient).current().exists():
        raise Conflict("the patient has a signed plan: amend it instead")
    version = compute_version(patient, choices)
    with transaction.atomic():
        plan = write_version(actor, patient, version)
    return _plan(plan.pk)


@audits_refusals(Action.PLAN_DRAFT)
def amend_plan(actor: Actor, plan_id: int, data: Mapping[str, Any]) -> TreatmentPlan:
    """Draft a new version of the current signed plan; it supersedes the plan when signed."""
    authorize_on(actor, Action.PLAN_DRAFT, TreatmentPlan, plan_id, "patient_id")
    fields = validate(AmendmentIn, data)
    plan = _plan(plan_id)
    if plan.status != PlanStatus.CURRENT:
        raise Conflict(f"plan {plan_id} is {plan.status.label.lower()}: amend the current plan")
    version = compute_version(plan.patient, _amended_choices(plan, fields))
    with transaction.atomic():
        amendment = write_version(actor, plan.patient, version, amends=plan, reason=fields.reason)
    return _plan(amendment.pk)


def checked_overrides(
    actor: Actor, patient_id: int, result: DoseResult, overrides: Mapping[str, str]
) -> None:
    """Refuse a hard limit, and a soft limit without the physician's reason (or a reason for a
    limit the dose does not exceed). Giving reasons needs the override permission."""
    if overrides:
        authorize(actor, Action.PLAN_OVERRIDE, patient_id=patient_id)
    refuse_hard_limits(result)
    try:
        check_overrides(result, overrides)
    except DomainInputError as error:
        field = error.field.replace("override.", "overrides.", 1)
        raise InvalidInput.single(field, error.message) from None


def write_signature(
    actor: Actor,
    plan: TreatmentPlan,
    result: DoseResult,
    overrides: Mapping[str, str],
    proof: SignatureProof,
) -> PlanSignature:
    """Sign, record each override with its reason, and audit both; inside a transaction."""
    signature = PlanSignature.objects.create(
        plan=plan,
        patient_id=plan.patient_id,
        supersedes_id=plan.amends_id,
        signed_by=actor.user,
        meaning=proof.meaning,
        credential=proof.credential,
    )
    for check in result.soft_exceeded:
        bound = check.bound
        LimitOverride.objects.create(
            plan=plan,
            limit=check.limit,
            value=check.value,
            bound_name=check.bound_name or "",
            bound_value=bound.value if bound else check.value,
            bound_source=bound.source if bound else "",
            reason=overrides[check.limit],
            overridden_by=actor.user,
        )
        audit.record_on(
            actor,
            Action.PLAN_OVERRIDE,
            plan,
            detail={"limit": check.limit, "value": check.value, "reason": overrides[check.limit]},
        )
    audit.record_on(
        actor,
        Action.PLAN_SIGN,
        plan,
        detail={
            "protocol": plan.protocol_id,
            "protocol_version": plan.protocol_version,
            "dose_mg": plan.dose_mg,
            "supersedes": plan.amends_id,
            "overrides": sorted(overrides),
            "meaning": proof.meaning,
            "credential": proof.credential,
        },
    )
    return signature


@audits_refusals(Action.PLAN_SIGN)
def sign_plan(actor: Actor, plan_id: int, data: Mapping[str, Any]) -> TreatmentPlan:
    """A physician signs a draft; an amendment's signature supersedes the plan it amends.

    Giving override reasons needs the override permission, checked first."""
    patient_id = patient_id_of(TreatmentPlan, plan_id, "patient_id")
    if isinstance(data, Mapping) and data.get("overrides"):
        authorize(actor, Action.PLAN_OVERRIDE, patient_id=patient_id)
    authorize(actor, Action.PLAN_SIGN, patient_id=patient_id)
    fields = validate(SignIn, data)
    plan = _plan(plan_id)
    if plan.is_signed:
        raise Conflict(f"plan {plan_id} is already signed: amend it to change it")
    result = _recomputed(plan)
    checked_overrides(actor, plan.patient_id, result, fields.overrides)
    refuse_unless_ready_to_sign(plan.patient_id, protocol_for(plan.protocol_id))
    proof = confirm_signer(actor, Meaning.AUTHORED, password=fields.password, otp=fields.otp)
    with atomic_or(Conflict("the patient's plan changed meanwhile: reload and try again")):
        Patient.objects.select_for_update().get(pk=plan.patient_id)
        current = TreatmentPlan.objects.filter(patient_id=plan.patient_id).current()
        if plan.amends_id is None and current.exists():
            raise Conflict("the patient has a signed plan: this draft must amend it")
        if plan.amends_id is not None and not current.filter(pk=plan.amends_id).exists():
            raise Conflict(f"plan {plan.amends_id} has been superseded: amend the current plan")
        write_signature(actor, plan, result, fields.overrides, proof)
        outcome_changed(plan.patient_id)
    return _plan(plan_id)


def get_plan(actor: Actor, plan_id: int) -> PlanDetail:
    """A plan with its overrides, orders and titrations; the read is audited."""
    authorize_on(actor, Action.PLAN_VIEW, TreatmentPlan, plan_id, "patient_id")
    plan = _plan(plan_id)
    detail = PlanDetail(
        plan=plan,
        protocol=_packaged(plan.protocol_id),
        overrides=list(plan.overrides.all()),
        orders=list(Order.objects.with_status().filter(plan=plan).select_related("created_by")),
        titrations=list(
            plan.titrations.select_related("recorded_by", "decision__decided_by")[:PLANS_SHOWN]
        ),
        prn_left_out=left_out_for(plan),
    )
    audit.record_on(actor, Action.PLAN_VIEW, plan)
    return detail


def list_plans(actor: Actor, patient_id: int) -> list[TreatmentPlan]:
    """The patient's plan versions and drafts, newest first."""
    authorize(actor, Action.PLAN_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    plans = list(
        TreatmentPlan.objects.with_status()
        .filter(patient_id=patient_id)
        .select_related("drafted_by", "signature__signed_by")
        .prefetch_related("overrides__overridden_by")[:PLANS_SHOWN]
    )
    audit.record(actor, Action.PLAN_VIEW, patient_id=patient_id, detail={"list": True})
    return plans


def current_plan(patient_id: int) -> TreatmentPlan | None:
    """Internal: the patient's signed, not superseded plan (callers authorize and audit)."""
    return (
        TreatmentPlan.objects.with_status()
        .current()
        .filter(patient_id=patient_id)
        .select_related("signature__signed_by")
        .first()
    )


def plan_summary(actor: Actor, patient_id: int) -> PlanSummary | None:
    """The current plan without doses, for the patient themself; audited."""
    authorize(actor, Action.PLAN_SUMMARY_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    plan = current_plan(patient_id)
    audit.record(actor, Action.PLAN_SUMMARY_VIEW, obj=plan, patient_id=patient_id)
    if plan is None:
        return None
    protocol = _packaged(plan.protocol_id)
    signer = plan.signature.signed_by
    return PlanSummary(
        protocol_name=protocol.name if protocol else plan.protocol_id,
        route=protocol.route if protocol else "",
        sessions=plan.sessions,
        duration_min=plan.dose_result["nominal_duration_min"],
        observation_min=protocol.observation_min.value if protocol else 0.0,
        evidence_note=protocol.evidence_note if protocol else "",
        signed_at=plan.signature.signed_at,
        signed_by=signer.get_full_name() or signer.get_username(),
    )


def current_plan_or_conflict(plan_id: int) -> TreatmentPlan:
    """The plan, if it is the current signed version: orders and titration need one."""
    plan = _plan(plan_id)
    if plan.status != PlanStatus.CURRENT:
        raise Conflict(
            f"plan {plan_id} is {plan.status.label.lower()}: this needs the current signed plan"
        )
    return plan


def plan_request(plan: TreatmentPlan) -> DoseRequest:
    """The calculator's input the plan was computed from."""
    return DoseRequest(**plan.dose_request)


def _plan(plan_id: int) -> TreatmentPlan:
    plans = (
        TreatmentPlan.objects.with_status()
        .select_related("patient", "drafted_by", "signature__signed_by", "amends")
        .prefetch_related("overrides__overridden_by")
    )
    return get_or_404(plans, plan_id, "plan")


def _recomputed(plan: TreatmentPlan) -> DoseResult:
    """The draft's dose computed again from the data files now: they must not have changed."""
    protocol = _packaged(plan.protocol_id)
    if protocol is None or protocol.version != plan.protocol_version:
        raise Conflict("the protocol has changed since this draft: draft the plan again")
    result = calculate_series(plan_request(plan), plan.sessions)
    if versions(result, plan.versions["screening"]) != plan.versions:
        raise Conflict("the dosing data have changed since this draft: draft the plan again")
    return result


def _amended_choices(plan: TreatmentPlan, fields: AmendmentIn) -> DoseChoices:
    changes = fields.model_dump(exclude_unset=True, exclude={"reason"})
    base = choices_of(plan.dose_request, plan.sessions)
    if changes.get("protocol") is None:
        changes.pop("protocol", None)
    elif changes["protocol"] != base.protocol:
        base = DoseChoices(protocol=changes["protocol"])
    return base.model_copy(update=changes)


def _packaged(protocol_id: str) -> Protocol | None:
    try:
        return get_protocol(protocol_id)
    except DomainInputError:
        return None
