"""Every contraindication rule, every interaction, the vitals and age edges, and the tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketaclinic.screening import (
    Medication,
    ScreeningInput,
    ScreeningResult,
    Vitals,
    classify,
    known_condition_ids,
    medication_catalog,
    rule_set,
    screen,
)

HEALTHY = ScreeningInput(age_years=45, sex="male", weight_kg=80, height_cm=180)

CONDITION_CASES = [
    (rule.id, condition, rule.outcome)
    for rule in rule_set().condition_rules
    for condition in rule.triggers
]


def _rules_fired(result: ScreeningResult) -> set[str]:
    return {finding.rule_id for finding in result.findings}


def _tests(result: ScreeningResult) -> set[str]:
    return {test.test_id for test in result.required_tests}


def test_a_healthy_patient_is_eligible_with_only_the_universal_test() -> None:
    result = screen(HEALTHY)
    assert result.outcome == "eligible"
    assert result.findings == ()
    assert _tests(result) == {"urinary_symptom_screen"}
    assert result.rules_version == "2026.1"
    assert "rules 2026.1" in result.rule_set_version


@pytest.mark.parametrize(("rule_id", "condition", "outcome"), CONDITION_CASES)
def test_each_condition_fires_its_rule(rule_id: str, condition: str, outcome: str) -> None:
    result = screen(replace(HEALTHY, history_flags=frozenset({condition})))
    finding = next(f for f in result.findings if f.rule_id == rule_id)
    assert finding.matched == (condition,)
    assert finding.source
    assert result.outcome == outcome


def test_expected_outcomes_for_key_conditions() -> None:
    def outcome(*flags: str) -> str:
        return screen(replace(HEALTHY, history_flags=frozenset(flags))).outcome

    for flag in (
        "hypersensitivity_to_ketamine",
        "active_psychosis",
        "schizophrenia",
        "poorly_controlled_cardiovascular_disease",
        "severe_hepatic_disease",
        "raised_intracranial_pressure",
        "raised_intraocular_pressure",
        "pregnancy",
        "active_substance_abuse",
        "aneurysmal_vascular_disease",
        "arteriovenous_malformation",
        "prior_intracerebral_haemorrhage",
        "prior_adverse_reaction_to_ketamine",
    ):
        assert outcome(flag) == "not_eligible", flag
    for flag in (
        "ischaemic_heart_disease",
        "high_cardiovascular_risk",
        "hypertension",
        "moderate_hepatic_disease",
        "alcohol_misuse",
        "chronic_hepatitis",
        "urinary_symptoms",
        "ketamine_cystitis_history",
    ):
        assert outcome(flag) == "needs_physician_review", flag
    assert outcome("hypertension", "schizophrenia") == "not_eligible"


def test_every_condition_is_used_by_some_rule() -> None:
    used = {condition for _, condition, _ in CONDITION_CASES}
    assert used == known_condition_ids()


@pytest.mark.parametrize(
    ("flag", "test_id"),
    [
        ("ischaemic_heart_disease", "ecg"),
        ("high_cardiovascular_risk", "ecg"),
        ("hypertension", "ecg"),
        ("moderate_hepatic_disease", "lfts"),
        ("baseline_liver_dysfunction", "lfts"),
        ("alcohol_misuse", "lfts"),
        ("chronic_hepatitis", "lfts"),
    ],
)
def test_risk_requires_its_pre_infusion_test(flag: str, test_id: str) -> None:
    result = screen(replace(HEALTHY, history_flags=frozenset({flag})))
    assert test_id in _tests(result)


def test_planned_frequent_high_dose_protocol_requires_liver_tests() -> None:
    result = screen(replace(HEALTHY, protocol_id="ketamine-iv-0.5mgkgh-240min"))
    assert "lfts" in _tests(result)
    assert result.outcome == "eligible"
    assert result.protocol_version == "2025.1"
    assert "lfts" not in _tests(screen(replace(HEALTHY, protocol_id="ketamine-iv-0.5mgkg-40min")))


def test_planned_protocol_needing_height_notes_it() -> None:
    result = screen(replace(HEALTHY, height_cm=None, protocol_id="ketamine-iv-0.5mgkgh-240min"))
    assert "height-needed" in _rules_fired(result)
    assert result.outcome == "eligible"  # a note does not change the result


def test_esketamine_protocol_brings_its_rems_notes() -> None:
    result = screen(replace(HEALTHY, protocol_id="esketamine-in-56mg"))
    assert any("REMS" in finding.reason for finding in result.findings)


# A drug name from the catalog for each class, and each medication rule's classes.
DRUG_FOR_CLASS = {
    drug.class_ids[0]: drug.name
    for drug in reversed(medication_catalog().drugs)
    if len(drug.class_ids) == 1
}
MEDICATION_CASES = [
    (rule.id, class_id, rule.outcome)
    for rule in rule_set().medication_rules
    for class_id in rule.triggers
]


@pytest.mark.parametrize(("rule_id", "class_id", "outcome"), MEDICATION_CASES)
def test_each_interaction_matches_by_name(rule_id: str, class_id: str, outcome: str) -> None:
    name = DRUG_FOR_CLASS[class_id].upper() + " 10 mg twice daily"
    result = screen(replace(HEALTHY, medications=(Medication(name),)))
    finding = next(f for f in result.findings if f.rule_id == rule_id)
    assert finding.matched[0].startswith(name)
    assert result.outcome == ("eligible" if outcome == "note" else outcome)


@pytest.mark.parametrize(("rule_id", "class_id", "outcome"), MEDICATION_CASES)
def test_each_interaction_matches_by_recorded_class(
    rule_id: str, class_id: str, outcome: str
) -> None:
    alias = medication_catalog().classes[class_id].aliases[0]
    result = screen(replace(HEALTHY, medications=(Medication("Brand X", alias.title()),)))
    assert rule_id in _rules_fired(result)


def test_every_drug_class_has_a_rule() -> None:
    assert {class_id for _, class_id, _ in MEDICATION_CASES} == set(medication_catalog().classes)


@pytest.mark.parametrize(
    ("medication", "classes"),
    [
        (Medication("diazepam"), {"benzodiazepine"}),
        (Medication("Valium 5mg"), {"benzodiazepine"}),
        (Medication("paracetamol/codeine 500/30"), {"opioid"}),
        (Medication("Lyrica", "Gabapentinoid"), {"cns_depressant", "fibromyalgia_drug"}),
        (Medication("Duloxetine", "SNRI"), {"fibromyalgia_drug"}),
        (Medication("Tramadol 50 mg"), {"opioid", "fibromyalgia_drug"}),
        (Medication("Spravato"), {"nmda_antagonist"}),
        (Medication("St John's wort"), {"cyp_inducer"}),
        (Medication("paracetamol 1 g"), set()),
        (Medication("Oxycodone-naloxone", "opioid analgesic"), {"opioid"}),
        (Medication("benzocaine gel"), set()),  # not "benzo" as a whole word
        (Medication("Rifampin"), {"cyp_inducer"}),
    ],
)
def test_classify(medication: Medication, classes: set[str]) -> None:
    assert {match.class_id for match in classify(medication)} == classes


def test_interaction_sources_include_the_drug_classification() -> None:
    result = screen(replace(HEALTHY, medications=(Medication("Pregabalin"),)))
    finding = next(f for f in result.findings if f.rule_id == "cns-depressants")
    assert "clinical.md 8" in finding.source
    assert "N03AX16" in finding.source


def test_pregnancy_flag_and_status() -> None:
    female = replace(HEALTHY, sex="female")
    assert screen(replace(female, pregnant=True)).outcome == "not_eligible"
    assert screen(replace(female, pregnant=False)).outcome == "eligible"
    unknown = screen(female)
    assert unknown.outcome == "needs_physician_review"
    assert "pregnancy-status-unknown" in _rules_fired(unknown)


MEASURE_EDGES = [
    ("age-under-18", "age_years", 18, 17),
    ("age-over-75", "age_years", 75, 76),
    ("sbp-above-180", "sbp_mm_hg", 180, 181),
    ("sbp-below-90", "sbp_mm_hg", 90, 89),
    ("sbp-above-140", "sbp_mm_hg", 140, 141),
    ("dbp-above-90", "dbp_mm_hg", 90, 91),
    ("heart-rate-below-50", "heart_rate_per_min", 50, 49),
    ("heart-rate-above-150", "heart_rate_per_min", 150, 151),
    ("resp-rate-below-10", "resp_rate_per_min", 10, 9),
    ("resp-rate-above-30", "resp_rate_per_min", 30, 31),
    ("sbp-defer", "sbp_mm_hg", 179, 180),  # at or above: the threshold itself defers
    ("dbp-defer", "dbp_mm_hg", 109, 110),
]


def _with_measure(measure: str, value: float) -> ScreeningInput:
    if measure == "age_years":
        return replace(HEALTHY, age_years=int(value))
    return replace(HEALTHY, vitals=Vitals(**{measure: value}))


@pytest.mark.parametrize(("rule_id", "measure", "edge", "beyond"), MEASURE_EDGES)
def test_measure_rules_at_their_edges(
    rule_id: str, measure: str, edge: float, beyond: float
) -> None:
    assert rule_id not in _rules_fired(screen(_with_measure(measure, edge)))
    result = screen(_with_measure(measure, beyond))
    assert rule_id in _rules_fired(result)
    assert result.outcome != "eligible"


def test_every_measure_rule_is_covered() -> None:
    assert {rule.id for rule in rule_set().measure_rules} == {edge[0] for edge in MEASURE_EDGES}


def test_under_18_is_not_eligible() -> None:
    assert screen(replace(HEALTHY, age_years=17)).outcome == "not_eligible"


def test_result_as_dict_has_reasons_sources_and_version() -> None:
    data = screen(replace(HEALTHY, history_flags=frozenset({"hypertension"}))).as_dict()
    assert data["outcome"] == "needs_physician_review"
    assert data["reasons"][0]["rule"] == "cardiovascular-risk"
    assert data["reasons"][0]["source"]
    assert data["required_tests"][0]["test"] == "ecg"
    assert data["rule_set_version"]
