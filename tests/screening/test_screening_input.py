"""The patient JSON: fields, ages, and bad input naming its field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ketaclinic.core import DomainInputError
from ketaclinic.screening import Medication, ScreeningInput, age_on, screening_input_from_mapping

TODAY = date(2025, 6, 1)
MINIMAL: dict[str, Any] = {"age_years": 40, "sex": "female", "weight_kg": 65}


def test_full_patient_file() -> None:
    patient = screening_input_from_mapping(
        {
            "date_of_birth": "1980-06-02",
            "sex": "female",
            "weight_kg": 65,
            "height_cm": 168,
            "history_flags": ["hypertension"],
            "medications": [
                {"name": "Pregabalin", "class": "gabapentinoid"},
                {"name": "Diazepam", "drug_class": "benzodiazepine", "dose_text": "5 mg"},
            ],
            "pregnant": False,
            "protocol_id": "ketamine-iv-0.5mgkg-40min",
            "vitals": {"sbp_mm_hg": 130, "dbp_mm_hg": 80},
        },
        TODAY,
    )
    assert patient.age_years == 44  # birthday tomorrow
    assert patient.medications == (
        Medication("Pregabalin", "gabapentinoid"),
        Medication("Diazepam", "benzodiazepine"),
    )
    assert patient.history_flags == frozenset({"hypertension"})
    assert patient.vitals is not None
    assert patient.vitals.sbp_mm_hg == 130


def test_age_on_birthdays() -> None:
    assert age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24
    assert age_on(date(2000, 2, 29), date(2025, 3, 1)) == 25
    assert age_on(date(2000, 6, 1), TODAY) == 25


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": "1980-01-01"}, "date_of_birth"),  # both given
        ({"age_years": None}, "date_of_birth"),  # neither given
        ({"age_years": 40.5}, "age_years"),
        ({"age_years": 130}, "age_years"),
        ({"sex": "f"}, "sex"),
        ({"weight_kg": "65"}, "weight_kg"),
        ({"weight_kg": 500}, "weight_kg"),
        ({"height_cm": 20}, "height_cm"),
        ({"history_flags": ["gout"]}, "history_flags"),
        ({"history_flags": "hypertension"}, "history_flags"),
        ({"medications": [{"class": "opioid"}]}, "medications[0].name"),
        ({"medications": [{"name": "x", "route": "oral"}]}, "medications[0].route"),
        ({"medications": [{"name": "x", "class": "a", "drug_class": "b"}]}, "medications[0].class"),
        ({"medications": "diazepam"}, "medications"),
        ({"pregnant": "no"}, "pregnant"),
        ({"vitals": {"sbp_mm_hg": 400}}, "vitals.sbp_mm_hg"),
        ({"vitals": {"temperature_c": 37}}, "vitals.temperature_c"),
        ({"weight": 65}, "weight"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    data = {**MINIMAL, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    with pytest.raises(DomainInputError) as error:
        screening_input_from_mapping(data, TODAY)
    assert error.value.field == field


def test_date_of_birth_in_the_future_or_malformed() -> None:
    base = {"sex": "male", "weight_kg": 80}
    for text in ("2030-01-01", "01/02/1980"):
        with pytest.raises(DomainInputError) as error:
            screening_input_from_mapping({**base, "date_of_birth": text}, TODAY)
        assert error.value.field == "date_of_birth"


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(DomainInputError) as error:
        ScreeningInput(age_years=40, sex="male", weight_kg=80, history_flags=frozenset({"x"}))
    assert error.value.field == "history_flags"
