"""The booked visits a change to a location must respect, as the bookings app reports them.

Clinics sits below bookings and does not import it: bookings provides the query in its
``AppConfig.ready`` (``provide_booked_visits``); a closure, a shift or the nurse ratio asks
``booked_visits``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from .models import Location


class BookedVisit(Protocol):
    """What clinics reads of a booked visit (a bookings ``Appointment``)."""

    pk: Any
    patient_id: int
    chair_id: int | None
    starts_at: datetime
    ends_at: datetime


BookedVisits = Callable[[Location, datetime, datetime | None, bool], list[Any]]
"""(location, from, until or None for all later, chair visits only) -> booked visits."""

_provided: list[BookedVisits] = []


def provide_booked_visits(source: BookedVisits) -> None:
    """Called once by the bookings app when it is ready."""
    _provided[:] = [source]


def booked_visits(
    location: Location, start: datetime, end: datetime | None, *, chair_only: bool = False
) -> list[Any]:
    """Booked visits at ``location`` overlapping [start, end), with their patient and chair;
    none when no app books visits."""
    return [visit for source in _provided for visit in source(location, start, end, chair_only)]
