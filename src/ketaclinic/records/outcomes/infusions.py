"""THE SEAM between outcomes and the infusion session records.

Every outcome, report and export that needs what happened in an infusion session (the dose
given, its route and time, side effects, alerts during the infusion, the FHIR
MedicationAdministration) reads it through ``infusion_events`` and nowhere else. The sessions
work (``ketaclinic.records.sessions.events``) fills it; this module turns its records into the
outcome package's plain ``InfusionEvent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ketaclinic.outcomes import InfusionEvent

# An unbounded period, for the sessions' query that needs both ends.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def from_session(event: Any) -> InfusionEvent | None:
    """A session's summary as an infusion given; None when no dose was given (a session still
    running, or stopped before any drug ran)."""
    if not event.dose_mg or event.dose_mg <= 0:
        return None
    duration_min = None
    if event.ended_at is not None and event.ended_at > event.started_at:
        duration_min = (event.ended_at - event.started_at) / timedelta(minutes=1)
    return InfusionEvent(
        patient_id=event.patient_id,
        started_at=event.started_at,
        dose_mg=float(event.dose_mg),
        route=event.route,
        protocol_id=event.protocol_id,
        duration_min=duration_min,
        location_id=event.location_id,
        session_id=event.session_id,
        side_effects=tuple(dict.fromkeys(seen.kind for seen in event.side_effects)),
        alerts=event.alert_count,
        overrides=event.overrides,
    )


def infusion_events(
    patient_ids: Iterable[int] | None, since: datetime | None, until: datetime | None
) -> list[InfusionEvent]:
    """The infusions given to ``patient_ids`` (None: every patient) that started in
    [``since``, ``until``) (None: unbounded), oldest first, from the session records (three
    queries: ``ketaclinic.records.sessions.events.infusion_events``). The caller authorizes
    and audits the read."""
    from ketaclinic.records.patients.models import Patient
    from ketaclinic.records.sessions.events import infusion_events as session_events

    ids = Patient.objects.values_list("pk", flat=True) if patient_ids is None else patient_ids
    given = (from_session(e) for e in session_events(ids, since or EARLIEST, until or LATEST))
    return [event for event in given if event is not None]


def infusion_batches(patients_per_batch: int) -> Iterator[list[InfusionEvent]]:
    """Every infusion given, a batch of patients at a time (by patient id; each batch oldest
    first), so that an export holds one batch's sessions in memory, never all of them."""
    from ketaclinic.records.patients.models import Patient

    ids = Patient.objects.order_by("pk").values_list("pk", flat=True)
    after = 0
    while batch := list(ids.filter(pk__gt=after)[:patients_per_batch]):
        yield infusion_events(batch, None, None)
        after = batch[-1]
