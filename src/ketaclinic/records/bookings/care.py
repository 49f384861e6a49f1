"""What became of a visit in the chair: the state of its infusion session, as the sessions app
reports it, and the visit's status in FHIR and iCalendar terms that follows from it.

Bookings sits below sessions and does not import it: sessions provides the query in its
``AppConfig.ready`` (``provide_session_states``); the calendar feed and the FHIR export ask.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from ketaclinic.sessions import State

from .choices import Status

SessionStates = Callable[[Collection[int]], dict[int, str]]
"""appointment ids -> the state of each one's latest infusion session (those with one)."""

_provided: list[SessionStates] = []

# FHIR R4 Appointment.status (http://hl7.org/fhir/R4/valueset-appointmentstatus.html).
_BOOKING_STATUS = {
    Status.BOOKED: "booked",
    Status.CANCELLED: "cancelled",
    Status.RESCHEDULED: "cancelled",  # its replacement is booked
    Status.NO_SHOW: "noshow",
}


def provide_session_states(source: SessionStates) -> None:
    """Called once by the sessions app when it is ready."""
    _provided[:] = [source]


def session_states(appointment_ids: Collection[int]) -> dict[int, str]:
    """The state of each visit's latest infusion session; none when no app runs sessions."""
    found: dict[int, str] = {}
    for source in _provided:
        found.update(source(appointment_ids))
    return found


def visit_status(status: str, session_state: str | None) -> str:
    """The visit as FHIR ``Appointment.status``: a booked visit whose session was discharged
    is ``fulfilled``, one whose session is under way ``arrived``, one whose session was
    cancelled ``cancelled``."""
    if status != Status.BOOKED or session_state in (None, State.SCHEDULED):
        return _BOOKING_STATUS.get(Status(status), "booked")
    if session_state == State.DISCHARGED:
        return "fulfilled"
    if session_state == State.CANCELLED:
        return "cancelled"
    return "arrived"


def calendar_status(status: str, session_state: str | None) -> str:
    """The visit as an iCalendar VEVENT ``STATUS`` (RFC 5545 3.8.1.11 allows TENTATIVE,
    CONFIRMED and CANCELLED only): a visit that took place or is taking place stays
    CONFIRMED; a cancelled, moved or missed one, or one whose session was cancelled, is
    CANCELLED."""
    return (
        "CANCELLED"
        if visit_status(status, session_state) in ("cancelled", "noshow")
        else ("CONFIRMED")
    )
