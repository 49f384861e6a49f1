"""Rescheduling one session keeps the series valid or says why not."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_support import NEW_YORK, at, location, request

from ketaclinic.scheduling import (
    Booking,
    Closure,
    SchedulingInputError,
    check_reschedule,
    find_violations,
    propose_series,
)

PLACE = location(
    chairs=2,
    patients_per_nurse=1,
    closures=(Closure.whole_day(date(2025, 3, 12), NEW_YORK, "holiday"),),
)
WANTED = request(count=3, min_spacing_h=20, max_spacing_h=72)
SERIES = propose_series(WANTED, PLACE).appointments  # Mon 3, Tue 4, Wed 5 at 07:00


def _codes(
    new_start: datetime, session: int = 2, bookings: tuple = (), chair: str | None = None
) -> list[str]:
    check = check_reschedule(SERIES, session, new_start, PLACE, WANTED.series, bookings, chair)
    return sorted({v.code for v in check.violations})


def test_the_series_is_as_expected() -> None:
    assert [a.start_local for a in SERIES] == [at(0, 7), at(1, 7), at(2, 7)]


def test_a_valid_move_keeps_the_series() -> None:
    bookings = [a.as_booking() for a in SERIES]
    check = check_reschedule(SERIES, 2, at(1, 10), PLACE, WANTED.series, bookings)
    assert check.ok
    assert [a.start_local for a in check.appointments] == [at(0, 7), at(1, 10), at(2, 7)]
    assert (
        check.appointments[1].end - check.appointments[1].start == SERIES[1].end - SERIES[1].start
    )


@pytest.mark.parametrize(
    ("session", "new_start", "codes"),
    [
        (3, at(2, 15), ["hours", "nurse_ratio"]),  # ends after 16:30, when the nurse leaves
        (2, at(0, 13), ["spacing"]),  # 6 h after session 1
        (2, at(0, 7), ["chair_taken", "nurse_ratio", "patient_overlap", "spacing"]),
        (3, at(9, 7), ["closure", "spacing"]),  # a holiday, and 8 days after session 2
        (3, at(5, 9), ["hours", "nurse_ratio", "spacing"]),  # Saturday: closed, no nurse
    ],
)
def test_broken_rules_are_named(session: int, new_start: datetime, codes: list[str]) -> None:
    assert _codes(new_start, session) == codes


def test_another_patients_booking_blocks_the_chair_and_nurse() -> None:
    other = (Booking("loc-1", at(1, 9), at(1, 11), "p2"),)
    assert _codes(at(1, 10), bookings=other) == ["chair_taken", "nurse_ratio"]
    check = check_reschedule(SERIES, 2, at(1, 10), PLACE, WANTED.series, other)
    assert "Tue 2025-03-04 09:00 EST–11:00" in check.violations[0].message


def test_bad_moves_are_refused_with_the_field() -> None:
    with pytest.raises(SchedulingInputError, match=r"^new_start: .*no time zone"):
        check_reschedule(SERIES, 2, datetime(2025, 3, 4, 13), PLACE, WANTED.series)
    with pytest.raises(SchedulingInputError, match=r"^session: 9"):
        check_reschedule(SERIES, 9, at(1, 13), PLACE, WANTED.series)
    with pytest.raises(SchedulingInputError, match=r"^chair_id: 'loc-9'"):
        check_reschedule(SERIES, 2, at(1, 13), PLACE, WANTED.series, chair_id="loc-9")


@settings(max_examples=60, deadline=None)
@given(session=st.integers(1, 3), quarter_hours=st.integers(-4 * 24 * 3, 4 * 24 * 6))
def test_a_move_is_accepted_exactly_when_the_whole_plan_is_valid(
    session: int, quarter_hours: int
) -> None:
    new_start = SERIES[session - 1].start + timedelta(minutes=15 * quarter_hours)
    check = check_reschedule(SERIES, session, new_start, PLACE, WANTED.series)
    whole = find_violations([PLACE], check.appointments, (), {"p1": WANTED.series})
    assert check.ok == (whole == [])


def test_a_series_missing_a_session_is_reported() -> None:
    codes = [v.code for v in find_violations([PLACE], SERIES[:2], (), {"p1": WANTED.series})]
    assert codes == ["count"]
