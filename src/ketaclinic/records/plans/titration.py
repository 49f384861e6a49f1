"""Titration after a session: the rule's proposal from tolerance and response, recorded against
the plan; the physician accepts or changes it, and a new dose is signed as an amendment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ketaclinic.protocols import Protocol, SessionResponse, SessionTolerance, propose_titration
from ketaclinic.records.accounts.choices import Meaning
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.signatures import confirm_signer
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import (
    atomic_or,
    audits_refusals,
    authorize_on,
    get_or_404,
    validate,
)

from .calculation import choices_of, protocol_for
from .common import domain_input
from .inputs import TitrationDecisionIn, TitrationIn
from .models import Order, TitrationDecision, TitrationProposal, TreatmentPlan
from .services import (
    Version,
    checked_overrides,
    compute_version,
    current_plan_or_conflict,
    write_signature,
    write_version,
)


def plan_dose_value(plan: TreatmentPlan, protocol: Protocol) -> float:
    """The plan's prescribed dose in the unit its protocol titrates (mg/kg or mg)."""
    if protocol.dose_quantity == "dose_mg_per_kg":
        return plan.dose_mg_per_kg
    return plan.prescribed_dose_mg


@audits_refusals(Action.TITRATION_RECORD)
def record_titration(actor: Actor, plan_id: int, data: Mapping[str, Any]) -> TitrationProposal:
    """Record a session's tolerance and response and the rule's proposal for the next dose."""
    authorize_on(actor, Action.TITRATION_RECORD, TreatmentPlan, plan_id, "patient_id")
    fields = validate(TitrationIn, data)
    plan = current_plan_or_conflict(plan_id)
    if (
        fields.order_id is not None
        and not Order.objects.filter(pk=fields.order_id, patient_id=plan.patient_id).exists()
    ):
        raise InvalidInput.single("order_id", "is not an order of this patient")
    protocol = protocol_for(plan.protocol_id)
    tolerance = SessionTolerance(
        worst_side_effect=fields.worst_side_effect,
        cadss6_score=fields.cadss6_score,
        peak_sbp_mm_hg=fields.peak_sbp_mm_hg,
        peak_heart_rate_per_min=fields.peak_heart_rate_per_min,
        session_instability=tuple(fields.session_instability),
    )
    with domain_input({"pain_nrs": "pain_after_nrs"}):
        proposal = propose_titration(
            protocol,
            plan_dose_value(plan, protocol),
            tolerance,
            SessionResponse(fields.baseline_pain_nrs, fields.pain_after_nrs),
        )
    with transaction.atomic():
        recorded = TitrationProposal.objects.create(
            plan=plan,
            order_id=fields.order_id,
            **fields.model_dump(exclude={"order_id", "session_instability"}),
            quantity=proposal.quantity,
            current_value=proposal.current_value,
            proposed_value=proposal.proposed_value,
            action=proposal.action,
            reasons=list(proposal.reasons),
            rule_id=proposal.rule_id,
            rule_version=proposal.rule_version,
            recorded_by=actor.user,
        )
        audit.record(
            actor,
            Action.TITRATION_RECORD,
            obj=recorded,
            patient_id=plan.patient_id,
            detail={
                "plan": plan.pk,
                "action": proposal.action,
                "current": proposal.current_value,
                "proposed": proposal.proposed_value,
            },
        )
    return recorded


@audits_refusals(Action.TITRATION_DECIDE)
def decide_titration(actor: Actor, proposal_id: int, data: Mapping[str, Any]) -> TitrationDecision:
    """The physician accepts the proposal or decides another dose (with a note). A dose other
    than the plan's is signed as an amendment, within the limits (soft ones need reasons)."""
    authorize_on(actor, Action.TITRATION_DECIDE, TitrationProposal, proposal_id, "plan__patient_id")
    fields = validate(TitrationDecisionIn, data)
    proposal = get_or_404(TitrationProposal.objects.all(), proposal_id, "titration proposal")
    if TitrationDecision.objects.filter(proposal=proposal).exists():
        raise Conflict(f"titration proposal {proposal_id} has already been decided")
    plan = current_plan_or_conflict(proposal.plan_id)
    value = _decided_value(proposal, fields)
    version: Version | None = None
    if value != proposal.current_value:
        choices = choices_of(plan.dose_request, plan.sessions)
        version = compute_version(
            plan.patient, choices.model_copy(update={proposal.quantity: value})
        )
        checked_overrides(actor, plan.patient_id, version.result, fields.overrides)
        # A dose other than the plan's is a signed amendment: the physician re-authenticates.
        proof = confirm_signer(actor, Meaning.AUTHORED, password=fields.password, otp=fields.otp)
    elif fields.overrides:
        raise InvalidInput.single(
            "overrides", "the dose is unchanged: there is nothing to override"
        )
    with atomic_or(Conflict("the plan or this proposal changed meanwhile: reload")):
        Patient.objects.select_for_update().get(pk=plan.patient_id)
        amendment = None
        if version is not None:
            if not TreatmentPlan.objects.current().filter(pk=plan.pk).exists():
                raise Conflict(f"plan {plan.pk} has been superseded meanwhile")
            reason = (
                f"titration (proposal {proposal.pk}, {proposal.action}): {proposal.quantity} "
                f"{proposal.current_value:g} -> {value:g}"
            )
            amendment = write_version(actor, plan.patient, version, amends=plan, reason=reason)
            write_signature(actor, amendment, version.result, fields.overrides, proof)
        decision = TitrationDecision.objects.create(
            proposal=proposal,
            accepted=fields.accept,
            value=value,
            note=fields.note,
            amendment=amendment,
            decided_by=actor.user,
        )
        audit.record(
            actor,
            Action.TITRATION_DECIDE,
            obj=proposal,
            patient_id=plan.patient_id,
            detail={
                "accepted": fields.accept,
                "proposed": proposal.proposed_value,
                "decided": value,
                "amendment": amendment.pk if amendment else None,
            },
        )
    return decision


def _decided_value(proposal: TitrationProposal, fields: TitrationDecisionIn) -> float:
    """The proposal's value when accepted; else the physician's, in the plan's dose unit."""
    quantity = proposal.quantity
    other = "dose_mg" if quantity == "dose_mg_per_kg" else "dose_mg_per_kg"
    given: float | None = getattr(fields, quantity)
    if getattr(fields, other) is not None:
        raise InvalidInput.single(other, f"this plan is titrated in {quantity}")
    if fields.accept:
        if given is not None:
            raise InvalidInput.single(quantity, "leave it out when accepting the proposal")
        return proposal.proposed_value
    if given is None:
        raise InvalidInput.single(quantity, "give the dose you decided, or accept the proposal")
    if not fields.note:
        raise InvalidInput.single("note", "say why the proposal was changed")
    return given
