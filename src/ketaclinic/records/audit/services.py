"""Writing the audit trail (reading it is authorized: ``accounts.audit_trail``).

The lowest records app: it imports no other app, so every app may audit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import router, transaction

from ketaclinic.records.context import Actor

from .choices import Outcome
from .models import AuditEvent

# Marks other apps add to an entry about a patient (accounts: "emergency_access" while a
# clinician's emergency access is in force), registered in their AppConfig.ready().
Marker = Callable[[Actor, int], dict[str, Any]]
_MARKERS: list[Marker] = []


def add_marker(marker: Marker) -> None:
    if marker not in _MARKERS:
        _MARKERS.append(marker)


@dataclass
class _Page:
    """The reads gathered while one page about one patient is put together."""

    actor: Actor
    patient_id: int
    depth: int
    """Transactions open when the page began: an entry made in a deeper one is a write's."""
    reads: list[dict[str, Any]] = field(default_factory=list)

    def takes(self, actor: Actor, outcome: str, patient_id: int | None) -> bool:
        return (
            outcome == Outcome.ALLOWED
            and patient_id == self.patient_id
            and actor.user.pk == self.actor.user.pk
            and actor.face == self.actor.face
            and _depth() <= self.depth
        )


_PAGE: ContextVar[_Page | None] = ContextVar("audit_page", default=None)


def _depth() -> int:
    return len(transaction.get_connection(router.db_for_write(AuditEvent)).atomic_blocks)


@contextmanager
def one_entry_per_page(actor: Actor, action: StrEnum, *, patient_id: int) -> Iterator[None]:
    """Audit a page of many reads about one patient (the chart's panels) as one entry for
    ``action`` whose detail names every read ("reads": action, object, detail), instead of one
    chained entry per read. Denials, writes (entries made in a transaction opened inside) and
    entries about anyone else are written at once, as always."""
    page = _Page(actor, patient_id, _depth())
    token = _PAGE.set(page)
    try:
        yield
    finally:
        _PAGE.reset(token)
        if page.reads:
            record(actor, action, patient_id=patient_id, detail={"reads": page.reads})


def record(
    actor: Actor,
    action: StrEnum,
    *,
    outcome: str = Outcome.ALLOWED,
    obj: Any = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Append one entry; ``action`` is a permission (``Action``) or an ``Audited`` name;
    ``obj`` is the model instance acted on, if any. Inside ``one_entry_per_page`` an allowed
    read of that page's patient is added to the page's entry instead (None is returned)."""
    page = _PAGE.get()
    if page is not None and page.takes(actor, outcome, patient_id):
        read: dict[str, Any] = {"action": str(action)}
        if obj is not None:
            read["object"] = f"{obj._meta.label_lower}:{obj.pk}"
        if detail:
            read["detail"] = detail
        page.reads.append(read)
        return None
    detail = dict(detail or {})
    if patient_id is not None and actor.user.pk:
        for marker in _MARKERS:
            detail.update(marker(actor, patient_id))
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
        detail=detail,
    )


def record_on(
    actor: Actor,
    action: StrEnum,
    obj: Any,
    *,
    outcome: str = Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Append the entry for an act on ``obj``, under ``obj``'s patient (the patient itself,
    or the record's ``patient_id``)."""
    patient_id = obj.pk if obj._meta.label_lower == "patients.patient" else obj.patient_id
    return record(actor, action, outcome=outcome, obj=obj, patient_id=patient_id, detail=detail)


def last_detail(actor: Actor, action: StrEnum, obj: Any) -> dict[str, Any] | None:
    """The detail of ``actor``'s latest allowed entry for ``action`` on ``obj`` (to leave out
    a repeat of the same read), or None."""
    return (
        AuditEvent.objects.filter(
            actor=actor.user if actor.user.pk else None,
            action=str(action),
            outcome=Outcome.ALLOWED,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
        )
        .order_by("-id")
        .values_list("detail", flat=True)
        .first()
    )


def record_anonymous(
    username: str,
    action: StrEnum,
    outcome: str,
    face: str,
    source_address: str,
    detail: dict[str, Any],
) -> AuditEvent:
    """Append an entry for an attempt without an authenticated user (failed login)."""
    return AuditEvent.objects.create(
        username=username[:150],
        action=str(action),
        outcome=outcome,
        face=face,
        source_address=source_address,
        detail=detail,
    )


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
