"""Cohort statistics against published and hand-computed values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError
from ketaclinic.outcomes import (
    kaplan_meier,
    mean_estimate,
    mean_from_moments,
    proportion,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe, Stat Med 1998;17:857, Table I, method 3 (Wilson score, no correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_wilson_is_symmetric_and_stays_in_the_unit_interval() -> None:
    a, b = wilson_interval(3, 10), wilson_interval(7, 10)
    assert a.low == pytest.approx(1 - b.high)
    assert a.high == pytest.approx(1 - b.low)
    full = wilson_interval(10, 10)
    assert full.high == 1.0
    assert 0 < full.low < 1


def test_proportion_of_nobody_has_no_rate() -> None:
    empty = proportion(0, 0)
    assert (empty.rate, empty.interval) == (None, None)
    with pytest.raises(DomainInputError):
        wilson_interval(3, 2)


def test_t_interval_by_hand() -> None:
    # 1..5: mean 3, s = sqrt(2.5), t(0.975, 4) = 2.776445; half-width = 2.776445 x 0.707107.
    estimate = mean_estimate([1, 2, 3, 4, 5])
    assert estimate.mean == 3
    assert estimate.sd == pytest.approx(math.sqrt(2.5))
    assert estimate.interval is not None
    assert estimate.interval.low == pytest.approx(3 - 1.963243, abs=1e-5)
    assert estimate.interval.high == pytest.approx(3 + 1.963243, abs=1e-5)


def test_mean_needs_two_values_for_an_interval() -> None:
    assert mean_estimate([]).mean is None
    one = mean_estimate([-2.0])
    assert (one.mean, one.interval) == (-2.0, None)


@given(st.lists(st.integers(min_value=-100, max_value=100), min_size=2, max_size=40))
def test_moments_from_sql_agree_with_the_values(values: list[int]) -> None:
    direct = mean_estimate(values)
    moments = mean_from_moments(len(values), sum(values), sum(v * v for v in values))
    assert moments.mean == pytest.approx(direct.mean)
    assert moments.interval is not None
    assert direct.interval is not None
    assert moments.interval.low == pytest.approx(direct.interval.low, abs=1e-9)


# Freireich et al. 1963, 6-mercaptopurine arm (weeks in remission, + = censored), the worked
# example of Kleinbaum & Klein, Survival Analysis (3rd ed.), ch. 2, table of KM estimates.
SIX_MP = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"
SIX_MP_SURVIVAL = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378, 23: 0.4482}


def test_kaplan_meier_matches_the_textbook() -> None:
    durations = [float(t.rstrip("+")) for t in SIX_MP.split()]
    events = [not t.endswith("+") for t in SIX_MP.split()]
    curve = kaplan_meier(durations, events)
    assert (curve.n, curve.events) == (21, 9)
    for week, survival in SIX_MP_SURVIVAL.items():
        assert curve.survival_at(week) == pytest.approx(survival, abs=5e-5)
    assert curve.survival_at(5.9) == 1.0
    assert curve.survival_at(9) == pytest.approx(0.8067, abs=5e-5)  # a censored time: no step
    assert curve.median == 23
    assert all(
        lo <= s <= hi for lo, s, hi in zip(curve.low, curve.survival, curve.high, strict=True)
    )


def test_kaplan_meier_with_no_event_stays_at_one() -> None:
    curve = kaplan_meier([3.0, 8.0], [False, False])
    assert (curve.n, curve.events, curve.median) == (2, 0, None)
    assert curve.survival_at(100) == 1.0
    assert kaplan_meier([], []).n == 0


def test_kaplan_meier_refuses_bad_input() -> None:
    with pytest.raises(DomainInputError):
        kaplan_meier([1.0], [True, False])
    with pytest.raises(DomainInputError):
        kaplan_meier([-1.0], [True])
