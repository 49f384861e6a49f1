"""Titration proposals: step down on intolerance, hold, step up on poor response, within limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ketaclinic.core import DomainInputError
from ketaclinic.protocols import (
    SEVERITIES,
    Protocol,
    SessionResponse,
    SessionTolerance,
    get_protocol,
    propose_titration,
    protocols,
    titration_range,
)

SEED = get_protocol("ketamine-iv-0.5mgkg-40min")
GOOD = SessionTolerance()
NO_RELIEF = SessionResponse(baseline_pain_nrs=8, pain_nrs=7)  # 12.5 % relief
RELIEF = SessionResponse(baseline_pain_nrs=8, pain_nrs=5)  # 37.5 % relief


def test_poor_response_tolerated_steps_up() -> None:
    proposal = propose_titration(SEED, 0.3, GOOD, NO_RELIEF)
    assert proposal.action == "increase"
    assert proposal.proposed_value == 0.4
    assert proposal.quantity == "dose_mg_per_kg"
    assert proposal.rule_version


def test_step_up_stops_at_the_soft_maximum() -> None:
    assert propose_titration(SEED, 0.45, GOOD, NO_RELIEF).proposed_value == 0.5
    at_max = propose_titration(SEED, 0.5, GOOD, NO_RELIEF)
    assert at_max.action == "hold"
    assert at_max.proposed_value == 0.5
    assert "override" in at_max.reasons[0]


def test_response_holds_the_dose() -> None:
    proposal = propose_titration(SEED, 0.4, GOOD, RELIEF)
    assert (proposal.action, proposal.proposed_value) == ("hold", 0.4)


def test_response_threshold_edge() -> None:
    exactly_30 = SessionResponse(baseline_pain_nrs=10, pain_nrs=7)
    assert propose_titration(SEED, 0.4, GOOD, exactly_30).action == "hold"
    just_below = SessionResponse(baseline_pain_nrs=10, pain_nrs=7.1)
    assert propose_titration(SEED, 0.4, GOOD, just_below).action == "increase"


def test_moderate_side_effects_hold() -> None:
    proposal = propose_titration(SEED, 0.3, SessionTolerance("moderate"), NO_RELIEF)
    assert proposal.action == "hold"


@pytest.mark.parametrize(
    ("tolerance", "reason"),
    [
        (SessionTolerance("severe"), "severe side effects"),
        (SessionTolerance(cadss6_score=13), "CADSS-6"),
        (SessionTolerance(peak_sbp_mm_hg=181), "systolic"),
        (SessionTolerance(peak_heart_rate_per_min=151), "heart rate"),
    ],
)
def test_intolerance_steps_down(tolerance: SessionTolerance, reason: str) -> None:
    proposal = propose_titration(SEED, 0.5, tolerance, RELIEF)
    assert proposal.action == "decrease"
    assert proposal.proposed_value == 0.4
    assert reason in proposal.reasons[0]


@pytest.mark.parametrize(
    "tolerance",
    [
        SessionTolerance(cadss6_score=12),
        SessionTolerance(peak_sbp_mm_hg=180),
        SessionTolerance(peak_heart_rate_per_min=150),
    ],
)
def test_tolerance_thresholds_are_inclusive(tolerance: SessionTolerance) -> None:
    assert propose_titration(SEED, 0.3, tolerance, NO_RELIEF).action == "increase"


def test_intolerance_at_the_minimum_asks_the_physician() -> None:
    proposal = propose_titration(SEED, 0.1, SessionTolerance("severe"), RELIEF)
    assert proposal.action == "physician_review"
    assert proposal.proposed_value == 0.1


def test_fixed_dose_protocol_titrates_in_mg() -> None:
    esketamine = get_protocol("esketamine-in-56mg")
    down = propose_titration(esketamine, 84, SessionTolerance("severe"), RELIEF)
    assert (down.quantity, down.action, down.proposed_value) == ("dose_mg", "decrease", 56)
    up = propose_titration(esketamine, 56, GOOD, NO_RELIEF)
    assert (up.action, up.proposed_value) == ("increase", 84)


@pytest.mark.parametrize(
    ("tolerance", "response", "field"),
    [
        (SessionTolerance("awful"), RELIEF, "worst_side_effect"),  # type: ignore[arg-type]
        (SessionTolerance(cadss6_score=25), RELIEF, "cadss6_score"),
        (SessionTolerance(peak_sbp_mm_hg=500), RELIEF, "peak_sbp_mm_hg"),
        (GOOD, SessionResponse(0, 0), "baseline_pain_nrs"),
        (GOOD, SessionResponse(8, 11), "pain_nrs"),
    ],
)
def test_bad_input_names_the_field(
    tolerance: SessionTolerance, response: SessionResponse, field: str
) -> None:
    with pytest.raises(DomainInputError) as error:
        propose_titration(SEED, 0.5, tolerance, response)
    assert error.value.field == field


tolerances = st.builds(
    SessionTolerance,
    worst_side_effect=st.sampled_from(SEVERITIES),
    cadss6_score=st.none() | st.integers(0, 24),
    peak_sbp_mm_hg=st.none() | st.floats(90, 220),
    peak_heart_rate_per_min=st.none() | st.floats(40, 180),
)
responses = st.builds(
    SessionResponse, baseline_pain_nrs=st.floats(0.5, 10), pain_nrs=st.floats(0, 10)
)


@settings(max_examples=200, deadline=None)
@given(
    protocol=st.sampled_from(protocols()),
    fraction=st.floats(0, 1),
    tolerance=tolerances,
    response=responses,
)
def test_proposals_stay_in_range_and_never_raise_an_untolerated_dose(
    protocol: Protocol, fraction: float, tolerance: SessionTolerance, response: SessionResponse
) -> None:
    low, high = titration_range(protocol)
    current = low + fraction * (high - low) or high
    proposal = propose_titration(protocol, current, tolerance, response)
    assert low - 1e-9 <= proposal.proposed_value <= high + 1e-9
    if tolerance.worst_side_effect in ("moderate", "severe"):
        assert proposal.proposed_value <= current
    if proposal.action == "increase":
        assert proposal.proposed_value > current
        assert response.relief_fraction < 0.30
    if proposal.action == "decrease":
        assert proposal.proposed_value < current


class TitrationOverASeries(RuleBasedStateMachine):
    """Session after session, the accepted proposal never leaves the titration range."""

    def __init__(self) -> None:
        super().__init__()
        self.protocol = SEED
        self.low, self.high = titration_range(SEED)
        self.dose_mg_per_kg = SEED.session_dose.value

    @rule(tolerance=tolerances, response=responses)
    def session(self, tolerance: SessionTolerance, response: SessionResponse) -> None:
        proposal = propose_titration(self.protocol, self.dose_mg_per_kg, tolerance, response)
        assert abs(proposal.proposed_value - self.dose_mg_per_kg) <= 0.1 + 1e-9
        self.dose_mg_per_kg = proposal.proposed_value

    @invariant()
    def within_range(self) -> None:
        assert self.low - 1e-9 <= self.dose_mg_per_kg <= self.high + 1e-9


TitrationOverASeries.TestCase.settings = settings(
    max_examples=50, stateful_step_count=12, deadline=None
)
test_titration_over_a_series = TitrationOverASeries.TestCase
