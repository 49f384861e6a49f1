"""Screening through the service: every contraindication, interaction, age and vital-sign rule
read from the patient's record, stored with the rule-set version; the physician's decision."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans import screening
from ketaclinic.records.plans.models import Screening, ScreeningDecision
from ketaclinic.screening import medication_catalog, rule_set

CONDITIONS = [(rule, flag) for rule in rule_set().condition_rules for flag in rule.triggers]
CLASSES = [(rule, class_id) for rule in rule_set().medication_rules for class_id in rule.triggers]


def _drug_of(class_id: str) -> str:
    return next(drug.name for drug in medication_catalog().drugs if drug.class_ids == (class_id,))


def _rule_ids(found: Screening) -> set[str]:
    return {finding["rule"] for finding in found.result["reasons"]}


@pytest.mark.parametrize(("rule", "flag"), CONDITIONS, ids=[flag for _, flag in CONDITIONS])
def test_every_history_rule_from_the_record(
    rule: Any, flag: str, patient: Any, physician: Any
) -> None:
    patients.update_patient(physician, patient.pk, {"history_flags": [flag]})
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    assert rule.id in _rule_ids(found)
    assert found.outcome == rule.outcome
    assert found.facts["history_flags"] == [flag]


@pytest.mark.parametrize(("rule", "class_id"), CLASSES, ids=[class_id for _, class_id in CLASSES])
def test_every_interaction_by_name_and_by_recorded_class(
    rule: Any, class_id: str, patient: Any, physician: Any
) -> None:
    alias = medication_catalog().classes[class_id].aliases[0]
    medications = [{"name": f"{_drug_of(class_id).title()} 10 mg"}]
    patients.update_patient(physician, patient.pk, {"medications": medications})
    by_name = screening.run_screening(physician, patient.pk, {"pregnant": False})
    patients.update_patient(
        physician, patient.pk, {"medications": [{"name": "Brandname", "drug_class": alias}]}
    )
    by_class = screening.run_screening(physician, patient.pk, {"pregnant": False})
    expected = "eligible" if rule.outcome == "note" else rule.outcome
    for found in (by_name, by_class):
        assert rule.id in _rule_ids(found)
        assert found.outcome == expected


VITALS = [
    (rule.measure, rule.threshold.value, rule.side, rule.id, rule.outcome)
    for rule in rule_set().measure_rules
    if rule.measure != "age_years"
]


@pytest.mark.parametrize(("measure", "bound", "side", "rule_id", "outcome"), VITALS)
def test_vital_sign_rules_fire_beyond_their_bound_not_on_it(
    measure: str, bound: float, side: str, rule_id: str, outcome: str, patient: Any, physician: Any
) -> None:
    before = bound - 1 if side == "at_or_above" else bound
    on_bound = screening.run_screening(
        physician, patient.pk, {"pregnant": False, "vitals": {measure: before}}
    )
    beyond = bound - 1 if side == "below" else bound if side == "at_or_above" else bound + 1
    past_bound = screening.run_screening(
        physician, patient.pk, {"pregnant": False, "vitals": {measure: beyond}}
    )
    assert rule_id not in _rule_ids(on_bound)
    assert rule_id in _rule_ids(past_bound)
    defers = any(
        r.outcome == "defer" and r.measure == measure and r.fires(beyond)
        for r in rule_set().measure_rules
    )
    assert past_bound.outcome == ("defer" if defers else outcome)


@pytest.mark.parametrize(
    ("age", "outcome", "rule_id"),
    [
        (17, "not_eligible", "age-under-18"),
        (18, "eligible", None),
        (75, "eligible", None),
        (76, "needs_physician_review", "age-over-75"),
    ],
)
def test_age_is_counted_from_the_date_of_birth(
    age: int, outcome: str, rule_id: str | None, register: Any, physician: Any
) -> None:
    born = date(timezone.localdate().year - age, 1, 1)
    patient = register(mrn=f"AGE-{age}", date_of_birth=born.isoformat())
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    assert found.facts["age_years"] == age
    assert found.outcome == outcome
    assert rule_id is None or rule_id in _rule_ids(found)


def test_pregnancy_status_unknown_and_pregnant(patient: Any, physician: Any) -> None:
    unknown = screening.run_screening(physician, patient.pk, {})
    assert "pregnancy-status-unknown" in _rule_ids(unknown)
    assert unknown.outcome == "needs_physician_review"
    pregnant = screening.run_screening(physician, patient.pk, {"pregnant": True})
    assert pregnant.outcome == "not_eligible"
    assert "pregnancy" in _rule_ids(pregnant)


def test_the_result_is_stored_with_its_versions_and_audited(patient: Any, nurse: Any) -> None:
    patients.update_patient(nurse, patient.pk, {"medications": [{"name": "Pregabalin 75 mg"}]})
    found = screening.run_screening(
        nurse, patient.pk, {"pregnant": False, "protocol": "ketamine-iv-0.5mgkgh-240min"}
    )
    assert found.rule_set_version.startswith("rules ")
    assert found.facts["weight_kg"] == 70
    assert found.facts["height_cm"] == 165
    assert found.facts["sex"] == "female"
    assert found.protocol_id == "ketamine-iv-0.5mgkgh-240min"
    tests = {test["test"] for test in found.result["required_tests"]}
    assert {"lfts", "urinary_symptom_screen"} <= tests
    entry = AuditEvent.objects.get(action="screening.run")
    assert (entry.patient_id, entry.detail["outcome"]) == (patient.pk, found.outcome)
    assert screening.screenings(nurse, patient.pk) == [found]
    assert AuditEvent.objects.filter(action="screening.view", patient_id=patient.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"vitals": {"sbp_mm_hg": 400}}, "vitals.sbp_mm_hg"),
        ({"vitals": {"pulse": 60}}, "vitals.pulse"),
        ({"protocol": "ketamine-by-mouth"}, "protocol"),
        ({"pregnant": "perhaps"}, "pregnant"),
        ({"favourite": 1}, "favourite"),
    ],
)
def test_bad_facts_name_the_field_and_write_nothing(
    data: dict[str, Any], field: str, patient: Any, physician: Any
) -> None:
    with pytest.raises(InvalidInput) as error:
        screening.run_screening(physician, patient.pk, data)
    assert field in [e.field for e in error.value.errors]
    assert not Screening.objects.exists()


def test_a_patient_without_weight_cannot_be_screened(register: Any, physician: Any) -> None:
    patient = register(mrn="NO-WEIGHT", weight_kg=None)
    with pytest.raises(InvalidInput) as error:
        screening.run_screening(physician, patient.pk, {})
    assert error.value.errors[0].field == "weight_kg"
    assert not Screening.objects.exists()


def test_decisions_follow_the_outcome(patient: Any, physician: Any) -> None:
    patients.update_patient(physician, patient.pk, {"history_flags": ["schizophrenia"]})
    excluded = screening.run_screening(physician, patient.pk, {"pregnant": False})
    for decision in ("eligible", "proceed_after_review"):
        with pytest.raises(InvalidInput) as error:
            screening.decide(physician, excluded.pk, {"decision": decision, "note": "override"})
        assert error.value.errors[0].field == "decision"
    assert not ScreeningDecision.objects.exists()
    patients.update_patient(physician, patient.pk, {"history_flags": ["hypertension"]})
    review = screening.run_screening(physician, patient.pk, {"pregnant": False})
    with pytest.raises(Conflict):
        screening.decide(physician, excluded.pk, {"decision": "not_eligible", "note": "old"})
    with pytest.raises(InvalidInput):
        screening.decide(physician, review.pk, {"decision": "eligible", "note": "fine"})
    with pytest.raises(InvalidInput) as error:
        screening.decide(physician, review.pk, {"decision": "proceed_after_review", "note": " "})
    assert error.value.errors[0].field == "note"
    decided = screening.decide(
        physician, review.pk, {"decision": "proceed_after_review", "note": "ECG normal"}
    )
    assert (decided.decision, decided.decided_by_id) == ("proceed_after_review", physician.user.pk)
    assert decided.allows_plan
    with pytest.raises(Conflict):
        screening.decide(physician, review.pk, {"decision": "not_eligible", "note": "again"})
    entry = AuditEvent.objects.get(action="screening.decide", outcome="allowed")
    assert entry.detail == {"decision": "proceed_after_review", "outcome": review.outcome}


def test_only_physicians_decide(patient: Any, nurse: Any, actor_for: Any, users: Any) -> None:
    found = screening.run_screening(nurse, patient.pk, {"pregnant": False})
    with pytest.raises(Forbidden):
        screening.decide(nurse, found.pk, {"decision": "eligible", "note": "ok"})
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.action, denial.patient_id) == ("screening.decide", patient.pk)
    for role in ("front_desk", "manager"):
        with pytest.raises(Forbidden):
            screening.run_screening(actor_for(users[role]), patient.pk, {})
