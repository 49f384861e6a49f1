"""Moving one session of a booked series: does the series stay valid, and if not, why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .bookings import Appointment, Booking
from .errors import SchedulingInputError
from .resources import Location
from .series import SeriesRule
from .times import require_aware
from .verify import Violation, location_violations, patient_violations, series_violations


@dataclass(frozen=True)
class RescheduleCheck:
    """The series as it would be after the move, and every hard rule the move would break."""

    appointments: tuple[Appointment, ...]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


def check_reschedule(
    series: Sequence[Appointment],
    session: int,
    new_start: datetime,
    location: Location,
    rule: SeriesRule,
    bookings: Sequence[Booking] = (),
    chair_id: str | None = None,
) -> RescheduleCheck:
    """Check moving ``session`` of ``series`` to ``new_start`` at ``location`` (same length).

    ``bookings`` are the other bookings the move must respect (the location's chairs and the
    patient's own elsewhere); entries equal in chair and time to a session of ``series`` are
    recognised as that session and ignored. ``chair_id`` defaults to the session's own chair.
    Availability is not checked: the patient asked for the new time.
    """
    new_start = require_aware(new_start, "new_start")
    if len({a.patient_id for a in series}) != 1:
        raise SchedulingInputError("series", "must be the sessions of one patient")
    by_session = {a.session: a for a in series}
    if session not in by_session:
        raise SchedulingInputError("session", f"{session} is not a session of this series")
    old = by_session[session]
    if chair_id is None:
        if old.location_id != location.id:
            raise SchedulingInputError("chair_id", "is needed when moving to another location")
        chair_id = old.chair_id
    if chair_id not in location.chair_ids:
        raise SchedulingInputError("chair_id", f"{chair_id!r} is not a chair of {location.id!r}")
    moved = replace(
        old,
        location_id=location.id,
        chair_id=chair_id,
        start=new_start,
        end=new_start + (old.end - old.start),
        zone=location.calendar.zone,
    )
    after = tuple(moved if a.session == session else a for a in series)
    own = {(a.chair_id, a.start, a.end) for a in series}
    others = [b for b in bookings if (b.chair_id, b.start, b.end) not in own]
    kept = [a.as_booking() for a in after if a is not moved]
    chairs = set(location.chair_ids)
    here = [b for b in [*others, *kept] if b.chair_id in chairs]
    violations = [
        *location_violations(location, [moved], here),
        *patient_violations([moved], [*others, *kept]),
        *series_violations(after, rule),
    ]
    return RescheduleCheck(after, tuple(violations))
