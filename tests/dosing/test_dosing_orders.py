"""Orders from a signed plan: stale or changed weight forces a re-check; the double-check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ketaclinic.core import DomainInputError
from ketaclinic.dosing import (
    DoseRequest,
    WeightReading,
    WeightRecheckRequired,
    calculate_dose,
    compare_double_check,
    derive_order,
    weight_recheck_reasons,
)

SESSION = date(2025, 3, 10)
PLAN = DoseRequest("ketamine-iv-0.5mgkg-40min", weight_kg=70, protocol_version="2025.1")


def _reading(weight_kg: float = 70, days_old: int = 0) -> WeightReading:
    return WeightReading(weight_kg, SESSION - timedelta(days=days_old))


def test_fresh_unchanged_weight_gives_an_order() -> None:
    order = derive_order(PLAN, _reading(71, days_old=3), SESSION)
    assert order.weight_used_kg == 71
    assert order.dose_mg == 35.5


def test_weight_age_edge() -> None:
    assert weight_recheck_reasons(70, _reading(days_old=30), SESSION) == ()
    reasons = weight_recheck_reasons(70, _reading(days_old=31), SESSION)
    assert len(reasons) == 1
    assert "31 days old" in reasons[0]


def test_weight_change_edge() -> None:
    assert weight_recheck_reasons(70, _reading(73.5), SESSION) == ()  # exactly 5 %
    assert weight_recheck_reasons(70, _reading(66.5), SESSION) == ()
    assert "changed 5.1%" in weight_recheck_reasons(70, _reading(73.57), SESSION)[0]


def test_stale_weight_blocks_the_order() -> None:
    with pytest.raises(WeightRecheckRequired) as error:
        derive_order(PLAN, _reading(days_old=45), SESSION, weight_confirmed=True)
    assert error.value.field == "weight_kg"
    assert "45 days old" in str(error.value)


def test_changed_weight_needs_confirmation() -> None:
    with pytest.raises(WeightRecheckRequired, match="changed"):
        derive_order(PLAN, _reading(80), SESSION)
    order = derive_order(PLAN, _reading(80), SESSION, weight_confirmed=True)
    assert order.dose_mg == 40
    assert any(warning.startswith("confirmed: weight changed") for warning in order.warnings)


def test_an_unsigned_plan_gives_no_order() -> None:
    unsigned = DoseRequest("ketamine-iv-0.5mgkg-40min", weight_kg=70)
    with pytest.raises(DomainInputError) as error:
        derive_order(unsigned, _reading(), SESSION)
    assert error.value.field == "protocol_version"


def test_plan_against_an_older_protocol_version_gives_no_order() -> None:
    old = DoseRequest("ketamine-iv-0.5mgkg-40min", weight_kg=70, protocol_version="2024.9")
    with pytest.raises(DomainInputError) as error:
        derive_order(old, _reading(), SESSION)
    assert error.value.field == "protocol_version"


def test_weight_measured_after_the_session_is_bad_input() -> None:
    with pytest.raises(DomainInputError) as error:
        derive_order(PLAN, _reading(days_old=-1), SESSION)
    assert error.value.field == "measured_on"


ORDER = calculate_dose(DoseRequest("ketamine-iv-0.5mgkg-40min", weight_kg=70))  # 35 mg, 52.5 mL/h


def test_matching_double_check() -> None:
    result = compare_double_check(
        ORDER, prepared_by="nurse-a", verified_by="nurse-b", dose_mg=35, rate_ml_per_h=52.5
    )
    assert result.matches
    assert result.mismatches == ()


def test_mismatch_blocks() -> None:
    result = compare_double_check(
        ORDER,
        prepared_by="nurse-a",
        verified_by="nurse-b",
        dose_mg=53,
        rate_ml_per_h=52.5,
        volume_ml=3.5,
    )
    assert not result.matches
    assert result.mismatches == (
        "dose_mg: order 35, entered 53",
        "volume_ml: order 35, entered 3.5",
    )


def test_tolerance_edge() -> None:
    # 1 % of 35 mg = 0.35 mg
    def matches(dose_mg: float) -> bool:
        return compare_double_check(
            ORDER, prepared_by="a", verified_by="b", dose_mg=dose_mg, rate_ml_per_h=52.5
        ).matches

    assert matches(35.35)
    assert matches(34.65)
    assert not matches(35.36)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"verified_by": "nurse-a"}, "verified_by"),
        ({"verified_by": " nurse-a "}, "verified_by"),
        ({"verified_by": ""}, "verified_by"),
        ({"rate_ml_per_h": None}, "rate_ml_per_h"),
    ],
)
def test_double_check_bad_input(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "prepared_by": "nurse-a",
        "verified_by": "nurse-b",
        "dose_mg": 35,
        "rate_ml_per_h": 52.5,
    } | kwargs
    with pytest.raises(DomainInputError) as error:
        compare_double_check(ORDER, **values)  # type: ignore[arg-type]
    assert error.value.field == field


def test_rate_does_not_apply_to_nasal_doses() -> None:
    nasal = calculate_dose(DoseRequest("esketamine-in-56mg", weight_kg=70))
    assert compare_double_check(nasal, prepared_by="a", verified_by="b", dose_mg=56).matches
    with pytest.raises(DomainInputError) as error:
        compare_double_check(nasal, prepared_by="a", verified_by="b", dose_mg=56, rate_ml_per_h=1)
    assert error.value.field == "rate_ml_per_h"
