"""Eligibility screening on the patient's record, and the physician's decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from django.db import transaction

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.patients.review import awaiting_review
from ketaclinic.records.toolkit import (
    atomic_or,
    audits_refusals,
    authorize_on,
    get_or_404,
    latest_height_cm,
    validate,
)
from ketaclinic.screening import Medication, ScreeningInput, Vitals, age_on, screen

from .common import domain_input, plan_today, plan_weighing
from .inputs import ScreeningDecisionIn, ScreeningIn
from .models import Decision, Screening, ScreeningDecision, ScreeningOutcome

# Which decisions a physician may record on each screening outcome: a contraindication found
# by the rules cannot be decided away (correct the record and screen again if it is wrong).
ALLOWED_DECISIONS: dict[str, tuple[str, ...]] = {
    ScreeningOutcome.ELIGIBLE: (Decision.ELIGIBLE, Decision.NOT_ELIGIBLE),
    ScreeningOutcome.NEEDS_PHYSICIAN_REVIEW: (
        Decision.PROCEED_AFTER_REVIEW,
        Decision.NOT_ELIGIBLE,
    ),
    ScreeningOutcome.NOT_ELIGIBLE: (Decision.NOT_ELIGIBLE,),
    # Deferred (blood pressure at the defer threshold): re-measure or treat, then screen again.
    ScreeningOutcome.DEFER: (Decision.NOT_ELIGIBLE,),
}
HISTORY_SHOWN = 20


def screening_input(patient: Patient, fields: ScreeningIn) -> ScreeningInput:
    """The pure screening's input from the record (age today, sex, latest weight and height,
    history, medications) and the facts the clinician added."""
    vitals = fields.vitals
    with domain_input():
        return ScreeningInput(
            age_years=age_on(patient.date_of_birth, plan_today(patient.pk)),
            sex=patient.sex,
            weight_kg=plan_weighing(patient.pk).weight_kg,
            height_cm=latest_height_cm(patient.pk),
            history_flags=frozenset(patient.history_flags),
            medications=tuple(
                Medication(item.get("name", ""), item.get("drug_class", ""))
                for item in patient.medications
            ),
            pregnant=fields.pregnant,
            protocol_id=fields.protocol,
            vitals=Vitals(**vitals.model_dump()) if vitals is not None else None,
            allergies=patient_allergies(patient),
        )


@audits_refusals(Action.SCREENING_RUN)
def run_screening(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Screening:
    """Screen the patient and store the result with the rule-set version."""
    authorize(actor, Action.SCREENING_RUN, patient_id=patient_id)
    fields = validate(ScreeningIn, data)
    patient = patient_or_404(patient_id)
    unconfirmed = awaiting_review(patient_id)
    if unconfirmed:
        # Patient-entered facts are never screened as if a clinician had confirmed them, nor
        # left out silently: the screening waits for the review.
        raise Conflict(f"{unconfirmed[0]}: review and confirm it, then screen")
    facts = screening_input(patient, fields)
    with domain_input():
        result = screen(facts)
    with transaction.atomic():
        screening = Screening.objects.create(
            patient=patient,
            facts=_facts_as_data(facts),
            outcome=result.outcome,
            result=result.as_dict(),
            rule_set_version=result.rule_set_version,
            protocol_id=facts.protocol_id or "",
            screened_by=actor.user,
        )
        audit.record(
            actor,
            Action.SCREENING_RUN,
            obj=screening,
            patient_id=patient.pk,
            detail={"outcome": result.outcome, "rule_set_version": result.rule_set_version},
        )
    return screening


@audits_refusals(Action.SCREENING_DECIDE)
def decide(actor: Actor, screening_id: int, data: Mapping[str, Any]) -> ScreeningDecision:
    """A physician's decision on the patient's latest screening, with a note."""
    authorize_on(actor, Action.SCREENING_DECIDE, Screening, screening_id, "patient_id")
    fields = validate(ScreeningDecisionIn, data)
    screening = get_or_404(Screening.objects.all(), screening_id, "screening")
    allowed = ALLOWED_DECISIONS[screening.outcome]
    if fields.decision not in allowed:
        raise InvalidInput.single(
            "decision",
            f"the screening found {screening.get_outcome_display().lower()}: decide "
            f"{' or '.join(allowed)} (if the record is wrong, correct it and screen again)",
        )
    newest = Screening.objects.filter(patient_id=screening.patient_id).values("pk").first()
    if newest is None or newest["pk"] != screening.pk:
        raise Conflict("a newer screening of this patient exists: decide on that one")
    with atomic_or(Conflict(f"screening {screening_id} has already been decided")):
        decision = ScreeningDecision.objects.create(
            screening=screening,
            decision=fields.decision,
            note=fields.note,
            decided_by=actor.user,
        )
        audit.record_on(
            actor,
            Action.SCREENING_DECIDE,
            screening,
            detail={"decision": fields.decision, "outcome": screening.outcome},
        )
    return decision


def screenings(actor: Actor, patient_id: int) -> list[Screening]:
    """The patient's latest screenings with their decisions, newest first."""
    authorize(actor, Action.SCREENING_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    found = list(
        Screening.objects.filter(patient_id=patient_id).select_related(
            "screened_by", "decision__decided_by"
        )[:HISTORY_SHOWN]
    )
    audit.record(actor, Action.SCREENING_VIEW, patient_id=patient_id)
    return found


def latest_decision(patient_id: int) -> ScreeningDecision | None:
    """The decision on the patient's latest screening (None when undecided or never screened).

    Internal: callers have authorized and audit their own read."""
    latest = Screening.objects.filter(patient_id=patient_id).select_related("decision").first()
    return getattr(latest, "decision", None) if latest is not None else None


def plan_allowing_decision(patient_id: int) -> ScreeningDecision:
    """The latest screening's decision if it allows a plan, else ``Conflict``."""
    decision = latest_decision(patient_id)
    if decision is None or not decision.allows_plan:
        raise Conflict(
            "the patient's latest screening has no decision that allows a plan "
            "(eligible, or proceed after review): screen and decide first"
        )
    return decision


def _facts_as_data(facts: ScreeningInput) -> dict[str, Any]:
    data = asdict(facts)
    data["history_flags"] = sorted(facts.history_flags)
    return data
