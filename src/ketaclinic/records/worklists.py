"""What a worklist on a home page is made of, for every records app that gives one: each item
names the kind of record and its key (the face turns them into a link) and says in words what
is waiting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import QuerySet

from ketaclinic.records.audit import services as audit

if TYPE_CHECKING:
    from ketaclinic.records.accounts.permissions import Action
    from ketaclinic.records.audit.actions import Audited
    from ketaclinic.records.context import Actor

WORKLIST_MAX = 20
"""Items shown in one worklist; its heading counts them all."""


@dataclass(frozen=True)
class WorkItem:
    kind: str
    """What the item opens: "alert", "plan", "intake", "order", "draw", "visit", "request",
    "patient-billing", "discrepancy", "account", "emergency-access", "chairs"."""
    key: int
    title: str
    detail: str = ""
    at: datetime | None = None
    patient_id: int | None = None
    place: str = ""
    """The location's slug, where the link needs it (the ledger's pages)."""


@dataclass(frozen=True)
class Worklist:
    title: str
    items: list[WorkItem]
    total: int


class Named(Protocol):
    given_name: str
    family_name: str


def person(patient: Named) -> str:
    """ "Family, Given", as the lists show a patient."""
    return f"{patient.family_name}, {patient.given_name}"


def worklist(
    actor: Actor,
    action: Action | Audited,
    title: str,
    rows: Sequence[Any] | QuerySet[Any],
    item: Callable[[Any], WorkItem],
    total: int | None = None,
) -> Worklist:
    """The first ``WORKLIST_MAX`` of ``rows`` as items, the read audited with what was shown
    (``total``: all of them, counted in the database for a queryset)."""
    if total is None:
        total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    items = [item(row) for row in rows[:WORKLIST_MAX]]
    patients = sorted({i.patient_id for i in items if i.patient_id is not None})
    audit.record(
        actor,
        action,
        detail={
            "what": "worklist",
            "list": title,
            "shown": [i.key for i in items],
            "patients": patients,
        },
    )
    return Worklist(title, items, total)
