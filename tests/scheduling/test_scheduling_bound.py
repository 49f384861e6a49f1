"""The queue bound: never above the best plan, and it sees the waiting list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduling_support import MONDAY, at, location, request, weekdays

from ketaclinic.scheduling import Availability, BatchProblem, Booking, plan_cp_sat, plan_greedy
from ketaclinic.scheduling.batch import Workspace
from ketaclinic.scheduling.bound import Relaxation, generate_columns, queue_bound
from ketaclinic.scheduling.greedy import greedy_appointments
from ketaclinic.scheduling.policy import scheduling_policy
from ketaclinic.scheduling.seats import seat_columns


def _bound(problem: BatchProblem) -> tuple[Workspace, Relaxation, int]:
    workspace = Workspace(problem, scheduling_policy())
    relaxation = Relaxation(workspace)
    found = queue_bound(relaxation, time_limit_s=30)
    assert found.converged
    return workspace, relaxation, found.units


def test_a_queue_for_one_chair_is_bounded_exactly() -> None:
    """Five single visits of 2 h for one chair, all referred Monday 07:00: the chair takes
    them at 07, 09, 11 and 13 h, the fifth on Tuesday 07:00: 0 + 2 + 4 + 6 + 24 = 36 h of
    waiting, and no plan can do better. Each patient alone could start at once (0 h)."""
    one_chair = location(chairs=1, location_id="east")
    queue = tuple(request(f"p{n}", count=1, not_before=at(0, 7)) for n in range(5))
    problem = BatchProblem((one_chair,), queue)
    _, _, units = _bound(problem)
    assert units == 36 * 100
    plan = plan_cp_sat(problem, time_limit_s=10, num_workers=1)
    assert (plan.status, plan.objective_h, plan.bound_h, plan.gap) == ("optimal", 36, 36, 0)
    assert plan_greedy(problem).objective_h == 36


def test_a_series_queue_is_bounded_by_its_sessions_not_just_its_first() -> None:
    """Two patients needing two sessions 20–30 h apart and one chair that opens for one 2-h
    visit a day: one series takes Monday and Tuesday, the other Wednesday and Thursday
    (48 h of waiting), since Tuesday's only visit goes to the first series."""
    one_visit_a_day = location(chairs=1, location_id="east")
    pair = tuple(
        request(
            f"p{n}",
            count=2,
            max_spacing_h=30,
            not_before=at(0, 7),
            availability=Availability(weekdays("07:00", "09:00")),
        )
        for n in range(2)
    )
    problem = BatchProblem((one_visit_a_day,), pair)
    _, _, units = _bound(problem)
    plan = plan_cp_sat(problem, time_limit_s=10, num_workers=1)
    assert (plan.status, plan.objective_h) == ("optimal", 48)
    assert units == 48 * 100


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patients=st.integers(1, 6),
    count=st.integers(1, 3),
    chairs=st.integers(1, 2),
    ratio=st.integers(1, 3),
    referred=st.lists(st.integers(0, 3), min_size=6, max_size=6),
    preferred=st.lists(st.booleans(), min_size=6, max_size=6),
    booked=st.lists(st.tuples(st.integers(0, 6), st.integers(7, 15)), max_size=4),
    span=st.sampled_from([None, 4.0]),
)
def test_the_bound_never_exceeds_a_proved_optimum(
    patients: int,
    count: int,
    chairs: int,
    ratio: int,
    referred: list[int],
    preferred: list[bool],
    booked: list[tuple[int, int]],
    span: float | None,
) -> None:
    """CP-SAT is told the bound (objective ≥ bound): were it above the optimum, CP-SAT would
    find no plan; so a proved optimum is also the bound's check."""
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
        )
        for n in range(patients)
    )
    problem = BatchProblem((east, central), requests, bookings)
    workspace, _, units = _bound(problem)
    assert units <= workspace.cost(greedy_appointments(workspace))
    plan = plan_cp_sat(problem, time_limit_s=20, num_workers=1)
    assert plan.status == "optimal"
    assert units <= round(plan.objective_h * 100)
    assert plan.bound_h == pytest.approx(plan.objective_h)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patients=st.integers(2, 12),
    chairs=st.integers(1, 3),
    referred=st.lists(st.integers(0, 4), min_size=12, max_size=12),
)
def test_the_bound_is_below_every_greedy_plan(
    patients: int, chairs: int, referred: list[int]
) -> None:
    """Plain greedy and toll-guided greedy are plans too: the bound never passes either."""
    place = location(chairs=chairs, location_id="east")
    requests = tuple(
        request(f"p{n}", count=3, days=14, not_before=MONDAY + timedelta(days=referred[n]))
        for n in range(patients)
    )
    workspace = Workspace(BatchProblem((place,), requests), scheduling_policy())
    relaxation = Relaxation(workspace)
    found = queue_bound(relaxation, time_limit_s=30)
    for choose in (None, relaxation.guided(found.tolls)):
        assert found.units <= workspace.cost(greedy_appointments(workspace, choose))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patients=st.integers(2, 10),
    chairs=st.integers(1, 3),
    referred=st.lists(st.integers(0, 4), min_size=10, max_size=10),
    span=st.sampled_from([None, 4.0]),
)
def test_seat_chains_seed_the_bound_to_the_same_value(
    patients: int, chairs: int, referred: list[int], span: float | None
) -> None:
    """Seeded with the chains of the column generation on seats, the queue bound converges to
    the bound found from scratch (within the one unit of rounding up) and stays below every
    greedy plan; each seat chain becomes the bucket chain holding its starts."""
    place = location(chairs=chairs, location_id="east")
    requests = tuple(
        request(
            f"p{n}",
            count=3,
            days=14,
            max_spacing_h=50,
            max_span_days=span,
            not_before=MONDAY + timedelta(days=referred[n], hours=n),
        )
        for n in range(patients)
    )
    workspace = Workspace(BatchProblem((place,), requests), scheduling_policy())
    _, columns = seat_columns(workspace, time_limit_s=30)
    relaxation = Relaxation(workspace)
    seeded = queue_bound(relaxation, time_limit_s=30, start_chains=columns.chains)
    cold = queue_bound(relaxation, time_limit_s=30)
    assert seeded.converged
    assert cold.converged
    assert abs(seeded.units - cold.units) <= 1
    assert seeded.units <= workspace.cost(greedy_appointments(workspace))
    _, generation = generate_columns(relaxation, time_limit_s=30, max_rounds=0)
    series = {one.found.request.patient_id: one for one in generation.series}
    for chain in columns.chains:
        mine = series[chain.series.found.request.patient_id].chain(chain.slots)
        assert mine is not None
        assert mine.cost <= chain.cost
        assert mine.rows.tolist() == relaxation.rows(chain.series.found, chain.slots).tolist()
