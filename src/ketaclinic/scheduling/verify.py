"""An independent check of appointments against the hard rules, on exact times (no grid).

Every plan the planners return passes through it, and the tests use it as the referee.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from .bookings import Appointment, Booking
from .resources import Location
from .series import SeriesRule
from .times import from_epoch_s, to_epoch_s


@dataclass(frozen=True)
class Violation:
    """A broken hard rule; ``code`` is stable, ``appointments`` are the new ones involved."""

    code: str
    message: str
    appointments: tuple[Appointment, ...] = ()


Item = Appointment | Booking


def _span(item: Item) -> tuple[int, int]:
    return to_epoch_s(item.start), to_epoch_s(item.end)


def _when(item: Item, zone: ZoneInfo) -> str:
    start = item.start.astimezone(zone)
    return f"{start:%a %Y-%m-%d %H:%M %Z}–{item.end.astimezone(zone):%H:%M}"


def _overlaps(items: Sequence[Item], code: str, what: str) -> list[Violation]:
    """Overlapping pairs among ``items`` (one resource) that involve a new appointment."""
    found = []
    latest: Item | None = None
    for item in sorted(items, key=_span):
        if latest is not None and to_epoch_s(item.start) < to_epoch_s(latest.end):
            new = tuple(x for x in (latest, item) if isinstance(x, Appointment))
            if new:
                zone = new[0].zone
                message = f"{what}: {_when(latest, zone)} overlaps {_when(item, zone)}"
                found.append(Violation(code, message, new))
        if latest is None or to_epoch_s(item.end) > to_epoch_s(latest.end):
            latest = item
    return found


def _active(points: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """How many ``spans`` contain each of ``points``."""
    if not spans:
        return np.zeros(points.size, dtype=np.int64)
    array = np.asarray(spans, dtype=np.int64)
    starts, ends = np.sort(array[:, 0]), np.sort(array[:, 1])
    started = np.searchsorted(starts, points, side="right")
    return started - np.searchsorted(ends, points, side="right")


def _nurse_ratio(location: Location, items: Sequence[Item]) -> list[Violation]:
    nurses = [span for spans in location.nurse_spans() for span in spans]
    spans = [_span(item) for item in items]
    points = np.unique(np.asarray([*spans, *nurses], dtype=np.int64).ravel())
    load, on_duty = _active(points, spans), _active(points, nurses)
    found = []
    for at in np.flatnonzero(load > location.patients_per_nurse * on_duty):
        moment = int(points[at])
        new = tuple(
            item
            for item, (start, end) in zip(items, spans, strict=True)
            if isinstance(item, Appointment) and start <= moment < end
        )
        if new:
            local = from_epoch_s(moment).astimezone(location.calendar.zone)
            found.append(
                Violation(
                    "nurse_ratio",
                    f"at {local:%a %Y-%m-%d %H:%M %Z} {int(load[at])} patients are in chairs at "
                    f"{location.id!r} but {int(on_duty[at])} nurses on shift allow "
                    f"{location.patients_per_nurse * int(on_duty[at])}",
                    new,
                )
            )
    return found


def location_violations(
    location: Location, appointments: Sequence[Appointment], bookings: Sequence[Booking] = ()
) -> list[Violation]:
    """Hours, closures, chairs and nurse ratio for ``appointments`` at ``location``, against
    each other and the location's existing ``bookings``."""
    calendar = location.calendar
    found = []
    for item in appointments:
        start, end = _span(item)
        if item.location_id != location.id:
            found.append(
                Violation("location", f"{item.location_id!r} is not {location.id!r}", (item,))
            )
        if item.chair_id not in location.chair_ids:
            found.append(
                Violation(
                    "unknown_chair", f"{item.chair_id!r} is not a chair of {location.id!r}", (item,)
                )
            )
        if not calendar.within_hours(start, end):
            hours = ", ".join(str(w) for w in calendar.hours)
            found.append(
                Violation(
                    "hours",
                    f"{_when(item, location.calendar.zone)} is outside opening hours ({hours})",
                    (item,),
                )
            )
        closure = calendar.closure_over(start, end)
        if closure is not None:
            found.append(
                Violation(
                    "closure",
                    f"{_when(item, location.calendar.zone)} falls in a closure: {closure.reason}",
                    (item,),
                )
            )
    items: list[Item] = [*appointments, *bookings]
    by_chair: dict[str, list[Item]] = defaultdict(list)
    for taken in items:
        by_chair[taken.chair_id].append(taken)
    for chair_id, on_chair in by_chair.items():
        found += _overlaps(on_chair, "chair_taken", f"chair {chair_id!r}")
    return found + _nurse_ratio(location, items)


def patient_violations(
    appointments: Sequence[Appointment], bookings: Sequence[Booking] = ()
) -> list[Violation]:
    """A patient in two places at once, anywhere."""
    items: list[Item] = [*appointments, *bookings]
    by_patient: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.patient_id:
            by_patient[item.patient_id].append(item)
    found = []
    for patient_id, of_patient in by_patient.items():
        found += _overlaps(of_patient, "patient_overlap", f"patient {patient_id!r}")
    return found


def series_violations(sessions: Sequence[Appointment], rule: SeriesRule) -> list[Violation]:
    """Count, spacing and span of one patient's series (sessions in any order)."""
    ordered = sorted(sessions, key=lambda a: a.session)
    found = []
    if len(ordered) != rule.count:
        found.append(
            Violation(
                "count",
                f"{len(ordered)} sessions where the plan asks for {rule.count}",
                tuple(ordered),
            )
        )
    for before, after in itertools.pairwise(ordered):
        gap_h = (after.start - before.start).total_seconds() / 3600
        if not rule.min_spacing_h - 1e-9 <= gap_h <= rule.max_spacing_h + 1e-9:
            found.append(
                Violation(
                    "spacing",
                    f"sessions {before.session} and {after.session} start {gap_h:g} h apart; the "
                    f"plan asks for {rule.min_spacing_h:g}–{rule.max_spacing_h:g} h",
                    (before, after),
                )
            )
    if ordered and rule.max_span_days is not None:
        span_days = (ordered[-1].start - ordered[0].start).total_seconds() / 86400
        if span_days > rule.max_span_days + 1e-9:
            found.append(
                Violation(
                    "span",
                    f"the series spans {span_days:.2f} days from first to last start; "
                    f"the plan allows {rule.max_span_days:g}",
                    (ordered[0], ordered[-1]),
                )
            )
    return found


def find_violations(
    locations: Iterable[Location],
    appointments: Sequence[Appointment],
    bookings: Sequence[Booking] = (),
    rules: Mapping[str, SeriesRule] | None = None,
) -> list[Violation]:
    """Every hard rule a whole plan breaks; ``rules`` maps patient id to their series rule."""
    found = []
    known = {location.id: location for location in locations}
    for appointment in appointments:
        if appointment.location_id not in known:
            found.append(
                Violation(
                    "location", f"unknown location {appointment.location_id!r}", (appointment,)
                )
            )
    for location in known.values():
        here = [a for a in appointments if a.location_id == location.id]
        chairs = set(location.chair_ids)
        found += location_violations(location, here, [b for b in bookings if b.chair_id in chairs])
    found += patient_violations(appointments, bookings)
    by_patient: dict[str, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        by_patient[appointment.patient_id].append(appointment)
    for patient_id, rule in (rules or {}).items():
        found += series_violations(by_patient.get(patient_id, []), rule)
    return found
