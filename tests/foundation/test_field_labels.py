"""Field names in the clinic's words (web/labels.py)."""

from __future__ import annotations

import pytest

from ketaclinic.web.labels import field_label


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("weight_kg", "Weight (kg)"),
        ("verified_by", "Double-checked by"),
        ("dose_mg_per_kg", "Dose (mg/kg)"),
        ("rate_ml_per_h", "Rate (mL/h)"),
        ("date_of_birth", "Date of birth"),
        ("location_id", "Location"),
        ("sessions.2.start", "Start (session 3)"),
        ("hours.0.opens_at", "Opens at (opening period 1)"),
        ("a_dose_mg", "Regimen A: dose (mg)"),
        ("", "This form"),
    ],
)
def test_field_paths_read_as_words(path: str, words: str) -> None:
    assert field_label(path) == words


def test_no_label_keeps_an_underscore_or_a_dot() -> None:
    for path in ("until_min", "stopped_on", "patient.weight_kg", "chairs.1.chair_id"):
        label = field_label(path)
        assert "_" not in label
        assert "." not in label
