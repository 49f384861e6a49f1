"""Visits and infusion sessions as FHIR Encounters (class AMB), and each dose given in a
session as a Procedure, so that a receiver sees what happened at each visit and what the vital
signs and administrations of a session belong to.

A visit (a booked appointment) is one Encounter, ``visit-<its calendar identity>``, which a
move keeps; its infusion session is an Encounter of its own, ``session-<n>``, ``partOf`` the
visit's (a session opened without an appointment stands alone). The session's vital signs,
its MedicationAdministrations and its Procedure point at the session's Encounter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.protocols import get_protocol
from ketaclinic.records.bookings.care import visit_status
from ketaclinic.records.bookings.choices import Status
from ketaclinic.sessions import State

from . import codes
from .resource import Resource, validated

if TYPE_CHECKING:
    from ketaclinic.records.outcomes.exchange import PatientRecord
    from ketaclinic.records.sessions.visits import SessionVisit

    from .export import Addresser

# FHIR R4 Encounter.status from the session's state (every state of sessions.State).
SESSION_STATUS = {
    State.SCHEDULED: "planned",
    State.CHECKED_IN: "arrived",
    State.PRE_CHECKS_DONE: "arrived",
    State.DOSE_VERIFIED: "arrived",
    State.INFUSING: "in-progress",
    State.PAUSED: "in-progress",
    State.INFUSION_ENDED: "in-progress",
    State.STOPPED_EARLY: "in-progress",
    State.RECOVERY: "in-progress",
    State.DISCHARGED: "finished",
    State.CANCELLED: "cancelled",
}
# A dose given, in words, by the protocol's route.
ADMINISTRATION = {
    "iv_infusion": "Intravenous infusion",
    "im": "Intramuscular injection",
    "intranasal": "Nasal spray",
}


def _protocol(protocol_id: str) -> tuple[str, str]:
    """The protocol's name and drug (its id and ketamine when no longer loaded)."""
    try:
        protocol = get_protocol(protocol_id)
    except DomainInputError:
        return protocol_id, "ketamine"
    return protocol.name, protocol.drug


def _period(start: datetime | None, end: datetime | None) -> Resource:
    return {
        **({"start": start.isoformat()} if start else {}),
        **({"end": end.isoformat()} if end else {}),
    }


def _participants(names: Iterable[str], role: str, display: str) -> list[Resource]:
    kind = {"coding": [{"system": codes.PARTICIPATION_TYPE, "code": role, "display": display}]}
    return [{"type": [kind], "individual": {"display": name}} for name in names]


def latest_sessions(record: PatientRecord) -> dict[int, SessionVisit]:
    """Each appointment's latest session (``record.sessions`` is oldest first)."""
    return {s.appointment_id: s for s in record.sessions if s.appointment_id is not None}


def appointment_status(appointment: Any, session: SessionVisit | None) -> str:
    """FHIR ``Appointment.status``: fulfilled once the visit's session is discharged."""
    return visit_status(appointment.status, session.state if session else None)


def visit_encounter(
    appointment: Any, session: SessionVisit | None, at: Addresser, now: datetime
) -> Resource:
    """A visit as an Encounter: its status from the appointment and its session (a booked
    visit with no session is planned until its end, then unknown: nothing says whether it
    took place); its period the session's from check-in to discharge, else the booked
    times."""
    status = appointment_status(appointment, session)
    if status in ("cancelled", "noshow"):
        state = "cancelled"
    elif session is not None and session.state != State.SCHEDULED:
        state = SESSION_STATUS[State(session.state)]
    else:
        state = "planned" if appointment.ends_at > now else "unknown"
    checked_in = session is not None and session.checked_in_at is not None
    resource: Resource = {
        "resourceType": "Encounter",
        "id": f"visit-{appointment.calendar_uid}",
        "status": state,
        "class": codes.AMBULATORY,
        "serviceType": {
            "coding": [{"system": codes.APPOINTMENT_TYPES, "code": appointment.appointment_type}],
            "text": appointment.get_appointment_type_display(),
        },
        "subject": at.reference("Patient", str(appointment.patient_id)),
        "appointment": [at.reference("Appointment", f"appointment-{appointment.pk}")],
        "period": _period(session.checked_in_at, session.closed_at)
        if session is not None and checked_in
        else _period(appointment.starts_at, appointment.ends_at),
        "location": [{"location": {"display": appointment.location.name}}],
    }
    if appointment.physician is not None:
        physician = appointment.physician.get_full_name() or appointment.physician.get_username()
        resource["participant"] = _participants([physician], "PPRF", "primary performer")
    return validated(resource)


def session_encounter(
    session: SessionVisit, visit: str | None, at: Addresser, reason: Resource | None
) -> Resource:
    """An infusion session as an Encounter: status from its state, period from check-in to
    discharge (or cancellation), the staff who took it through its steps, part of its visit."""
    name, _ = _protocol(session.protocol_id)
    resource: Resource = {
        "resourceType": "Encounter",
        "id": f"session-{session.session_id}",
        "status": SESSION_STATUS[State(session.state)],
        "class": codes.AMBULATORY,
        "serviceType": {
            "coding": [{"system": codes.PROCEDURES, "code": session.route}],
            "text": f"{ADMINISTRATION.get(session.route, 'Treatment')} session: {name}",
        },
        "subject": at.reference("Patient", str(session.patient_id)),
        "location": [{"location": {"display": session.location}}],
    }
    if session.checked_in_at is not None:
        resource["period"] = _period(session.checked_in_at, session.closed_at)
    if session.staff:
        resource["participant"] = _participants(session.staff, "PART", "Participation")
    if visit is not None:
        resource["partOf"] = at.reference("Encounter", visit)
    if reason is not None:
        resource["reasonReference"] = [reason]
    return validated(resource)


def procedure_resource(session: SessionVisit, at: Addresser, reason: Resource | None) -> Resource:
    """The dose given in a session (once its infusion, injection or spray started): in
    progress, completed, or stopped when stopped early."""
    name, drug = _protocol(session.protocol_id)
    if session.stopped_early:
        status = "stopped"
    elif session.infusion_ended_at is None:
        status = "in-progress"
    else:
        status = "completed"
    resource: Resource = {
        "resourceType": "Procedure",
        "id": f"procedure-{session.session_id}",
        "status": status,
        "code": {
            "coding": [
                codes.SUBSTANCE_ADMINISTRATION,
                {"system": codes.PROCEDURES, "code": session.route},
            ],
            "text": f"{ADMINISTRATION.get(session.route, 'Administration')} of {drug}",
        },
        "subject": at.reference("Patient", str(session.patient_id)),
        "encounter": at.reference("Encounter", f"session-{session.session_id}"),
        "performedPeriod": _period(session.infusion_started_at, session.infusion_ended_at),
        "location": {"display": session.location},
        "note": [{"text": f"protocol: {name}"}],
    }
    if reason is not None:
        resource["reasonReference"] = [reason]
    return validated(resource)


def encounters_for(
    record: PatientRecord, at: Addresser, condition: str | None = None
) -> list[Resource]:
    """The Encounters of the record: one per visit (a moved visit's old slot is none: the
    visit lives on in its new one) and one per infusion session. ``condition`` is the id of
    the patient's fibromyalgia Condition, when there is one: the sessions' reason."""
    latest = latest_sessions(record)
    now = timezone.now()
    reason = at.reference("Condition", condition) if condition else None
    visits = {
        a.pk: visit_encounter(a, latest.get(a.pk), at, now)
        for a in record.appointments
        if a.status != Status.RESCHEDULED
    }
    sessions = [
        session_encounter(
            s,
            visits[s.appointment_id]["id"] if s.appointment_id in visits else None,
            at,
            reason,
        )
        for s in record.sessions
    ]
    return [*visits.values(), *sessions]


def procedures_for(
    record: PatientRecord, at: Addresser, condition: str | None = None
) -> list[Resource]:
    """A Procedure for each session whose dose was started, oldest first."""
    reason = at.reference("Condition", condition) if condition else None
    return [
        procedure_resource(s, at, reason)
        for s in record.sessions
        if s.infusion_started_at is not None
    ]
