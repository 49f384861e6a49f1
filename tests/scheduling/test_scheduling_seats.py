"""The seat planner: seats tile the open hours, its plans pass the exact checker, and it finds
known optima where the greedy baseline does not."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduling_support import MONDAY, at, location, request, weekdays

from ketaclinic.scheduling import (
    Availability,
    BatchProblem,
    Booking,
    esketamine_visit,
    plan_cp_sat,
    plan_greedy,
)
from ketaclinic.scheduling.batch import Workspace
from ketaclinic.scheduling.bound import Relaxation, queue_bound
from ketaclinic.scheduling.grid import runs
from ketaclinic.scheduling.policy import scheduling_policy
from ketaclinic.scheduling.seats import SeatSearch, seat_columns, seat_layout, seat_plan

ONE_VISIT_A_DAY = Availability(weekdays("07:00", "09:00"))


def _seat_plan(problem: BatchProblem, seconds: float = 5) -> tuple[int, int]:
    """The seat planner's cost and the queue bound, both in units; the plan is verified on
    exact times (``Workspace.plan`` raises if it breaks a hard rule)."""
    workspace = Workspace(problem, scheduling_policy())
    seats, columns = seat_columns(workspace, time_limit_s=30)
    bound = queue_bound(Relaxation(workspace), time_limit_s=30, start_chains=columns.chains)
    appointments = seat_plan(workspace, seats, columns, time.perf_counter() + seconds)
    workspace.plan("seats", "feasible", appointments)
    return workspace.cost(appointments), bound.units


def test_the_seat_planner_leaves_room_for_the_next_referral() -> None:
    """One chair, one visit a day. A needs two sessions 20–120 h apart from Monday; B one
    session from Tuesday. Greedy books A on Monday and Tuesday, so B waits until Wednesday
    07:00 (7 + 31 = 38 h). The optimum moves A's second session to Wednesday: 7 + 7 = 14 h."""
    one_chair = location(chairs=1, location_id="east")
    problem = BatchProblem(
        (one_chair,),
        (
            request("a", count=2, not_before=at(0, 0), availability=ONE_VISIT_A_DAY),
            request("b", count=1, not_before=at(1, 0), availability=ONE_VISIT_A_DAY),
        ),
    )
    assert plan_greedy(problem).objective_h == 38
    cost, bound = _seat_plan(problem)
    assert (cost, bound) == (14 * 100, 14 * 100)
    assert plan_cp_sat(problem, time_limit_s=10, num_workers=1).objective_h == 14


def test_the_seat_planner_finds_a_hand_computed_queue_optimum() -> None:
    """Five single 2-h visits for one chair, all referred Monday 07:00: 0 + 2 + 4 + 6 + 24 h."""
    one_chair = location(chairs=1, location_id="east")
    queue = tuple(request(f"p{n}", count=1, not_before=at(0, 7)) for n in range(5))
    cost, bound = _seat_plan(BatchProblem((one_chair,), queue))
    assert cost == bound == 36 * 100


@pytest.mark.parametrize("share", [0.1, 1.0])
def test_the_dive_alone_reaches_the_known_optima(share: float) -> None:
    """Without the search after it, the dive (fixing a tenth of the open patients per step,
    or all the LP takes at once) finds both hand-computed optima: 14 h (room left for the
    next referral) and the 36 h queue."""
    one_chair = location(chairs=1, location_id="east")
    next_referral = (
        request("a", count=2, not_before=at(0, 0), availability=ONE_VISIT_A_DAY),
        request("b", count=1, not_before=at(1, 0), availability=ONE_VISIT_A_DAY),
    )
    queue = tuple(request(f"p{n}", count=1, not_before=at(0, 7)) for n in range(5))
    for requests, hours in ((next_referral, 14), (queue, 36)):
        workspace = Workspace(BatchProblem((one_chair,), requests), scheduling_policy())
        seats, columns = seat_columns(workspace, time_limit_s=30)
        search = SeatSearch(workspace, columns, seats)
        search.dive(time.perf_counter() + 10, share=share)
        workspace.plan("seats", "feasible", search.appointments())
        assert search.cost() == hours * 100


def test_the_dive_undoes_a_step_that_raises_its_estimate() -> None:
    """Seven two-session series for two chairs, four of them one visit a day (a case found by
    random search). Fixing every chain the LP takes at once gives 190 h; undoing that step
    and fixing the one chain that keeps the LP estimate instead gives 166 h."""
    referred = [(6, 9, False), (4, 10, True), (3, 5, True), (3, 9, False), (4, 6, False)]
    referred += [(4, 14, True), (4, 12, True)]  # (day of March, hour UTC, one visit a day)
    requests = tuple(
        request(
            f"p{n}",
            count=2,
            days=10,
            max_spacing_h=50,
            not_before=datetime(2025, 3, day, hour, tzinfo=UTC),
            availability=ONE_VISIT_A_DAY if once else Availability(),
        )
        for n, (day, hour, once) in enumerate(referred)
    )
    workspace = Workspace(
        BatchProblem((location(chairs=2, location_id="east"),), requests), scheduling_policy()
    )
    seats, columns = seat_columns(workspace, time_limit_s=30)
    costs = []
    for slack in (0.001, math.inf):
        search = SeatSearch(workspace, columns, seats)
        search.dive(time.perf_counter() + 10, share=1.0, slack=slack)
        workspace.plan("seats", "feasible", search.appointments())
        costs.append(search.cost())
    assert costs == [166 * 100, 190 * 100]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chairs=st.integers(1, 3),
    ratio=st.integers(1, 3),
    esketamine=st.lists(st.booleans(), min_size=8, max_size=8),
    booked=st.lists(st.tuples(st.integers(0, 6), st.integers(7, 15)), max_size=5),
)
def test_seats_tile_the_open_hours_within_capacity(
    chairs: int, ratio: int, esketamine: list[bool], booked: list[tuple[int, int]]
) -> None:
    """Seats are as long as the longest visit, never overlap, lie inside the open hours (as
    many as fit in each open period), and hold no more than the chairs free for the whole
    seat and the nurse headroom."""
    east = location(chairs=chairs, patients_per_nurse=ratio, location_id="east")
    bookings = tuple(
        Booking(f"east-{1 + n % chairs}", at(day, hour), at(day, hour, 50), f"old-{n}")
        for n, (day, hour) in enumerate(booked)
    )
    requests = tuple(
        request(
            f"p{n}", count=2, days=10, **({"appointment_type": esketamine_visit()} if e else {})
        )
        for n, e in enumerate(esketamine)
    )
    workspace = Workspace(BatchProblem((east,), requests, bookings), scheduling_policy())
    state = workspace.states["east"]
    length = max(found.gaps.duration for found in workspace.candidates.values())
    seats = seat_layout(workspace)(state, 0)
    assert seats.exact
    assert np.all(np.diff(seats.firsts) >= length)
    for lo, hi in runs(state.open):
        inside = seats.firsts[(seats.firsts >= lo) & (seats.firsts < hi)]
        assert inside.size == (hi - lo) // length
        assert np.all(inside + length <= hi)
    for first, capacity in zip(seats.firsts.tolist(), seats.capacity.tolist(), strict=True):
        held = slice(first, first + length)
        assert 0 <= capacity <= int((~state.busy[:, held].any(axis=1)).sum())
        assert capacity <= max(int(state.headroom[held].min()), 0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patients=st.integers(1, 8),
    count=st.integers(1, 3),
    chairs=st.integers(1, 2),
    ratio=st.integers(1, 3),
    referred=st.lists(st.integers(0, 3), min_size=8, max_size=8),
    preferred=st.lists(st.booleans(), min_size=8, max_size=8),
    booked=st.lists(st.tuples(st.integers(0, 6), st.integers(7, 15)), max_size=4),
    span=st.sampled_from([None, 4.0]),
)
def test_seat_plans_pass_the_exact_checker_and_never_beat_the_bound(
    patients: int,
    count: int,
    chairs: int,
    ratio: int,
    referred: list[int],
    preferred: list[bool],
    booked: list[tuple[int, int]],
    span: float | None,
) -> None:
    """Two locations (one with existing bookings on its chairs), several visit lengths: every
    seat plan passes find_violations, and its cost is never below the queue bound."""
    east = location(chairs=chairs, patients_per_nurse=ratio, location_id="east")
    central = location(chairs=1, time_zone="America/Chicago", location_id="central")
    bookings = tuple(
        Booking(f"east-{1 + n % chairs}", at(day, hour), at(day, hour, 50), f"old-{n}")
        for n, (day, hour) in enumerate(booked)
    )
    requests = tuple(
        request(
            f"p{n}",
            count=count,
            days=10,
            max_spacing_h=50,
            max_span_days=span,
            not_before=MONDAY + timedelta(days=referred[n], hours=7 + n),
            preferred=weekdays("12:00", "16:30") if preferred[n] else (),
            location_ids=("east",) if n % 2 else ("east", "central"),
            **({"appointment_type": esketamine_visit()} if n % 3 == 2 else {}),
        )
        for n in range(patients)
    )
    problem = BatchProblem((east, central), requests, bookings)
    cost, bound = _seat_plan(problem, seconds=1)
    assert bound <= cost
