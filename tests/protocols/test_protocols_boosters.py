"""Booster rule: responder, pain back to a fraction of baseline, minimum interval passed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError
from ketaclinic.protocols import evaluate_booster, get_protocol

SEED = get_protocol("ketamine-iv-0.5mgkg-40min")


def test_due_when_all_three_hold() -> None:
    decision = evaluate_booster(
        SEED, baseline_pain_nrs=8, best_pain_nrs=4, current_pain_nrs=6, days_since_last_session=14
    )
    assert decision.due
    assert decision.earliest_in_days == 0
    assert decision.rule_id == "pain-return"
    assert len(decision.reasons) == 3


def test_not_due_before_the_interval() -> None:
    decision = evaluate_booster(
        SEED, baseline_pain_nrs=8, best_pain_nrs=4, current_pain_nrs=6, days_since_last_session=10
    )
    assert not decision.due
    assert decision.earliest_in_days == 4


def test_not_due_for_a_non_responder() -> None:
    decision = evaluate_booster(
        SEED, baseline_pain_nrs=8, best_pain_nrs=6, current_pain_nrs=8, days_since_last_session=30
    )
    assert not decision.due
    assert "did not reach" in decision.reasons[0]


def test_pain_return_edge() -> None:
    # 0.70 x 10 = 7: at 7 pain has returned, at 6.9 it has not.
    def due(current: float) -> bool:
        return evaluate_booster(
            SEED,
            baseline_pain_nrs=10,
            best_pain_nrs=5,
            current_pain_nrs=current,
            days_since_last_session=20,
        ).due

    assert due(7.0)
    assert not due(6.9)


def test_responder_edge() -> None:
    def due(best: float) -> bool:
        return evaluate_booster(
            SEED,
            baseline_pain_nrs=10,
            best_pain_nrs=best,
            current_pain_nrs=9,
            days_since_last_session=20,
        ).due

    assert due(7.0)  # exactly 30 % relief
    assert not due(7.1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"baseline_pain_nrs": 0}, "baseline_pain_nrs"),
        ({"current_pain_nrs": -1}, "current_pain_nrs"),
        ({"days_since_last_session": -1}, "days_since_last_session"),
        ({"days_since_last_session": 1.5}, "days_since_last_session"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, float], field: str) -> None:
    values: dict[str, float] = {
        "baseline_pain_nrs": 8,
        "best_pain_nrs": 4,
        "current_pain_nrs": 6,
        "days_since_last_session": 14,
    } | kwargs
    with pytest.raises(DomainInputError) as error:
        evaluate_booster(SEED, **values)  # type: ignore[arg-type]
    assert error.value.field == field


@settings(max_examples=150, deadline=None)
@given(
    baseline=st.floats(0.5, 10),
    best=st.floats(0, 10),
    current=st.floats(0, 10),
    days=st.integers(0, 365),
)
def test_never_due_inside_the_interval_and_waiting_days_add_up(
    baseline: float, best: float, current: float, days: int
) -> None:
    decision = evaluate_booster(
        SEED,
        baseline_pain_nrs=baseline,
        best_pain_nrs=best,
        current_pain_nrs=current,
        days_since_last_session=days,
    )
    assert decision.earliest_in_days == max(0, 14 - days)
    if decision.due:
        assert days >= 14
        assert current >= 0.7 * baseline
        assert (baseline - best) / baseline >= 0.3


def test_pain_at_the_best_relief_has_not_returned() -> None:
    """Baseline 8, best 5.6 (exactly 30 % relief), now 5.6: a responder, but nothing lost."""
    decision = evaluate_booster(
        SEED,
        baseline_pain_nrs=8,
        best_pain_nrs=5.6,
        current_pain_nrs=5.6,
        days_since_last_session=14,
    )
    assert not decision.due
    assert "reached" in decision.reasons[0]
    assert "no relief lost" in decision.reasons[1]
    worse = evaluate_booster(
        SEED,
        baseline_pain_nrs=8,
        best_pain_nrs=5.6,
        current_pain_nrs=5.7,
        days_since_last_session=14,
    )
    assert worse.due


@given(
    baseline=st.floats(1, 10),
    best=st.floats(0, 10),
    days=st.integers(0, 60),
)
def test_never_due_while_pain_is_at_its_best(baseline: float, best: float, days: int) -> None:
    decision = evaluate_booster(
        SEED,
        baseline_pain_nrs=baseline,
        best_pain_nrs=best,
        current_pain_nrs=best,
        days_since_last_session=days,
    )
    assert not decision.due
