"""Scheduling benchmark (issue 6): CP-SAT batch planner against the greedy baseline, and the
interactive planner on a busy location.

    .venv/bin/python bench/scheduling.py [--patients 200] [--time-limit-s 30] [--seed 1]

Scenario: 3 locations (New York, Chicago, Phoenix; the demo hours Mon–Thu 07:00–16:30,
Fri 08:00–12:00; 2 nurses Mon–Thu, 1 on Friday; 8 chairs each), a 4-week horizon from Monday
3 March 2025 (it crosses the US daylight-saving change), patients referred over the first 10
days, each needing the default six-session series (20–120 h apart, within 14 days) of the
default 115-min infusion visit; varied availability and preferred times; 30 % may use a
second location. Prints a Markdown section for docs/PERFORMANCE.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import numpy as np

from ketaclinic.scheduling import (
    Availability,
    BatchProblem,
    SeriesRequest,
    WeeklyWindow,
    default_series_rule,
    demo_location,
    infusion_visit,
)

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
