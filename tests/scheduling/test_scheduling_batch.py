"""Batch planning: CP-SAT and the greedy baseline keep every hard rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduling_support import MONDAY, at, location, request, weekdays

from ketaclinic.scheduling import (
    Availability,
    BatchPlan,
    BatchProblem,
    Booking,
    Location,
    SchedulingInputError,
    chair_utilisation,
    find_violations,
    plan_cp_sat,
    plan_greedy,
)


def _rules(problem: BatchProblem, plan: BatchPlan) -> dict:
    """Each scheduled patient's series rule (a patient left out has no sessions to check)."""
    placed = {a.patient_id for a in plan.appointments}
    return {r.patient_id: r.series for r in problem.requests if r.patient_id in placed}


def _peak_load_within_nurse_ratio(problem: BatchProblem, plan: BatchPlan) -> None:
    """Quarter hour by quarter hour while a planned visit runs: patients in chairs (planned
    and booked before) ≤ ratio × nurses wholly on duty."""
    for place in problem.locations:
        planned = [a for a in plan.appointments if a.location_id == place.id]
        items = planned + [b for b in problem.bookings if b.chair_id in place.chair_ids]
        moment = MONDAY
        while moment < MONDAY + timedelta(days=28):
            following = moment + timedelta(minutes=15)
            moment, previous = following, moment
            if not any(a.start < following and previous < a.end for a in planned):
                continue
            load = sum(1 for a in items if a.start < following and previous < a.end)
            nurses = {
                s.nurse_id for s in place.nurse_shifts if s.start <= previous and following <= s.end
            }
            assert load <= place.patients_per_nurse * len(nurses), (place.id, previous)


def _two_locations() -> tuple[Location, Location]:
    return (
        location(chairs=2, nurses=1, patients_per_nurse=2, location_id="east"),
        location(chairs=1, time_zone="America/Chicago", location_id="central"),
    )


def _problem(patients: int = 6, bookings: tuple[Booking, ...] = ()) -> BatchProblem:
    requests = tuple(
        request(
            f"p{n}",
            count=3,
            days=14,
            location_ids=("east",) if n % 3 else ("east", "central"),
            preferred=weekdays("12:00", "16:30") if n % 2 else (),
            not_before=MONDAY + timedelta(days=n % 2),
        )
        for n in range(patients)
    )
    return BatchProblem(_two_locations(), requests, bookings)


def test_cp_sat_plans_everyone_no_worse_than_greedy_and_proves_it() -> None:
    problem = _problem()
    greedy = plan_greedy(problem)
    best = plan_cp_sat(problem, time_limit_s=10, num_workers=1)
    for plan in (greedy, best):
        assert plan.unscheduled == ()
        assert len(plan.appointments) == 18
        assert (
            find_violations(problem.locations, plan.appointments, (), _rules(problem, plan)) == []
        )
        _peak_load_within_nurse_ratio(problem, plan)
    assert (greedy.method, greedy.bound_h, greedy.gap) == ("greedy", None, None)
    assert best.status == "optimal"
    assert best.gap == 0.0
    assert best.objective_h == pytest.approx(best.bound_h)
    assert best.objective_h <= greedy.objective_h
    assert best.events
    assert best.events[-1].objective_h == pytest.approx(best.objective_h)
    zones = {a.location_id: a.zone.key for a in best.appointments}
    assert zones.get("central", "America/Chicago") == "America/Chicago"
    assert 0 < chair_utilisation(problem, best)["east"] < 1


def test_existing_bookings_pin_their_chair() -> None:
    taken = tuple(Booking("east-1", at(day, 7), at(day, 16, 30), "old") for day in range(14))
    problem = _problem(4, taken)
    plan = plan_cp_sat(problem, time_limit_s=10, num_workers=1)
    assert plan.unscheduled == ()
    assert {a.chair_id for a in plan.appointments if a.location_id == "east"} == {"east-2"}
    assert find_violations(problem.locations, plan.appointments, taken, _rules(problem, plan)) == []


def test_patients_left_out_are_told_why() -> None:
    one_chair = location(chairs=1, location_id="east")
    crowd = tuple(request(f"p{n}", count=2, days=2, max_spacing_h=30) for n in range(5))
    never = request(
        "saturdays", count=1, availability=Availability(weekdays("07:00", "12:00", range(5, 6)))
    )
    problem = BatchProblem((one_chair,), (*crowd, never))
    for plan in (plan_greedy(problem), plan_cp_sat(problem, time_limit_s=10, num_workers=1)):
        reasons = {u.patient_id: [r.code for r in u.reasons] for u in plan.unscheduled}
        assert reasons.pop("saturdays") == ["availability"]
        assert reasons
        assert all(codes == ["capacity"] for codes in reasons.values())
        assert len(plan.appointments) == 2 * (5 - len(reasons))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patients=st.integers(1, 7),
    count=st.integers(1, 3),
    chairs=st.integers(1, 3),
    ratio=st.integers(1, 3),
    booked=st.lists(st.tuples(st.integers(0, 10), st.integers(5, 17)), max_size=6),
    solver=st.sampled_from(["greedy", "cp-sat"]),
)
def test_no_plan_ever_breaks_the_nurse_ratio_or_a_chair(
    patients: int, count: int, chairs: int, ratio: int, booked: list, solver: str
) -> None:
    place = location(chairs=chairs, patients_per_nurse=ratio, location_id="east")
    bookings = tuple(
        Booking(f"east-{1 + n % chairs}", at(day, hour), at(day, hour, 45), f"old-{n}")
        for n, (day, hour) in enumerate(booked)
    )
    requests = tuple(
        request(f"p{n}", count=count, days=10, max_spacing_h=50) for n in range(patients)
    )
    problem = BatchProblem((place,), requests, bookings)
    plan = (
        plan_greedy(problem)
        if solver == "greedy"
        else plan_cp_sat(problem, time_limit_s=0.5, num_workers=1)
    )
    assert (
        find_violations(problem.locations, plan.appointments, bookings, _rules(problem, plan)) == []
    )
    _peak_load_within_nurse_ratio(problem, plan)
    assert {a.patient_id for a in plan.appointments} | {u.patient_id for u in plan.unscheduled} == {
        r.patient_id for r in requests
    }


def test_bad_batches_name_the_field() -> None:
    east, _central = _two_locations()
    with pytest.raises(SchedulingInputError, match=r"^patients\[1\].id: 'p1' has a second"):
        BatchProblem((east,), (request("p1"), request("p1")))
    with pytest.raises(SchedulingInputError, match=r"^patients\[0\].locations: unknown"):
        BatchProblem((east,), (request("p1", location_ids=("west",)),))
    with pytest.raises(SchedulingInputError, match=r"^bookings\[0\].chair_id: 'x'"):
        BatchProblem((east,), (request(),), (Booking("x", at(0, 7), at(0, 8)),))
    with pytest.raises(SchedulingInputError, match=r"^locations: location ids repeat"):
        BatchProblem((east, east), (request(),))
