"""When a Good Faith Estimate is due (45 CFR 149.610(b)(1); numbers in data/estimates.toml).

Pure functions of dates: the day the care was scheduled (or the estimate requested), the day
it will be furnished, and the days the location is closed. A business day is a weekday on
which the location is not closed all day (clinic policy)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from ketaclinic.core import load_toml


@dataclass(frozen=True)
class Window:
    ahead_business_days: int
    due_business_days: int
    source: str


@dataclass(frozen=True)
class TimingRule:
    version: str
    scheduled: tuple[Window, ...]
    """Most days ahead first: the first window the care falls in applies."""
    requested: Window


@cache
def timing_rule() -> TimingRule:
    data = load_toml("ketaclinic.records.pricing", "estimates.toml")
    timing = data["timing"]
    windows = sorted(
        (
            Window(w["ahead_business_days"], w["due_business_days"], w["source"])
            for w in timing["scheduled"]
        ),
        key=lambda w: -w.ahead_business_days,
    )
    asked = timing["requested"]
    return TimingRule(
        version=data["version"],
        scheduled=tuple(windows),
        requested=Window(0, asked["due_business_days"], asked["source"]),
    )


def is_business_day(day: date, closed: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in closed


def add_business_days(day: date, count: int, closed: Collection[date] = ()) -> date:
    """The ``count``-th business day after ``day`` (``day`` itself when ``count`` is 0)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, closed):
            remaining -= 1
    return current


def business_days_ahead(start: date, end: date, closed: Collection[date] = ()) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``):
    care scheduled on a Monday for the Thursday is 3 business days ahead."""
    days = (end - start).days
    return sum(
        1
        for offset in range(1, days + 1)
        if is_business_day(start + timedelta(days=offset), closed)
    )


@dataclass(frozen=True)
class Deadline:
    due_by: date | None
    """The last day to issue it; None when the rule requires none (care less than 3 business
    days ahead and not requested)."""
    reason: str
    source: str


def issue_deadline(
    asked_on: date,
    service_on: date | None,
    *,
    requested: bool,
    closed: Collection[date] = (),
) -> Deadline:
    """When the estimate is due: on request, within 3 business days of ``asked_on``; when
    scheduled (``asked_on`` = the day of scheduling) at least 10 business days ahead, within 3
    business days; at least 3 ahead, within 1; less than 3 ahead, not required."""
    rule = timing_rule()
    if requested or service_on is None:
        window = rule.requested
        return Deadline(
            add_business_days(asked_on, window.due_business_days, closed),
            f"requested: within {window.due_business_days} business days of the request",
            window.source,
        )
    ahead = business_days_ahead(asked_on, service_on, closed)
    for window in rule.scheduled:
        if ahead >= window.ahead_business_days:
            return Deadline(
                add_business_days(asked_on, window.due_business_days, closed),
                f"scheduled {ahead} business days ahead: within {window.due_business_days} "
                f"business day{'s' if window.due_business_days != 1 else ''} of scheduling",
                window.source,
            )
    return Deadline(
        None,
        f"scheduled {ahead} business days ahead: no estimate is required by the rule",
        rule.scheduled[-1].source,
    )
