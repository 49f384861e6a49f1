"""Issue 14: no medication passes silently, misspellings are proposed, new conditions, defer."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.cli import main
from ketaclinic.screening import Medication, ScreeningInput, Vitals, medication_catalog, screen
from ketaclinic.screening.medications import named_drugs
from ketaclinic.screening.spelling import propose

HEALTHY = ScreeningInput(age_years=45, sex="male", weight_kg=80, height_cm=180)

SEEN_PASSING_SILENTLY = [
    "duloxetine",
    "milnacipran",
    "amitriptyline",
    "memantine",
    "dextromethorphan",
    "esketamine (Spravato)",
    "ketoconazole",
    "ritonavir",
    "carbamazepine",
    "St John's wort",
    "methylene blue",
    "lorazapam",
]


def _fired(result: object) -> set[str]:
    return {finding.rule_id for finding in result.findings}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SEEN_PASSING_SILENTLY)
def test_none_of_the_reviewed_medications_passes_silently(name: str) -> None:
    result = screen(replace(HEALTHY, medications=(Medication(name),)))
    assert result.findings
    assert "unrecognised-medication" not in _fired(result)  # each is now in the vocabulary


def test_a_misspelling_is_proposed_for_confirmation_and_its_interaction_applies() -> None:
    result = screen(replace(HEALTHY, medications=(Medication("lorazapam 1 mg"),)))
    assert result.outcome == "needs_physician_review"
    spelling = next(f for f in result.findings if f.rule_id == "misspelt-medication")
    assert spelling.matched == ("lorazapam 1 mg: did you mean lorazepam?",)
    benzo = next(f for f in result.findings if f.rule_id == "benzodiazepines")
    assert "unconfirmed spelling of 'lorazepam'" in benzo.matched[0]


def test_an_unknown_medication_gives_a_review_finding() -> None:
    result = screen(replace(HEALTHY, medications=(Medication("Frobnicol 20 mg"),)))
    assert result.outcome == "needs_physician_review"
    finding = next(f for f in result.findings if f.rule_id == "unrecognised-medication")
    assert finding.reason == "Not recognised: physician or pharmacist review"
    assert finding.matched == ("Frobnicol 20 mg",)


def test_a_recognised_medicine_without_interaction_gives_no_finding() -> None:
    result = screen(replace(HEALTHY, medications=(Medication("Paracetamol 1 g"),)))
    assert (result.outcome, result.findings) == ("eligible", ())


def test_a_recorded_class_places_an_unknown_name() -> None:
    result = screen(replace(HEALTHY, medications=(Medication("Brandname", "benzodiazepine"),)))
    assert "unrecognised-medication" not in _fired(result)
    assert "benzodiazepines" in _fired(result)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz -0123456789", min_size=1, max_size=30))
def test_no_medication_is_ever_a_silent_eligible(name: str) -> None:
    if not name.strip():
        return
    result = screen(replace(HEALTHY, medications=(Medication(name),)))
    assert result.findings or named_drugs(name)


LONG_TERMS = sorted(
    {t for d in medication_catalog().drugs for t in d.terms if t.isalpha() and len(t) >= 9}
)


@given(st.sampled_from(LONG_TERMS), st.data())
def test_one_wrong_letter_in_a_long_name_is_proposed(term: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(1, len(term) - 2))
    letter = data.draw(st.sampled_from([c for c in "aeiouxz" if c != term[index]]))
    proposal = propose(term[:index] + letter + term[index + 1 :])
    assert proposal is not None
    assert proposal.similarity >= 85


def test_every_known_rxnorm_code_is_digits_and_unique() -> None:
    codes = [d.rxnorm for d in medication_catalog().drugs if d.rxnorm]
    assert codes
    assert all(code.isdigit() for code in codes)
    assert len(codes) == len(set(codes))


NEW_CONDITIONS = {
    "history_of_psychosis": "needs_physician_review",
    "bipolar_disorder": "needs_physician_review",
    "breastfeeding": "not_eligible",
    "hyperthyroidism": "needs_physician_review",
    "obstructive_sleep_apnoea": "needs_physician_review",
    "seizure_disorder": "needs_physician_review",
    "porphyria": "needs_physician_review",
    "past_substance_use_disorder": "needs_physician_review",
}


@pytest.mark.parametrize(("condition", "outcome"), NEW_CONDITIONS.items())
def test_new_conditions_are_recorded_and_ruled(condition: str, outcome: str) -> None:
    result = screen(replace(HEALTHY, history_flags=frozenset({condition})))
    assert result.outcome == outcome
    assert all(f.source for f in result.findings)


@pytest.mark.parametrize(
    ("sbp", "dbp", "outcome"),
    [
        (200, 120, "defer"),
        (180, 80, "defer"),
        (130, 110, "defer"),
        (179, 109, "needs_physician_review"),  # above 140/90: review, not defer
        (130, 80, "eligible"),
    ],
)
def test_blood_pressure_at_the_defer_threshold_defers(sbp: int, dbp: int, outcome: str) -> None:
    result = screen(replace(HEALTHY, vitals=Vitals(sbp_mm_hg=sbp, dbp_mm_hg=dbp)))
    assert result.outcome == outcome


def test_a_contraindication_outranks_defer() -> None:
    patient = replace(
        HEALTHY, history_flags=frozenset({"schizophrenia"}), vitals=Vitals(sbp_mm_hg=200)
    )
    assert screen(patient).outcome == "not_eligible"


def test_cli_accepts_the_new_conditions_and_defers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = {
        "age_years": 50,
        "sex": "female",
        "weight_kg": 70,
        "pregnant": False,
        "history_flags": sorted(set(NEW_CONDITIONS) - {"breastfeeding"}),
        "medications": [{"name": "lorazapam"}, {"name": "Frobnicol"}],
        "vitals": {"sbp_mm_hg": 200, "dbp_mm_hg": 120},
    }
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(patient), encoding="utf-8")
    assert main(["screen", "--patient-file", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "defer"
    assert set(data) == {
        "outcome",
        "rule_set_version",
        "protocol",
        "protocol_version",
        "reasons",
        "required_tests",
    }
    matched = [m for reason in data["reasons"] for m in reason["matched"]]
    assert "Frobnicol" in matched
    assert "lorazapam: did you mean lorazepam?" in matched


def test_a_misspelling_beside_a_known_name_is_still_proposed() -> None:
    result = screen(replace(HEALTHY, medications=(Medication("Paracetamol + lorazapam"),)))
    assert "misspelt-medication" in _fired(result)
    assert "benzodiazepines" in _fired(result)


@pytest.mark.parametrize("name", ["Valium 5 mg tablets daily", "Tramadol 50mg twice daily"])
def test_dose_words_are_not_taken_for_misspellings(name: str) -> None:
    fired = _fired(screen(replace(HEALTHY, medications=(Medication(name),))))
    assert "misspelt-medication" not in fired
    assert "unrecognised-medication" not in fired
