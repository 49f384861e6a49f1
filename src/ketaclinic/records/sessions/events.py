"""Infusion events for outcomes: one plain record per infusion given, computed in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.sessions import session_rules

from .models import GateOverride, Session, SideEffect
from .summary import dose_given_mg, with_summary


@dataclass(frozen=True)
class SideEffectSeen:
    kind: str
    severity: str


@dataclass(frozen=True)
class InfusionEvent:
    patient_id: int
    session_id: int
    started_at: datetime
    ended_at: datetime | None
    dose_mg: float | None
    """Given: volume infused × concentration (infusions), the ordered dose otherwise."""
    route: str
    protocol_id: str
    protocol_version: str
    location_id: int
    final_state: str
    """The session's state now (discharged once complete)."""
    stopped_early: bool
    max_cadss6: float | None
    side_effects: tuple[SideEffectSeen, ...]
    alert_count: int
    signed: bool
    overrides: tuple[str, ...] = ()
    """Each physician override of a gate in the session, in words (gate, reason, who, when)."""


def override_text(row: GateOverride) -> str:
    """An override in words, for exports and reports: the gate by its label, not its code."""
    who = row.signed_by.get_full_name() or row.signed_by.get_username()
    gate = session_rules().gates.get(row.gate)
    return (
        f"Physician override ({gate.label if gate else row.gate}): {row.reason} (signed by {who}, "
        f"{row.signed_at:%Y-%m-%d %H:%M %Z})"
    )


def infusion_events(
    patient_ids: Iterable[int], since: datetime, until: datetime
) -> list[InfusionEvent]:
    """Infusions of ``patient_ids`` started in [since, until), oldest first; three queries
    whatever the number of sessions. The caller (outcomes) authorizes and audits the read."""
    sessions = list(
        with_summary(Session.objects.filter(patient_id__in=list(patient_ids)))
        .filter(started_at__gte=since, started_at__lt=until)
        .select_related("order")
        .order_by("started_at", "id")
    )
    seen: dict[int, list[SideEffectSeen]] = defaultdict(list)
    rows = (
        SideEffect.objects.current()
        .filter(session__in=[session.pk for session in sessions])
        .order_by("at", "id")
        .values_list("session_id", "kind", "severity")
    )
    for session_id, kind, severity in rows:
        seen[session_id].append(SideEffectSeen(kind, severity))
    overridden: dict[int, list[str]] = defaultdict(list)
    lifted = (
        GateOverride.objects.filter(session__in=[session.pk for session in sessions])
        .select_related("signed_by")
        .order_by("signed_at", "id")
    )
    for row in lifted:
        overridden[row.session_id].append(override_text(row))
    return [
        InfusionEvent(
            patient_id=session.patient_id,
            session_id=session.pk,
            started_at=session.started_at,
            ended_at=session.ended_at,
            dose_mg=dose_given_mg(
                session.order,
                session.started_at,
                session.volume_infused_ml,
            ),
            route=session.route,
            protocol_id=session.protocol_id,
            protocol_version=session.protocol_version,
            location_id=session.location_id,
            final_state=session.state,
            stopped_early=session.stopped_early,
            max_cadss6=session.max_cadss6,
            side_effects=tuple(seen[session.pk]),
            alert_count=session.alert_count,
            signed=session.signed_at is not None,
            overrides=tuple(overridden[session.pk]),
        )
        for session in sessions
    ]
