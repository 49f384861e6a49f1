"""Plausible ends: the volume and time at the end of an infusion checked against the order and
the pump. An implied rate above the programmed one (beyond the tolerance) or an end well before
the ordered duration needs a reason; the reason is kept with the end and shown."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

from ketaclinic.records.errors import InvalidInput
from ketaclinic.sessions import Command, EndFacts, Timeline, implausible_end, session_rules

from .common import Locked
from .inputs import TransitionIn
from .models import PumpEvent, Session

ENDS = (Command.END_INFUSION, Command.STOP_EARLY)


def end_problems(
    session: Session, timeline: Timeline, ended_at: datetime, volume_infused_ml: float
) -> list[str]:
    """What is implausible about ending the infusion at ``ended_at`` with that volume."""
    started = timeline.infusion_started_at
    rate = PumpEvent.objects.filter(session=session, rate_ml_per_h__isnull=False).aggregate(
        top=Max("rate_ml_per_h")
    )["top"]
    if started is None or rate is None:
        return []
    facts = EndFacts(
        started_at=started,
        ended_at=ended_at,
        volume_infused_ml=volume_infused_ml,
        programmed_rate_ml_per_h=rate,
        ordered_duration_min=session.order.duration_min,
        stopped_early=timeline.stopped_early,
    )
    return implausible_end(facts, session_rules())


def refuse_implausible_end(ctx: Locked, fields: TransitionIn, at: datetime) -> None:
    """An implausible end without a reason is refused, naming ``reason``."""
    if fields.command not in ENDS or fields.volume_infused_ml is None or fields.reason.strip():
        return
    problems = end_problems(ctx.session, ctx.timeline, at, fields.volume_infused_ml)
    if problems:
        raise InvalidInput.single(
            "reason",
            f"{'; '.join(problems)}: check the pump and the time, or say why",
        )
