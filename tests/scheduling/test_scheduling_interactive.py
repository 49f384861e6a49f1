"""The interactive series planner: earliest series, hours, closures, DST, reasons."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_support import MONDAY, NEW_YORK, VISIT_120, at, location, request, weekdays

from ketaclinic.scheduling import (
    Appointment,
    Availability,
    Booking,
    Closure,
    NurseShift,
    SchedulingInputError,
    SeriesRule,
    default_series_rule,
    find_violations,
    infusion_visit,
    propose_series,
)
from ketaclinic.scheduling.errors import SafetyLimitInputError


def _local(appointments: tuple[Appointment, ...]) -> list[datetime]:
    return [a.start_local for a in appointments]


def test_earliest_series_crosses_the_dst_change_at_the_same_local_time() -> None:
    wanted = request(count=6, series=default_series_rule(), appointment_type=infusion_visit())
    proposal = propose_series(wanted, location())
    assert proposal.found
    assert proposal.reasons == ()
    assert _local(proposal.appointments) == [
        at(0, 7),
        at(1, 7),
        at(2, 7),
        at(3, 7),
        at(4, 8),
        at(7, 7),
    ]
    first, last = proposal.appointments[0], proposal.appointments[-1]
    assert (first.start.hour, last.start.hour) == (12, 11)  # UTC: EST then EDT
    assert last.start - proposal.appointments[-2].start == timedelta(hours=70)  # 71 h less 1
    assert [a.session for a in proposal.appointments] == [1, 2, 3, 4, 5, 6]
    assert all(a.end - a.start == timedelta(minutes=115) for a in proposal.appointments)
    assert find_violations([location()], proposal.appointments, (), {"p1": wanted.series}) == []


def test_a_closure_day_is_skipped_and_the_spacing_still_holds() -> None:
    closed = location(closures=(Closure.whole_day(date(2025, 3, 4), NEW_YORK, "holiday"),))
    proposal = propose_series(request(count=3), closed)
    assert _local(proposal.appointments) == [at(0, 7), at(2, 7), at(3, 7)]


def test_bookings_take_chairs_and_the_patient_own_time() -> None:
    place = location(chairs=1)
    others = [Booking("loc-1", at(0, 7), at(0, 9), "someone")]
    assert _local(propose_series(request(count=1), place, others).appointments) == [at(0, 9)]
    two_chairs = location(chairs=2)
    own = [Booking("loc-2", at(0, 7), at(0, 11), "p1")]
    assert _local(propose_series(request(count=1), two_chairs, own).appointments) == [at(0, 11)]


def test_the_nurse_ratio_caps_patients_in_chairs() -> None:
    place = location(chairs=3, patients_per_nurse=2)
    taken = [Booking("loc-1", at(0, 7), at(0, 10)), Booking("loc-2", at(0, 8), at(0, 10))]
    proposal = propose_series(request(count=1), place, taken)
    assert _local(proposal.appointments) == [at(0, 10)]
    assert proposal.appointments[0].chair_id == "loc-1"


def test_preferred_times_are_kept_when_they_cost_little() -> None:
    afternoons = request(count=2, preferred=weekdays("12:00", "16:30"))
    proposal = propose_series(afternoons, location())
    assert _local(proposal.appointments) == [at(0, 12), at(1, 12)]
    assert proposal.reasons == ()


def test_impossible_preferences_give_the_earliest_series_with_a_note() -> None:
    evenings = request(count=2, preferred=weekdays("18:00", "21:00"))
    proposal = propose_series(evenings, location())
    assert _local(proposal.appointments) == [at(0, 7), at(1, 7)]
    assert [r.code for r in proposal.reasons] == ["preferences"]
    assert "2 of 2 sessions" in proposal.reasons[0].message


CASES = {
    "window": {"not_after": MONDAY + timedelta(hours=1)},
    "closed": {"not_before": at(5, 0), "not_after": at(7, 0)},
    "availability": {"availability": Availability(weekdays("07:00", "12:00", range(5, 7)))},
    "spacing": {
        "series": SeriesRule(3, 20, 30),
        "availability": Availability(weekdays("07:00", "16:30", range(0, 5, 2))),
    },
    "span": {
        "series": SeriesRule(3, 20, 120, 2),
        "availability": Availability(weekdays("07:00", "16:30", range(0, 5, 2))),
    },
}


@pytest.mark.parametrize("code", list(CASES))
def test_no_fit_is_explained_by_the_first_filter_that_leaves_nothing(code: str) -> None:
    proposal = propose_series(request(**CASES[code]), location())
    assert not proposal.found
    assert [r.code for r in proposal.reasons] == [code]
    assert proposal.reasons[0].message


def test_no_fit_when_every_chair_or_every_nurse_is_taken() -> None:
    week = [Booking("loc-1", at(day, 6), at(day, 17)) for day in range(14)]
    full = propose_series(request(count=1, days=14), location(chairs=1), week)
    assert [r.code for r in full.reasons] == ["chairs"]
    ratio = propose_series(
        request(count=1, days=14), location(chairs=2, patients_per_nurse=1), week
    )
    assert [r.code for r in ratio.reasons] == ["nurse_ratio"]
    counts = dict(ratio.candidate_counts)
    assert counts["chair"] > 0
    assert counts["nurse"] == 0


def test_bad_requests_name_their_field() -> None:
    with pytest.raises(SafetyLimitInputError, match=r"^plan_signed: plan 'plan-p1' is not signed"):
        request(plan_signed=False)
    with pytest.raises(SchedulingInputError, match=r"^not_before: .*no time zone"):
        request(not_before=datetime(2025, 3, 3))
    with pytest.raises(SchedulingInputError, match=r"^series.min_spacing_h: 1 h is shorter"):
        request(min_spacing_h=1, max_spacing_h=30)
    with pytest.raises(SchedulingInputError, match=r"^location:"):
        propose_series(request(location_ids=("elsewhere",)), location())
    with pytest.raises(SchedulingInputError, match=r"^bookings\[0\].chair_id: 'nope'"):
        propose_series(request(), location(), [Booking("nope", at(0, 7), at(0, 8))])


def test_five_hundred_bookings_are_respected() -> None:
    rng = np.random.default_rng(7)
    place = location(chairs=8, nurses=2, days=70)
    bookings = []
    for _ in range(500):
        day, chair = int(rng.integers(0, 60)), int(rng.integers(1, 9))
        if (MONDAY + timedelta(days=day)).weekday() < 4:
            start = at(day, int(rng.integers(7, 14)), 15 * int(rng.integers(0, 4)))
            bookings.append(Booking(f"loc-{chair}", start, start + timedelta(minutes=115)))
    wanted = request(count=6, series=default_series_rule(), days=56)
    proposal = propose_series(wanted, place, bookings)
    assert proposal.found
    assert find_violations([place], proposal.appointments, bookings, {"p1": wanted.series}) == []


grid_times = st.tuples(st.integers(0, 4), st.integers(26, 66)).map(
    lambda t: MONDAY + timedelta(days=t[0], minutes=15 * t[1])
)


@settings(max_examples=25, deadline=None)
@given(
    bookings=st.lists(st.tuples(st.integers(1, 2), grid_times, st.integers(1, 16)), max_size=12),
    relief=st.lists(st.tuples(grid_times, st.integers(1, 16)), max_size=3),
    ratio=st.integers(1, 2),
)
def test_single_visit_is_the_first_slot_the_exact_rules_allow(
    bookings: list[tuple[int, datetime, int]], relief: list[tuple[datetime, int]], ratio: int
) -> None:
    """Brute force on exact times agrees with the grid when everything is slot-aligned."""
    extra = tuple(
        NurseShift(f"relief-{n}", start, start + timedelta(minutes=15 * q))
        for n, (start, q) in enumerate(relief)
    )
    place = location(chairs=2, patients_per_nurse=ratio, extra_shifts=extra)
    taken = [
        Booking(f"loc-{chair}", start, start + timedelta(minutes=15 * q), f"other-{n}")
        for n, (chair, start, q) in enumerate(bookings)
    ]
    wanted = request(count=1, days=5)
    proposal = propose_series(wanted, place, taken)
    expected = None
    slot = MONDAY
    while slot + timedelta(minutes=120) <= wanted.not_after and expected is None:
        for chair in place.chair_ids:
            candidate = Appointment(
                "p1",
                "plan-p1",
                1,
                "loc",
                chair,
                "infusion",
                slot,
                slot + timedelta(minutes=VISIT_120.duration_min),
                NEW_YORK,
            )
            if not find_violations([place], [candidate], taken):
                expected = slot
                break
        slot += timedelta(minutes=15)
    assert (proposal.appointments[0].start if proposal.found else None) == expected
