"""Reading the audit trail: searching it and exporting it, each read itself audited."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.audit.services import record, safe_cell
from ketaclinic.records.context import Actor

from .permissions import Action
from .services import authorize


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    action: str = ""
    outcome: str = ""
    patient_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(
    actor: Actor, filters: AuditFilter, *, action: Action = Action.AUDIT_VIEW
) -> QuerySet[AuditEvent]:
    """Entries matching ``filters``, newest first; viewing the trail is itself audited."""
    authorize(actor, action)
    events = AuditEvent.objects.all()
    if filters.username:
        events = events.filter(username__iexact=filters.username)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.patient_id is not None:
        events = events.filter(patient_id=filters.patient_id)
    if filters.since:
        events = events.filter(occurred_at__gte=filters.since)
    if filters.until:
        events = events.filter(occurred_at__lt=filters.until)
    record(
        actor, action, detail={k: str(v) for k, v in vars(filters).items() if v not in ("", None)}
    )
    return events


# What the export shows of each entry: what is chained, the account by its username only.
CSV_COLUMNS = tuple(name for name in AuditEvent.chained_fields if name != "actor")


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The entries as CSV text, a line at a time, reading the rows in chunks."""

    class _Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for row in events.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([safe_cell(value) for value in row])
