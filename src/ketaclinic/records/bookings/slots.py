"""Free slots for moving one chair visit: each start on the planning grid inside the opening
hours and the series' spacing window, tried with the booking services' own exact checks."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ketaclinic import scheduling
from ketaclinic.scheduling.times import from_epoch_s, to_epoch_s

from .checks import chair_visit_violations


@dataclass(frozen=True)
class Move:
    """A chair visit to move and what a move must respect, as domain values."""

    visit: scheduling.Appointment
    """The visit as booked now (its chair is tried first; its length is kept)."""
    location: scheduling.Location
    here: Sequence[scheduling.Booking]
    """The location's booked chair visits, the visit itself left out."""
    elsewhere: Sequence[scheduling.Booking]
    """The patient's other visits: other locations, or without a chair."""
    rule: scheduling.SeriesRule | None = None
    others: Sequence[scheduling.Appointment] = ()
    """The series' other booked sessions (none for a single visit)."""


def spacing_window(
    session: int, others: Sequence[scheduling.Appointment], rule: scheduling.SeriesRule | None
) -> tuple[datetime | None, datetime | None]:
    """The earliest and latest start the spacing with the neighbouring sessions and the span
    of the series allow for ``session`` (None: no bound)."""
    if rule is None or not others:
        return None, None
    before = [a.start for a in others if a.session < session]
    after = [a.start for a in others if a.session > session]
    low: list[datetime] = []
    high: list[datetime] = []
    if before:
        low.append(max(before) + timedelta(hours=rule.min_spacing_h))
        high.append(max(before) + timedelta(hours=rule.max_spacing_h))
    if after:
        low.append(min(after) - timedelta(hours=rule.max_spacing_h))
        high.append(min(after) - timedelta(hours=rule.min_spacing_h))
    if rule.max_span_days is not None:
        span = timedelta(days=rule.max_span_days)
        low.append(max(a.start for a in others) - span)
        high.append(min(a.start for a in others) + span)
    return max(low), min(high)


class _Overlapping:
    """Bookings overlapping a time, found by bisection on their starts."""

    def __init__(self, bookings: Sequence[scheduling.Booking]) -> None:
        self.bookings = sorted(bookings, key=lambda b: b.start)
        self.starts = [b.start for b in self.bookings]
        self.longest = max((b.end - b.start for b in self.bookings), default=timedelta(0))

    def over(self, start: datetime, end: datetime) -> list[scheduling.Booking]:
        first = bisect.bisect_left(self.starts, start - self.longest)
        last = bisect.bisect_left(self.starts, end)
        return [b for b in self.bookings[first:last] if b.end > start]


def _grid_starts(move: Move, start: datetime, end: datetime, slot_min: int) -> list[datetime]:
    """Starts on the ``slot_min`` grid in [start, end) whose whole visit lies in one open
    period (opening hours minus closures)."""
    length = to_epoch_s(move.visit.end) - to_epoch_s(move.visit.start)
    slot_s = slot_min * 60
    lower, upper = to_epoch_s(start), to_epoch_s(end)
    starts = []
    for opens, closes in move.location.calendar.open_spans(lower, upper + length):
        moment = -(-max(opens, lower) // slot_s) * slot_s
        while moment + length <= closes and moment < upper:
            starts.append(from_epoch_s(moment))
            moment += slot_s
    return starts


def free_starts(
    move: Move, start: datetime, end: datetime, slot_min: int
) -> list[scheduling.Appointment]:
    """The visit moved to each other start in [start, end) that breaks no hard rule, on its own
    chair when free, else the first free chair; soonest first."""
    visit = move.visit
    length = visit.end - visit.start
    chairs = [visit.chair_id, *(c for c in move.location.chair_ids if c != visit.chair_id)]
    chairs = [c for c in chairs if c in move.location.chair_ids]
    here, elsewhere = _Overlapping(move.here), _Overlapping(move.elsewhere)
    found = []
    for moment in _grid_starts(move, start, end, slot_min):
        if moment == visit.start:
            continue  # where it is now: not a move
        taken = here.over(moment, moment + length)
        busy = {b.chair_id for b in taken}
        chair = next((c for c in chairs if c not in busy), None)
        if chair is None:
            continue
        moved = replace(visit, chair_id=chair, start=moment, end=moment + length)
        series = [*move.others, moved] if move.rule is not None else None
        broken = chair_visit_violations(
            move.location,
            [moved],
            taken,
            elsewhere.over(moment, moment + length),
            rule=move.rule,
            series=series,
        )
        if not broken:
            found.append(moved)
    return found
