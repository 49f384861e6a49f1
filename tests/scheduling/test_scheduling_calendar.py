"""Opening hours, closures, time zones and daylight-saving changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_support import MONDAY, NEW_YORK, at

from ketaclinic.scheduling import (
    Booking,
    Closure,
    LocationCalendar,
    SchedulingInputError,
    TimeRange,
    WeeklyWindow,
    demo_calendar,
    zone_named,
)

ZONES = ["America/New_York", "America/Phoenix", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]


def test_demo_hours_are_the_seed_clinics_in_new_york() -> None:
    calendar = demo_calendar()
    assert calendar.zone.key == "America/New_York"
    by_day = {(w.weekday, w.start, w.end) for w in calendar.hours}
    assert by_day == {
        *((d, time(7), time(16, 30)) for d in range(4)),
        (4, time(8), time(12)),
    }


def test_opening_stays_at_seven_local_across_the_spring_forward_change() -> None:
    ranges = demo_calendar().open_ranges(at(0, 0), at(8, 0))
    starts = [r.start for r in ranges]
    assert [s.astimezone(NEW_YORK).time() for s in starts] == [time(7)] * 4 + [time(8), time(7)]
    assert starts[0].hour == 12
    assert starts[-1].hour == 11
    assert all(r.start.tzinfo is UTC for r in ranges)


def test_opening_stays_at_seven_local_across_the_fall_back_change() -> None:
    calendar = demo_calendar()
    friday, monday = datetime(2025, 10, 31, tzinfo=NEW_YORK), datetime(2025, 11, 3, tzinfo=NEW_YORK)
    ranges = calendar.open_ranges(friday, monday + timedelta(days=1))
    assert [(r.start.astimezone(NEW_YORK).time(), r.start.hour) for r in ranges] == [
        (time(8), 12),
        (time(7), 12),
    ]


def test_whole_day_closure_follows_local_midnight_on_a_23_hour_day() -> None:
    closure = Closure.whole_day(date(2025, 3, 9), NEW_YORK, "DST Sunday")
    assert closure.end - closure.start == timedelta(hours=23)


def test_closure_removes_exactly_its_hours() -> None:
    hours = demo_calendar()
    closed = LocationCalendar(
        hours.zone,
        hours.hours,
        (
            Closure.whole_day(date(2025, 3, 4), NEW_YORK, "holiday"),
            Closure(at(2, 10), at(2, 12), "repair"),
        ),
    )
    ranges = closed.open_ranges(at(0, 0), at(3, 0))
    local = [(r.start.astimezone(NEW_YORK), r.end.astimezone(NEW_YORK)) for r in ranges]
    assert local == [(at(0, 7), at(0, 16, 30)), (at(2, 7), at(2, 10)), (at(2, 12), at(2, 16, 30))]
    lower, upper = TimeRange(at(2, 10), at(2, 11)).epoch_s
    assert closed.within_hours(lower, upper)
    assert closed.closure_over(lower, upper) is not None


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    offset_h=st.integers(0, 24 * 365),
    length_h=st.integers(1, 24 * 21),
    closed_day=st.integers(0, 20),
)
def test_open_time_is_inside_hours_and_outside_closures(
    zone_name: str, offset_h: int, length_h: int, closed_day: int
) -> None:
    zone = ZoneInfo(zone_name)
    hours = demo_calendar(zone_name)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=offset_h)
    end = start + timedelta(hours=length_h)
    closure = Closure.whole_day(
        start.astimezone(zone).date() + timedelta(days=closed_day), zone, "x"
    )
    calendar = LocationCalendar(zone, hours.hours, (closure,))
    ranges = calendar.open_ranges(start, end)
    for previous, current in itertools.pairwise(ranges):
        assert previous.end < current.start
    for r in ranges:
        assert start <= r.start < r.end <= end
        assert not (r.start < closure.end and closure.start < r.end)
        local_start, local_end = r.start.astimezone(zone), r.end.astimezone(zone)
        assert local_start.date() == local_end.date()
        window = [w for w in hours.hours if w.weekday == local_start.weekday()]
        assert any(w.start <= local_start.time() and local_end.time() <= w.end for w in window), (
            local_start,
            local_end,
        )


def test_naive_or_reversed_times_are_refused_naming_the_field() -> None:
    with pytest.raises(SchedulingInputError, match=r"^start: .*no time zone"):
        TimeRange(datetime(2025, 3, 3, 9), MONDAY)
    with pytest.raises(SchedulingInputError, match=r"^end: .*not after start"):
        Booking("c1", at(0, 10), at(0, 9))
    with pytest.raises(SchedulingInputError, match=r"^end:"):
        WeeklyWindow(0, time(12), time(9))
    with pytest.raises(SchedulingInputError, match=r"^weekday:"):
        WeeklyWindow(7, time(9), time(12))
    with pytest.raises(SchedulingInputError, match=r"^time_zone: 'Mars/Olympus'"):
        zone_named("Mars/Olympus")
