"""The demo location from data/demo_location.toml (the seed clinic's hours)."""

from __future__ import annotations

from datetime import datetime, time
from functools import cache
from typing import Any

from ketaclinic.core import load_toml

from .calendar import LocationCalendar, WeeklyWindow, zone_named
from .policy import scheduling_policy, sourced
from .resources import Chair, Location, WeeklyNurseShift, expand_weekly_shifts


@cache
def _data() -> dict[str, Any]:
    return load_toml(__package__, "demo_location.toml")


def _windows(entry: dict[str, Any]) -> list[WeeklyWindow]:
    return [
        WeeklyWindow(day, time.fromisoformat(entry["start"]), time.fromisoformat(entry["end"]))
        for day in entry["weekdays"]
    ]


def demo_calendar(time_zone: str | None = None) -> LocationCalendar:
    """The demo hours, in the demo zone or in ``time_zone``."""
    data = _data()
    hours = [window for entry in data["hours"] for window in _windows(entry)]
    return LocationCalendar(zone_named(time_zone or sourced(data, "time_zone")), tuple(hours))


def demo_location(
    start: datetime,
    end: datetime,
    location_id: str | None = None,
    time_zone: str | None = None,
) -> Location:
    """The demo location with its nurse shifts laid out between ``start`` and ``end``."""
    data = _data()
    calendar = demo_calendar(time_zone)
    pattern = [
        WeeklyNurseShift(window, int(entry["nurses"]))
        for entry in data["nurse_shifts"]
        for window in _windows(entry)
    ]
    ident = location_id or str(data["id"])
    return Location(
        id=ident,
        name=str(data["name"]),
        calendar=calendar,
        chairs=tuple(Chair(f"{ident}-{n}") for n in range(1, int(sourced(data, "chairs")) + 1)),
        nurse_shifts=expand_weekly_shifts(pattern, calendar, start, end),
        patients_per_nurse=scheduling_policy().patients_per_nurse,
    )
