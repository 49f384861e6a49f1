"""Test results (pure): checking a result, gaps in required results, follow-up LFT, currency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError
from ketaclinic.screening.currency import decision_expired
from ketaclinic.screening.lab_tests import (
    check_result,
    follow_up_lft,
    gaps,
    lab_catalog,
    required_results,
)

DAY = date(2026, 6, 1)


def test_every_test_has_a_loinc_code_and_a_validity_source() -> None:
    for test in lab_catalog().tests.values():
        assert test.loinc
        assert test.validity_days.source


@given(st.floats(0, 500), st.floats(0, 100), st.floats(0, 100))
def test_a_quantity_is_abnormal_exactly_outside_its_range(
    value: float, low: float, width: float
) -> None:
    reading = check_result(
        "alt", value=value, unit="U/L", reference_low=low, reference_high=low + width
    )
    assert reading.abnormal == (not low <= value <= low + width)


@pytest.mark.parametrize(
    ("test_id", "fields", "field"),
    [
        ("glucose", {"value": 5.0, "unit": "mmol/L"}, "test"),
        ("ast", {"value": 30.0, "unit": "umol/L"}, "unit"),
        ("ast", {"unit": "U/L"}, "value"),
        ("ecg", {"code": "sinus"}, "code"),
        ("ecg", {"unit": "U/L", "code": "normal"}, "unit"),
        ("alt", {"value": 3.0, "unit": "U/L", "code": "normal"}, "code"),
    ],
)
def test_bad_results_name_the_field(test_id: str, fields: dict, field: str) -> None:
    with pytest.raises(DomainInputError) as raised:
        check_result(test_id, **fields)
    assert raised.value.field == field


def test_required_results_follow_the_screening_and_protocol() -> None:
    assert required_results(["urinary_symptom_screen"], baseline_lfts=False) == ()
    assert required_results(["ecg"], baseline_lfts=False) == ("ecg",)
    assert required_results(["ecg", "lfts"], baseline_lfts=True) == (
        "ecg",
        "alt",
        "ast",
        "bilirubin",
    )


def test_gaps_at_the_validity_edge() -> None:
    assert gaps(["ecg"], {}, DAY)[0].reason == "no result recorded"
    assert gaps(["ecg"], {"ecg": DAY - timedelta(days=365)}, DAY) == ()
    assert "older than 365 days" in gaps(["ecg"], {"ecg": DAY - timedelta(days=366)}, DAY)[0].reason


@pytest.mark.parametrize(
    ("duration_min", "infusions", "due"),
    [(40, 6, False), (40, 7, True), (240, 1, True), (120, 0, False)],
)
def test_follow_up_lft_after_long_or_repeated_regimens(
    duration_min: float, infusions: int, due: bool
) -> None:
    found = follow_up_lft(
        session_duration_min=duration_min, infusions_in_12_months=infusions, last_infusion_on=DAY
    )
    assert (found is not None) == due
    if found is not None:
        assert found.due_by == DAY + timedelta(days=14)


def test_screening_decision_expires_after_twelve_months() -> None:
    assert decision_expired(DAY, DAY + timedelta(days=365)) is None
    assert "older than 365 days" in (decision_expired(DAY, DAY + timedelta(days=366)) or "")
