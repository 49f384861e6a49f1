"""Scheduling benchmark (issue 6): CP-SAT batch planner (with the queue bound and the seat
planner's hint) against the greedy baseline, and the interactive planner on a busy location.

    .venv/bin/python bench/scheduling.py [--patients 200] [--time-limit-s 30] [--seed 1]

Scenario: 3 locations (New York, Chicago, Phoenix; the demo hours Mon–Thu 07:00–16:30,
Fri 08:00–12:00; 2 nurses Mon–Thu, 1 on Friday; 8 chairs each), a 4-week horizon from Monday
3 March 2025 (it crosses the US daylight-saving change), patients referred over the first
5 days (a waiting list), each needing the default six-session series (20–120 h apart, within
14 days) of the default 115-min infusion visit; varied availability and preferred times; 30 %
may use a second location. Prints a Markdown section for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import numpy as np

from ketaclinic.scheduling import (
    Availability,
    BatchPlan,
    BatchProblem,
    Booking,
    Location,
    SeriesRequest,
    WeeklyWindow,
    chair_utilisation,
    default_series_rule,
    demo_location,
    infusion_visit,
    plan_cp_sat,
    plan_greedy,
    propose_series,
    scheduling_policy,
)
from ketaclinic.scheduling.batch import Workspace
from ketaclinic.scheduling.bound import Relaxation, queue_bound

ZONES = {"nyc": "America/New_York", "chi": "America/Chicago", "phx": "America/Phoenix"}
START = datetime(2025, 3, 3, tzinfo=ZoneInfo("America/New_York"))
END = START + timedelta(days=28)
WEEKDAYS = range(5)


def _windows(days: list[int], begin: str, end: str) -> tuple[WeeklyWindow, ...]:
    return tuple(
        WeeklyWindow(day, clock.fromisoformat(begin), clock.fromisoformat(end)) for day in days
    )


def scenario(patients: int, seed: int) -> BatchProblem:
    rng = np.random.default_rng(seed)
    locations = tuple(demo_location(START, END, lid, zone) for lid, zone in ZONES.items())
    visit, rule = infusion_visit(), default_series_rule()
    ids = list(ZONES)
    requests = []
    for number in range(patients):
        home = ids[int(rng.integers(len(ids)))]
        allowed = [home]
        if rng.random() < 0.3:
            allowed.append(ids[(ids.index(home) + 1 + int(rng.integers(2))) % 3])
        kind = rng.random()
        if kind < 0.5:
            availability = Availability()
        elif kind < 0.75:
            availability = Availability(_windows(list(WEEKDAYS), "07:00", "12:00"))
        else:
            days = sorted(rng.choice(5, size=4, replace=False).tolist())
            availability = Availability(_windows(days, "07:00", "16:30"))
        wish = rng.random()
        preferred = (
            _windows(list(WEEKDAYS), "07:00", "12:00")
            if wish < 0.4
            else _windows(list(WEEKDAYS), "12:00", "16:30")
            if wish < 0.7
            else ()
        )
        referred = START.astimezone(ZoneInfo(ZONES[home])) + timedelta(days=int(rng.integers(5)))
        requests.append(
            SeriesRequest(
                patient_id=f"p{number:03d}",
                plan_id=f"plan-{number:03d}",
                plan_signed=True,
                series=rule,
                appointment_type=visit,
                not_before=referred,
                not_after=END,
                availability=availability,
                preferred=preferred,
                location_ids=tuple(allowed),
            )
        )
    return BatchProblem(locations, tuple(requests))


def busy_location_bookings(count: int, seed: int) -> tuple[Location, list[Booking]]:
    """The demo location over 8 weeks with ``count`` existing 115-min bookings on Mon–Thu."""
    rng = np.random.default_rng(seed)
    place = demo_location(START, START + timedelta(days=56), "busy")
    zone = ZoneInfo(ZONES["nyc"])
    bookings: list[Booking] = []
    while len(bookings) < count:
        day = START.astimezone(zone) + timedelta(days=int(rng.integers(56)))
        if day.weekday() > 3:
            continue
        begin = day.replace(hour=int(rng.integers(7, 15)), minute=15 * int(rng.integers(4)))
        bookings.append(
            Booking(
                place.chair_ids[int(rng.integers(len(place.chairs)))],
                begin,
                begin + timedelta(minutes=115),
                f"old-{len(bookings)}",
            )
        )
    return place, bookings


def _median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _best_by(plan: BatchPlan, seconds: float) -> float | None:
    found = [e.objective_h for e in plan.events if e.time_s <= seconds]
    return min(found) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--time-limit-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    problem = scenario(args.patients, args.seed)
    began = time.perf_counter()
    greedy = plan_greedy(problem)
    greedy_s = time.perf_counter() - began

    began = time.perf_counter()
    best = plan_cp_sat(problem, time_limit_s=args.time_limit_s, num_workers=args.workers)
    total_s = time.perf_counter() - began
    everyone = [e for e in best.events if e.scheduled_patients == len(problem.requests)]
    first_all = everyone[0].time_s if everyone else None
    bound = best.bound_h if best.bound_h is not None else float("-inf")
    within_5 = [e for e in best.events if e.objective_h - bound <= 0.05 * e.objective_h]
    workspace = Workspace(problem, scheduling_policy())
    relaxation = Relaxation(workspace)
    queue = queue_bound(relaxation, args.time_limit_s)

    place, bookings = busy_location_bookings(500, args.seed)
    single = SeriesRequest(
        "new",
        "plan-new",
        True,
        default_series_rule(),
        infusion_visit(),
        START,
        START + timedelta(days=56),
    )
    interactive_ms = _median_ms(lambda: propose_series(single, place, bookings), 21)
    proposal = propose_series(single, place, bookings)
    one = BatchProblem((place,), (single,), tuple(bookings))
    solver_ms = _median_ms(lambda: plan_cp_sat(one, time_limit_s=10, num_workers=1), 5)
    solved = plan_cp_sat(one, time_limit_s=10, num_workers=1)

    def use(plan: BatchPlan) -> str:
        shares = chair_utilisation(problem, plan)
        return " / ".join(f"{shares[lid]:.0%}" for lid in ZONES)

    def scheduled(plan: BatchPlan) -> int:
        return len(problem.requests) - len(plan.unscheduled)

    import ortools

    print("## Scheduling (bench/scheduling.py)\n")
    print(
        f"`.venv/bin/python bench/scheduling.py --patients {args.patients} --time-limit-s "
        f"{args.time_limit_s:g} --seed {args.seed}` — {platform.python_version()}, numpy "
        f"{np.__version__}, OR-Tools {ortools.__version__}, {args.workers} CP-SAT workers.\n"
    )
    print(
        f"Batch: {args.patients} patients × 6 sessions, 3 locations × 8 chairs (1 nurse : 4), "
        "4 weeks; see the docstring of bench/scheduling.py for the scenario.\n"
    )
    print(
        "| Planner | Patients scheduled | Time to a plan for all | Time to final plan "
        "| Objective (h-eq.) | Bound | Gap | Chair use nyc / chi / phx |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| greedy (baseline) | {scheduled(greedy)} | {greedy_s:.2f} s | {greedy_s:.2f} s | "
        f"{greedy.objective_h:,.0f} | — | — | {use(greedy)} |"
    )
    first = "never" if first_all is None else f"≤ {first_all:.2f} s"
    print(
        f"| CP-SAT ({args.time_limit_s:g} s limit, queue bound, seat-plan hint) "
        f"| {scheduled(best)} | {first} | "
        f"{total_s:.1f} s | {best.objective_h:,.0f} | {bound:,.0f} | {best.gap or 0:.1%} "
        f"| {use(best)} |"
    )
    print()
    marks = sorted({mark for mark in (2.0, 10.0) if mark < args.time_limit_s} | {args.time_limit_s})
    trail = ", ".join(
        f"{mark:g} s: {value:,.0f}" for mark in marks if (value := _best_by(best, mark)) is not None
    )
    print(f"Best objective by time since the call — {trail}; status {best.status}.")
    print(
        "Plans along the way: "
        + ", ".join(
            f"{e.time_s:.1f} s: {e.objective_h:,.0f} (bound {e.bound_h:,.0f})"
            for e in best.events[:4]
        )
        + "."
    )
    print(
        f"Queue bound alone (column generation, own {args.time_limit_s:g} s limit): "
        f"{queue.units / 100:,.0f} h-eq. in {queue.time_s:.1f} s, {queue.rounds} rounds, "
        f"{'converged' if queue.converged else 'not converged'}, {queue.buckets} buckets."
    )
    reached = f"{within_5[0].time_s:.1f} s" if within_5 else "not reached"
    print(f"Within 5 % of the final bound: {reached}.\n")
    print(
        f"Interactive: one 6-session series on a location with {len(bookings)} existing bookings "
        f"(8 weeks, 8 chairs): `propose_series` median {interactive_ms:.1f} ms (21 runs) vs "
        f"CP-SAT on the same request {solver_ms:.0f} ms (5 runs, "
        f"×{solver_ms / interactive_ms:.0f}); same first session: "
        f"{proposal.appointments[0].start == solved.appointments[0].start}."
    )


if __name__ == "__main__":
    main()
