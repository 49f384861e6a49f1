"""Writing and reading the audit trail."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.context import Actor

from .models import AuditEvent, Outcome


def record(
    actor: Actor,
    action: str,
    *,
    outcome: str = Outcome.ALLOWED,
    obj: Any = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry; ``obj`` is the model instance acted on, if any."""
    return AuditEvent.objects.create(
        actor=actor.user if actor.user.pk else None,
        username=actor.user.get_username(),
        role=actor.role,
        action=str(action),
        outcome=outcome,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=patient_id,
        face=str(actor.face),
        source_address=actor.source_address,
        detail=detail or {},
    )


def record_anonymous(
    username: str, action: str, outcome: str, face: str, source_address: str, detail: dict[str, Any]
) -> AuditEvent:
    """Append an entry for an attempt without an authenticated user (failed login)."""
    return AuditEvent.objects.create(
        username=username[:150],
        action=action,
        outcome=outcome,
        face=face,
        source_address=source_address,
        detail=detail,
    )


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
    from ketaclinic.records.accounts.services import authorize

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


CSV_COLUMNS = (
    "occurred_at",
    "username",
    "role",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "patient_id",
    "face",
    "source_address",
    "detail",
)


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The entries as CSV text, a line at a time, reading the rows in chunks."""

    class _Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for row in events.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([safe_cell(value) for value in row])


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
