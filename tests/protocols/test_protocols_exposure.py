"""Cumulative exposure per rolling 12 months: soft and hard limits as protocol data."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.protocols import protocol_ids
from ketaclinic.protocols.consent import consent_document, consent_policy
from ketaclinic.protocols.exposure import check_exposure, exposure_limits

SEED = "ketamine-iv-0.5mgkg-40min"
DAY = date(2026, 6, 1)


def _sessions(n: int, mg: float = 35) -> list[tuple[date, float]]:
    return [(DAY - timedelta(days=7 * (i + 1)), mg) for i in range(n)]


def test_every_protocol_has_exposure_limits_and_a_consent_document() -> None:
    for protocol_id in protocol_ids():
        assert exposure_limits(protocol_id).sessions.source
        assert consent_document(protocol_id).sections
    assert consent_policy().valid_days.value == 365


def test_session_limits_soft_then_hard() -> None:
    limits = exposure_limits(SEED).sessions
    at_soft = int(limits.soft) - 1  # earlier sessions; the planned one makes soft
    assert check_exposure(SEED, _sessions(at_soft), DAY, 35).level == "within"
    assert check_exposure(SEED, _sessions(at_soft + 1), DAY, 35).level == "soft"
    assert check_exposure(SEED, _sessions(int(limits.hard) - 1), DAY, 35).level == "soft"
    assert check_exposure(SEED, _sessions(int(limits.hard)), DAY, 35).level == "hard"


def test_total_mg_limit_and_the_rolling_window() -> None:
    heavy = check_exposure(SEED, _sessions(5, mg=250), DAY, 250)
    assert heavy.level == "hard"
    assert "total dose" in heavy.reasons[0]
    old = [(DAY - timedelta(days=365), 1200.0)]
    assert check_exposure(SEED, old, DAY, 35).level == "within"
    assert check_exposure(SEED, [(DAY - timedelta(days=364), 1200.0)], DAY, 35).level == "hard"


@given(st.lists(st.integers(0, 400), max_size=40), st.floats(0, 200))
def test_more_exposure_never_lowers_the_level(days_ago: list[int], planned: float) -> None:
    order = {"within": 0, "soft": 1, "hard": 2}
    given_ = [(DAY - timedelta(days=d + 1), 35.0) for d in days_ago]
    fewer = check_exposure(SEED, given_[:-1], DAY, planned)
    more = check_exposure(SEED, given_, DAY, planned)
    assert order[more.level] >= order[fewer.level]
