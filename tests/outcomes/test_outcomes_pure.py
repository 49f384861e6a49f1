"""Trajectories, responder status, immediate vs lasting change, durability and the booster
suggestion on constructed histories: missed visits, unequal spacing, edges of every threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError
from ketaclinic.outcomes import (
    CENSORED,
    IMPROVED,
    MODERATE,
    NOT_APPLICABLE,
    NOT_REACHED,
    RETURNED,
    SUBSTANTIAL,
    UNKNOWN,
    InfusionEvent,
    ScorePoint,
    Trajectory,
    assess_patient,
    build_trajectories,
    classify,
    durability,
    falls_by,
    fiqr_thresholds,
    immediate_pairs,
    outcome_rules,
    pain_thresholds,
    percent_fall,
    rules_from_mapping,
    suggest_booster,
)
from ketaclinic.protocols import get_protocol

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
PAIN = "nrs_pain_average"
PAIN_NOW = "nrs_pain_now"
PROTOCOL = "ketamine-iv-0.5mgkg-40min"


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def pain(*points: tuple[float, float, str]) -> Trajectory:
    """(day, score, context) triples, in any order."""
    return build_trajectories(
        [ScorePoint(PAIN, day(d), v, c, i) for i, (d, v, c) in enumerate(points)], [PAIN]
    )[PAIN]


def infusion(d: float, dose_mg: float = 35) -> InfusionEvent:
    return InfusionEvent(1, day(d), dose_mg, "iv_infusion", PROTOCOL, 40)


def test_points_sort_by_time_whatever_the_order_given() -> None:
    trajectory = pain((30, 5, "follow_up"), (0, 8, "baseline"), (9, 6, "follow_up"))
    assert [p.total for p in trajectory.points] == [8, 6, 5]


def test_baseline_is_the_latest_baseline_and_follow_ups_come_after_it() -> None:
    trajectory = pain(
        (0, 9, "baseline"),
        (5, 3, "follow_up"),  # before the re-baseline: not compared with it
        (20, 8, "baseline"),
        (50, 6, "follow_up"),
    )
    assert trajectory.baseline is not None
    assert trajectory.baseline.total == 8
    assert [p.total for p in trajectory.lasting] == [6]
    change = trajectory.change()
    assert change is not None
    assert change.points == -2
    assert change.percent_fall == 25


def test_post_infusion_scores_are_not_lasting_and_pre_infusion_ones_are() -> None:
    trajectory = pain(
        (0, 8, "baseline"),
        (7, 7, "pre_infusion"),
        (7.1, 3, "post_infusion"),
        (7.05, 5, "during_infusion"),
    )
    assert [p.total for p in trajectory.lasting] == [7]
    assert trajectory.latest is not None
    assert trajectory.latest.total == 7


@pytest.mark.parametrize(
    ("latest", "category"),
    [
        (4, SUBSTANTIAL),  # exactly 50 %
        (4.5, MODERATE),
        (5.6, MODERATE),  # exactly 30 %
        (5.61, NOT_REACHED),
        (9, NOT_REACHED),  # worse
    ],
)
def test_pain_responder_at_the_immpact_edges(latest: float, category: str) -> None:
    status = classify(
        pain((0, 8, "baseline"), (40, latest, "follow_up")), pain_thresholds(outcome_rules())
    )
    assert status.category == category
    assert status.responder == (category != NOT_REACHED)


def test_exact_thirty_percent_on_a_ten_point_baseline_is_a_responder() -> None:
    # 0.3 x 10 is 3.0000000000000004 in floating point; the rule compares exactly.
    status = classify(
        pain((0, 10, "baseline"), (30, 7, "follow_up")), pain_thresholds(outcome_rules())
    )
    assert status.category == MODERATE


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        (((10, 5, "follow_up"),), "no baseline"),
        (((0, 0, "baseline"), (10, 0, "follow_up")), "baseline is 0"),
        (((0, 8, "baseline"), (3, 2, "post_infusion")), "no follow-up"),
    ],
)
def test_responder_is_unknown_without_what_it_needs(points: tuple, reason: str) -> None:
    status = classify(pain(*points), pain_thresholds(outcome_rules()))
    assert status.category == UNKNOWN
    assert reason in status.reason


def test_responder_status_uses_the_latest_score_and_reports_the_best() -> None:
    # Missed visits and unequal spacing: days 3, 40 and 41 only.
    status = classify(
        pain(
            (0, 8, "baseline"), (3, 3, "follow_up"), (40, 7, "follow_up"), (41, 6, "pre_infusion")
        ),
        pain_thresholds(outcome_rules()),
    )
    assert (status.category, status.latest, status.best) == (NOT_REACHED, 6, 3)
    assert status.best_percent_fall == pytest.approx(62.5)


def test_fiqr_responder_uses_the_borrowed_mcid_marked_unconfirmed() -> None:
    rules = outcome_rules()
    assert rules.fiqr_improved_percent.value == 14
    assert not rules.fiqr_threshold_confirmed
    assert "UNCONFIRMED" in rules.fiqr_improved_percent.note
    fiqr = build_trajectories(
        [
            ScorePoint("fiqr", day(0), 50, "baseline"),
            ScorePoint("fiqr", day(28), 43, "follow_up"),  # exactly 14 %
        ],
        ["fiqr"],
    )["fiqr"]
    status = classify(fiqr, fiqr_thresholds(rules))
    assert status.category == IMPROVED
    assert "unconfirmed" in status.label


def test_every_threshold_carries_its_source() -> None:
    rules = outcome_rules()
    assert "Dworkin" in rules.pain_moderate_percent.source
    assert "Dworkin" in rules.pain_substantial_percent.source
    assert "Bennett" in rules.fiqr_improved_percent.source
    assert rules.return_fraction.source == "clinic policy"


def test_rules_refuse_a_number_without_a_source() -> None:
    from ketaclinic.core import load_toml

    data = load_toml("ketaclinic.outcomes", "outcomes.toml")
    data["responder"]["pain"]["moderate_percent"] = {"value": 30}
    with pytest.raises(DomainInputError) as error:
        rules_from_mapping(data)
    assert error.value.field == "responder.pain.moderate_percent.source"


@given(
    baseline=st.integers(min_value=1, max_value=10),
    value=st.integers(min_value=0, max_value=10),
    percent=st.sampled_from([10, 14, 30, 50]),
)
def test_falls_by_agrees_with_the_exact_percentage(baseline: int, value: int, percent: int) -> None:
    fall = percent_fall(baseline, value)
    assert fall is not None
    exact = (baseline - value) * 100 >= percent * baseline
    assert falls_by(baseline, value, percent) == exact
    assert abs(fall - (baseline - value) / baseline * 100) < 1e-9


@given(
    baseline=st.integers(min_value=1, max_value=10),
    values=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=8),
)
def test_a_lower_latest_score_never_ranks_lower(baseline: int, values: list[int]) -> None:
    order = [UNKNOWN, NOT_REACHED, MODERATE, SUBSTANTIAL]
    thresholds = pain_thresholds(outcome_rules())
    ranks = [
        order.index(
            classify(pain((0, baseline, "baseline"), (10, v, "follow_up")), thresholds).category
        )
        for v in sorted(values)
    ]
    assert ranks == sorted(ranks, reverse=True)


def test_immediate_pairs_match_each_post_score_with_its_visit() -> None:
    trajectory = pain(
        (0, 8, "baseline"),
        (7, 7, "pre_infusion"),
        (7.1, 4, "post_infusion"),
        (9, 6, "pre_infusion"),  # its post score is missing (missed)
        (14, 7, "pre_infusion"),
        (14.1, 3, "post_infusion"),
        (20, 2, "post_infusion"),  # no pre score within 12 h
    )
    pairs = immediate_pairs(trajectory, 12)
    assert [(p.pre.total, p.post.total) for p in pairs] == [(7, 4), (7, 3)]
    assert [p.points for p in pairs] == [-3, -4]


def test_assess_patient_separates_immediate_from_lasting_change() -> None:
    points = [
        ScorePoint(PAIN, day(0), 8, "baseline"),
        ScorePoint(PAIN_NOW, day(7), 7, "pre_infusion"),
        ScorePoint(PAIN_NOW, day(7.1), 3, "post_infusion"),
        ScorePoint(PAIN, day(30), 7, "follow_up"),
    ]
    outcome = assess_patient(points, [infusion(7)], protocol=None, now=day(31))
    immediate = outcome.immediate_pain
    assert immediate is not None
    assert immediate.instrument_id == PAIN_NOW
    assert immediate.immediate.mean == -4
    lasting = next(c for c in outcome.immediate if c.instrument_id == PAIN)
    assert lasting.pairs == ()
    assert lasting.lasting is not None
    assert lasting.lasting.points == -1
    assert outcome.pain_response.category == NOT_REACHED
    assert [t.instrument_id for t in outcome.trajectories] == list(
        outcome_rules().shown_instruments
    )


def test_the_immediate_change_ignores_24_hour_averages_taken_at_the_visit() -> None:
    points = [
        ScorePoint(PAIN, day(0), 8, "baseline"),
        ScorePoint(PAIN, day(7), 8, "pre_infusion"),
        ScorePoint(PAIN_NOW, day(7.01), 6, "pre_infusion"),
        ScorePoint(PAIN, day(7.1), 2, "post_infusion"),  # 24-h recall: not a pair
        ScorePoint(PAIN_NOW, day(7.1), 5, "post_infusion"),
        ScorePoint("nrs_fatigue", day(7), 8, "pre_infusion"),
        ScorePoint("nrs_fatigue", day(7.1), 1, "post_infusion"),
    ]
    outcome = assess_patient(points, [infusion(7)], protocol=None, now=day(8))
    assert [c.instrument_id for c in outcome.immediate if c.pairs] == [PAIN_NOW]
    assert outcome.immediate_pain is not None
    assert [(p.pre.total, p.post.total) for p in outcome.immediate_pain.pairs] == [(6, 5)]
    assert outcome.immediate_pain.immediate.mean == -1
    # The 24-hour average before the infusion still counts as a lasting score.
    assert outcome.trajectory(PAIN).latest == points[1]


def test_without_pain_now_pairs_there_is_no_immediate_change() -> None:
    points = [
        ScorePoint(PAIN, day(0), 8, "baseline"),
        ScorePoint(PAIN, day(7), 8, "pre_infusion"),
        ScorePoint(PAIN, day(7.1), 3, "post_infusion"),
        ScorePoint(PAIN_NOW, day(9.1), 3, "post_infusion"),  # its pre score was missed
    ]
    outcome = assess_patient(points, [infusion(7)], protocol=None, now=day(10))
    assert outcome.immediate_pain is None
    assert all(c.pairs == () for c in outcome.immediate)


@given(
    visits=st.lists(
        st.tuples(*[st.integers(min_value=0, max_value=10)] * 4), min_size=1, max_size=6
    )
)
def test_the_immediate_mean_is_the_mean_of_pain_now_changes(
    visits: list[tuple[int, int, int, int]],
) -> None:
    """Each visit: pain now before and after, and a 24-hour average before and after."""
    points = [ScorePoint(PAIN, day(0), 8, "baseline")]
    for n, (now_pre, now_post, average_pre, average_post) in enumerate(visits, start=1):
        points += [
            ScorePoint(PAIN, day(7 * n), average_pre, "pre_infusion"),
            ScorePoint(PAIN_NOW, day(7 * n), now_pre, "pre_infusion"),
            ScorePoint(PAIN, day(7 * n + 0.1), average_post, "post_infusion"),
            ScorePoint(PAIN_NOW, day(7 * n + 0.1), now_post, "post_infusion"),
        ]
    infusions = [infusion(7 * n) for n in range(1, len(visits) + 1)]
    outcome = assess_patient(points, infusions, protocol=None, now=day(7 * len(visits) + 1))
    immediate = outcome.immediate_pain
    assert immediate is not None
    assert len(immediate.pairs) == len(visits)
    expected = sum(post - pre for pre, post, _, _ in visits) / len(visits)
    assert immediate.immediate.mean == pytest.approx(expected)


def test_the_rules_name_pain_now_apart_from_the_24_hour_pain() -> None:
    from ketaclinic.core import load_toml

    rules = outcome_rules()
    assert (rules.pain_instrument, rules.pain_now_instrument) == (PAIN, PAIN_NOW)
    assert PAIN_NOW not in rules.shown_instruments
    data = load_toml("ketaclinic.outcomes", "outcomes.toml")
    data["instruments"]["pain_now"] = PAIN
    with pytest.raises(DomainInputError) as error:
        rules_from_mapping(data)
    assert error.value.field == "instruments.pain_now"


def test_durability_returns_at_the_first_visit_at_or_above_the_fraction() -> None:
    trajectory = pain(
        (0, 8, "baseline"),
        (10, 7, "pre_infusion"),  # before the last infusion: not counted
        (16, 3, "follow_up"),
        (37, 5, "follow_up"),
        (58, 6, "follow_up"),  # 6 >= 0.7 x 8 = 5.6; visits at days 16, 37, 58 only
        (60, 4, "follow_up"),
    )
    result = durability(trajectory, [infusion(3), infusion(14)], 0.7)
    assert result.status == RETURNED
    assert result.days == 44
    assert result.threshold == pytest.approx(5.6)
    assert "44 days" in result.summary


def test_durability_is_censored_at_the_last_score_when_pain_stays_low() -> None:
    trajectory = pain((0, 8, "baseline"), (20, 3, "follow_up"), (51.5, 4, "follow_up"))
    result = durability(trajectory, [infusion(14)], 0.7)
    assert (result.status, result.days, result.returned) == (CENSORED, 37.5, False)


def test_durability_fraction_is_configurable() -> None:
    trajectory = pain((0, 8, "baseline"), (20, 5, "follow_up"), (30, 7, "follow_up"))
    assert durability(trajectory, [infusion(14)], 0.5).days == 6
    assert durability(trajectory, [infusion(14)], 0.8).days == 16
    with pytest.raises(DomainInputError):
        durability(trajectory, [infusion(14)], 0)


@pytest.mark.parametrize(
    ("points", "infusions", "reason"),
    [
        (((0, 8, "baseline"), (20, 3, "follow_up")), (), "no infusion"),
        (((20, 3, "follow_up"),), (14,), "no baseline"),
        (((0, 8, "baseline"), (10, 3, "follow_up")), (14,), "no pain score since"),
    ],
)
def test_durability_needs_an_infusion_a_baseline_and_a_later_score(
    points: tuple, infusions: tuple, reason: str
) -> None:
    result = durability(pain(*points), [infusion(d) for d in infusions], 0.7)
    assert result.status == NOT_APPLICABLE
    assert reason in result.reason
    assert result.days is None or result.observed_at is None


def test_booster_due_when_a_responder_s_pain_returns_after_the_interval() -> None:
    protocol = get_protocol(PROTOCOL)
    trajectory = pain((0, 8, "baseline"), (20, 4, "follow_up"), (45, 6, "follow_up"))
    suggestion = suggest_booster(trajectory, [infusion(7), infusion(9)], protocol, day(46))
    assert suggestion.due
    assert (suggestion.baseline_pain, suggestion.best_pain, suggestion.current_pain) == (8, 4, 6)
    assert suggestion.days_since_last_infusion == 37
    assert suggestion.decision is not None
    assert suggestion.decision.rule_id == "pain-return"
    assert suggestion.summary.startswith("A booster is due")


def test_booster_waits_for_the_minimum_interval() -> None:
    protocol = get_protocol(PROTOCOL)
    trajectory = pain((0, 8, "baseline"), (12, 4, "follow_up"), (19, 7, "follow_up"))
    suggestion = suggest_booster(trajectory, [infusion(10)], protocol, day(20))
    assert not suggestion.due
    assert suggestion.decision is not None
    assert suggestion.decision.earliest_in_days == 4
    assert "4 more days" in suggestion.summary


def test_no_booster_for_a_non_responder() -> None:
    protocol = get_protocol(PROTOCOL)
    trajectory = pain((0, 8, "baseline"), (20, 7, "follow_up"), (45, 8, "follow_up"))
    assert not suggest_booster(trajectory, [infusion(7)], protocol, day(46)).due


@pytest.mark.parametrize(
    ("protocol_id", "infusions", "points", "reason"),
    [
        (None, (7,), ((0, 8, "baseline"), (20, 4, "follow_up")), "no signed treatment plan"),
        (PROTOCOL, (), ((0, 8, "baseline"), (20, 4, "follow_up")), "no infusion"),
        (PROTOCOL, (7,), ((20, 4, "follow_up"),), "no baseline"),
        (PROTOCOL, (7,), ((0, 8, "baseline"), (5, 4, "follow_up")), "no pain score since"),
        (PROTOCOL, (7,), ((0, 0, "baseline"), (20, 0, "follow_up")), "baseline_pain_nrs"),
    ],
)
def test_booster_cannot_be_judged_without_its_inputs(
    protocol_id: str | None, infusions: tuple, points: tuple, reason: str
) -> None:
    protocol = get_protocol(protocol_id) if protocol_id else None
    suggestion = suggest_booster(pain(*points), [infusion(d) for d in infusions], protocol, day(60))
    assert suggestion.decision is None
    assert not suggestion.due
    assert reason in suggestion.unavailable


def test_values_refuse_naive_times_and_bad_doses() -> None:
    with pytest.raises(DomainInputError) as error:
        ScorePoint(PAIN, datetime(2025, 1, 1), 5, "follow_up")
    assert error.value.field == "completed_at"
    with pytest.raises(DomainInputError) as error:
        InfusionEvent(1, T0, 0, "iv_infusion", PROTOCOL)
    assert error.value.field == "dose_mg"
    with pytest.raises(DomainInputError) as error:
        ScorePoint(PAIN, T0, 5, "sometime")
    assert error.value.field == "context"
