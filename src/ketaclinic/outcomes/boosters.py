"""The protocol's booster rule (``ketaclinic.protocols.evaluate_booster``) evaluated on a
patient's pain trajectory and infusions, as a suggestion the physician accepts or declines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.core import DomainInputError
from ketaclinic.protocols import BoosterDecision, Protocol, evaluate_booster

from .events import InfusionEvent
from .trajectories import Trajectory


@dataclass(frozen=True)
class BoosterSuggestion:
    protocol_id: str | None
    decision: BoosterDecision | None
    """The rule's answer; None when it cannot be evaluated (see ``unavailable``)."""
    unavailable: str = ""
    baseline_pain: float | None = None
    best_pain: float | None = None
    current_pain: float | None = None
    last_infusion_at: datetime | None = None
    days_since_last_infusion: int | None = None

    @property
    def due(self) -> bool:
        return self.decision is not None and self.decision.due

    @property
    def summary(self) -> str:
        """The answer and its reasons in one sentence."""
        if self.decision is None:
            return f"Cannot be judged: {self.unavailable}."
        if self.decision.due:
            head = "A booster is due"
        elif self.decision.earliest_in_days:
            head = f"Not due (not before {self.decision.earliest_in_days} more days)"
        else:
            head = "Not due"
        return f"{head}: " + "; ".join(self.decision.reasons) + "."

    def as_dict(self) -> dict[str, object]:
        """The inputs and the rule's answer, as stored with a physician's decision."""
        decision = self.decision
        return {
            "protocol_id": self.protocol_id,
            "due": self.due,
            "reasons": list(decision.reasons) if decision else [],
            "earliest_in_days": decision.earliest_in_days if decision else None,
            "rule_id": decision.rule_id if decision else None,
            "rule_version": decision.rule_version if decision else None,
            "unavailable": self.unavailable,
            "baseline_pain": self.baseline_pain,
            "best_pain": self.best_pain,
            "current_pain": self.current_pain,
            "last_infusion_at": self.last_infusion_at.isoformat()
            if self.last_infusion_at
            else None,
            "days_since_last_infusion": self.days_since_last_infusion,
        }


def suggest_booster(
    pain: Trajectory,
    infusions: Sequence[InfusionEvent],
    protocol: Protocol | None,
    now: datetime,
) -> BoosterSuggestion:
    """Baseline = the baseline pain; best = the lowest lasting pain after the first infusion;
    current = the latest lasting pain, which must postdate the last infusion."""
    if protocol is None:
        return BoosterSuggestion(None, None, "no signed treatment plan names a protocol")
    if not infusions:
        return BoosterSuggestion(protocol.id, None, "no infusion recorded")
    first = min(infusion.started_at for infusion in infusions)
    last = max(infusion.started_at for infusion in infusions)
    if now < last:
        raise DomainInputError("now", "is before the last infusion")
    baseline = pain.baseline
    if baseline is None:
        return BoosterSuggestion(protocol.id, None, "no baseline pain score", last_infusion_at=last)
    since_first = [point for point in pain.lasting if point.completed_at > first]
    current = since_first[-1] if since_first else None
    if current is None or current.completed_at <= last:
        return BoosterSuggestion(
            protocol.id,
            None,
            "no pain score since the last infusion",
            baseline_pain=baseline.total,
            last_infusion_at=last,
        )
    best = min(point.total for point in since_first)
    days = (now - last).days
    try:
        decision = evaluate_booster(
            protocol,
            baseline_pain_nrs=baseline.total,
            best_pain_nrs=best,
            current_pain_nrs=current.total,
            days_since_last_session=days,
        )
        unavailable = ""
    except DomainInputError as error:
        decision, unavailable = None, f"{error.field}: {error.message}"
    return BoosterSuggestion(
        protocol.id, decision, unavailable, baseline.total, best, current.total, last, days
    )
