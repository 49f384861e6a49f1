"""What the session services share: authorizing on a session, the locked session with
its timeline, the moment an entry happened, and raising a record's alerts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.alerts.services import NewAlert, raise_alerts
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.sessions import (
    FINAL_STATES,
    Finding,
    Phase,
    State,
    Step,
    Timeline,
    phase_of,
    session_rules,
)

from .models import Session, SessionAlert, Signature, Transition


def authorize_session(actor: Actor, action: Action, session_id: int) -> int:
    """Authorize ``action`` on the session's patient (the denial is audited with the patient
    when the session exists); return the patient's id."""
    patient_id = Session.objects.filter(pk=session_id).values_list("patient_id", flat=True).first()
    authorize(actor, action, patient_id=patient_id)
    if patient_id is None:
        raise NotFound(f"session {session_id} does not exist")
    return patient_id


def load_timeline(session: Session) -> Timeline:
    transitions = Transition.objects.filter(session=session).order_by("seq")
    return Timeline(
        [
            Step(command=row.command, state=State(row.to_state), at=row.at)  # type: ignore[arg-type]
            for row in transitions
        ]
    )


@dataclass(frozen=True)
class Locked:
    """A session locked for writing until the transaction ends, with its state so far."""

    session: Session
    timeline: Timeline
    now: datetime

    def moment(self, value: datetime | None, field: str = "at") -> datetime:
        """When the entry happened: now unless given; never in the future, nor earlier than
        the rules let an entry be made late."""
        at = value or self.now
        late = session_rules().late_entry_max_h
        if at > self.now:
            raise InvalidInput.single(field, "cannot be in the future")
        if at < self.now - timedelta(hours=late.value):
            raise InvalidInput.single(
                field, f"is more than {late.value:g} h ago ({late.source}): add a note instead"
            )
        return at

    def phase_at(self, at: datetime, what: str) -> Phase:
        """The phase ``at`` falls in; a Conflict before check-in."""
        phase = phase_of(self.timeline.state_at(at))
        if phase is None:
            raise Conflict(f"{what} can be recorded from check-in until discharge")
        return phase

    def record(
        self, actor: Actor, action: Action, obj: models.Model, what: str, **detail: Any
    ) -> None:
        """The audit entry for ``what`` was done on ``obj`` in this session, under its patient."""
        audit.record(
            actor,
            action,
            obj=obj,
            patient_id=self.session.patient_id,
            detail={"what": what, **detail},
        )


@contextmanager
def locked(session_id: int, *, what: str, final_allowed: bool = False) -> Iterator[Locked]:
    """One transaction holding the session's row lock. A signed session takes nothing new;
    a discharged or cancelled one only what ``final_allowed`` permits (amendments)."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("patient", "order", "location")
            .get(pk=session_id)
        )
        timeline = load_timeline(session)
        if not final_allowed:
            if Signature.objects.filter(session=session).exists():
                raise Conflict(
                    f"session {session.pk} is signed: {what} cannot be added; amend an entry"
                )
            if timeline.state in FINAL_STATES:
                raise Conflict(
                    f"session {session.pk} is {timeline.state}: {what} can no longer be "
                    "recorded; amend an entry instead"
                )
        yield Locked(session, timeline, timezone.now())


def raise_findings(
    actor: Actor, session: Session, source: models.Model, findings: Sequence[Finding]
) -> list[Alert]:
    """Raise the findings as alerts on the patient and link them to the session; call inside
    the source record's transaction."""
    if not findings:
        return []
    alerts = raise_alerts(
        actor,
        session.patient,
        source,
        [
            NewAlert(
                code=finding.code,
                message=f"{finding.message} (rule: {finding.source})",
                severity=finding.severity,
                suggested_action=finding.suggested_action,
            )
            for finding in findings
        ],
    )
    SessionAlert.objects.bulk_create(SessionAlert(session=session, alert=alert) for alert in alerts)
    return alerts


def open_alert_count(session: Session) -> int:
    return SessionAlert.objects.filter(session=session, alert__acknowledgement__isnull=True).count()
