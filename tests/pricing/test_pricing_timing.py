"""When a Good Faith Estimate is due (45 CFR 149.610(b)(1)): a pure function of dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.records.pricing.timing import (
    add_business_days,
    business_days_ahead,
    is_business_day,
    issue_deadline,
)

MONDAY = date(2031, 3, 3)


def test_business_days_skip_weekends_and_closed_days() -> None:
    friday = MONDAY + timedelta(days=4)
    assert add_business_days(friday, 1) == MONDAY + timedelta(days=7)
    assert add_business_days(MONDAY, 0) == MONDAY
    closed = {MONDAY + timedelta(days=1)}
    assert add_business_days(MONDAY, 1, closed) == MONDAY + timedelta(days=2)
    assert business_days_ahead(MONDAY, MONDAY + timedelta(days=3)) == 3  # Mon → Thu
    assert business_days_ahead(MONDAY, MONDAY + timedelta(days=14)) == 10


def test_scheduled_three_to_nine_business_days_ahead_is_due_within_one() -> None:
    deadline = issue_deadline(MONDAY, MONDAY + timedelta(days=3), requested=False)
    assert deadline.due_by == MONDAY + timedelta(days=1)
    assert "within 1 business day" in deadline.reason
    assert "149.610" in deadline.source


def test_scheduled_ten_business_days_ahead_is_due_within_three() -> None:
    deadline = issue_deadline(MONDAY, MONDAY + timedelta(days=14), requested=False)
    assert deadline.due_by == MONDAY + timedelta(days=3)
    nine_ahead = issue_deadline(MONDAY, MONDAY + timedelta(days=11), requested=False)
    assert nine_ahead.due_by == MONDAY + timedelta(days=1)


def test_a_request_is_due_within_three_business_days_whenever_the_care_is() -> None:
    friday = MONDAY + timedelta(days=4)
    deadline = issue_deadline(friday, friday + timedelta(days=3), requested=True)
    assert deadline.due_by == friday + timedelta(days=5)  # Mon, Tue, Wed
    assert issue_deadline(friday, None, requested=False).due_by == deadline.due_by


def test_care_less_than_three_business_days_ahead_needs_no_estimate() -> None:
    deadline = issue_deadline(MONDAY, MONDAY + timedelta(days=2), requested=False)
    assert deadline.due_by is None
    assert "no estimate is required" in deadline.reason


@given(
    asked=st.dates(min_value=date(2026, 1, 1), max_value=date(2035, 12, 31)),
    ahead_days=st.integers(min_value=0, max_value=60),
    requested=st.booleans(),
)
def test_the_deadline_is_a_business_day_soon_after_asking(
    asked: date, ahead_days: int, requested: bool
) -> None:
    service = asked + timedelta(days=ahead_days)
    deadline = issue_deadline(asked, service, requested=requested)
    ahead = business_days_ahead(asked, service)
    if deadline.due_by is None:
        assert not requested
        assert ahead < 3
        return
    assert is_business_day(deadline.due_by)
    expected = 3 if requested or ahead >= 10 else 1
    assert business_days_ahead(asked, deadline.due_by) == expected
    if not requested:  # scheduled care: the estimate is due before the care is given
        assert deadline.due_by < service
