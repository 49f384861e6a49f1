"""Allergies as coded facts: typed text read into an allergen, reaction and severity; free
text kept and flagged; a ketamine allergy makes the patient not eligible."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError
from ketaclinic.screening import ScreeningInput, screen, screening_input_from_mapping
from ketaclinic.screening.allergies import (
    OTHER,
    Allergy,
    allergens,
    allergic_to,
    make_allergy,
    parse_allergy,
    severities,
)


@pytest.mark.parametrize(
    ("text", "allergen", "reaction", "severity"),
    [
        ("Ketamine (anaphylaxis)", "ketamine", "anaphylaxis", "unknown"),
        ("ketalar: hallucinations, severe", "ketamine", "hallucinations", "severe"),
        ("Versed - agitation", "midazolam", "agitation", "unknown"),
        ("latex", "latex", "", "unknown"),
        ("Egg(hives , mild)", "egg", "hives", "mild"),
    ],
)
def test_text_naming_a_known_allergen_is_coded(
    text: str, allergen: str, reaction: str, severity: str
) -> None:
    assert parse_allergy(text) == Allergy(allergen, reaction, severity)


@pytest.mark.parametrize("text", ["Strawberries (hives)", "anti-emetic X", "ketamine-like drug"])
def test_other_text_stays_flagged_free_text(text: str) -> None:
    allergy = parse_allergy(text)
    assert allergy.allergen == OTHER
    assert allergy.flagged
    assert allergy.text == text


def test_blank_text_is_refused() -> None:
    with pytest.raises(DomainInputError):
        parse_allergy("   ")


def test_a_coded_allergy_needs_a_known_allergen_and_severity() -> None:
    with pytest.raises(DomainInputError, match="allergen"):
        make_allergy("cats")
    with pytest.raises(DomainInputError, match="severity"):
        make_allergy("latex", severity="fatal")
    with pytest.raises(DomainInputError, match="text"):
        make_allergy(OTHER)


_reaction = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=0, max_size=20).map(
    lambda t: " ".join(t.split())
)


@given(
    allergen=st.sampled_from([a.id for a in allergens()]),
    reaction=_reaction.filter(lambda r: r not in severities()),
    severity=st.sampled_from(severities()),
)
def test_the_one_line_description_reads_back_to_the_same_allergy(
    allergen: str, reaction: str, severity: str
) -> None:
    allergy = make_allergy(allergen, reaction, severity)
    assert parse_allergy(allergy.describe()) == allergy


def test_a_class_allergy_rules_out_the_drugs_it_covers() -> None:
    benzodiazepines = (parse_allergy("benzodiazepines (rash)"),)
    assert allergic_to(benzodiazepines, "midazolam") is not None
    assert allergic_to(benzodiazepines, "ondansetron") is None


def _patient(**changes: object) -> ScreeningInput:
    return screening_input_from_mapping(
        {"age_years": 40, "sex": "male", "weight_kg": 70, **changes}, date(2026, 1, 1)
    )


def test_a_ketamine_allergy_makes_the_patient_not_eligible() -> None:
    result = screen(_patient(allergies=["Ketamine (anaphylaxis)"]))
    assert result.outcome == "not_eligible"
    finding = next(f for f in result.findings if f.rule_id == "hypersensitivity")
    assert finding.matched == ("allergy: Ketamine (anaphylaxis)",)


def test_another_allergy_leaves_the_patient_eligible() -> None:
    assert screen(_patient(allergies=["latex", "penicillin (rash)"])).outcome == "eligible"


def test_free_text_allergy_is_noted_for_a_clinician() -> None:
    result = screen(_patient(allergies=["Strawberries (hives)"]))
    assert result.outcome == "eligible"
    assert [f.rule_id for f in result.findings] == ["allergy-free-text"]


def test_a_bad_allergy_in_the_screening_json_names_its_position() -> None:
    with pytest.raises(DomainInputError) as refused:
        _patient(allergies=["latex", {"allergen": "cats"}])
    assert refused.value.field == "allergies[1]"
