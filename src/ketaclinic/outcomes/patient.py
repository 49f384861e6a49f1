"""Everything that answers "is it working for this patient?", from plain scores and infusions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.protocols import Protocol

from .boosters import BoosterSuggestion, suggest_booster
from .durability import Durability, durability
from .events import InfusionEvent, ScorePoint
from .immediate import ImmediateVsLasting, immediate_vs_lasting, lasting_only
from .responders import ResponderStatus, classify, fiqr_thresholds, pain_thresholds
from .rules import OutcomeRules, outcome_rules
from .trajectories import Trajectory, build_trajectories


@dataclass(frozen=True)
class PatientOutcome:
    trajectories: tuple[Trajectory, ...]
    """The rules' shown instruments, in order (empty ones included)."""
    dissociation: Trajectory
    infusions: tuple[InfusionEvent, ...]
    """Oldest first."""
    pain_response: ResponderStatus
    fiqr_response: ResponderStatus
    immediate: tuple[ImmediateVsLasting, ...]
    """Pain right now paired before/after each infusion (when it has a pair), then each shown
    instrument with a lasting change (never paired: they recall 24 hours or longer)."""
    durability: Durability
    booster: BoosterSuggestion
    rules: OutcomeRules

    def trajectory(self, instrument_id: str) -> Trajectory:
        return next(t for t in self.trajectories if t.instrument_id == instrument_id)

    @property
    def immediate_pain(self) -> ImmediateVsLasting | None:
        """Pain right now, before -> after each infusion; None without a pair."""
        now = self.rules.pain_now_instrument
        return next((c for c in self.immediate if c.instrument_id == now), None)

    @property
    def has_scores(self) -> bool:
        return any(t.points for t in self.trajectories)


def assess_patient(
    points: Iterable[ScorePoint],
    infusions: Sequence[InfusionEvent],
    *,
    protocol: Protocol | None,
    now: datetime,
    higher_is_better: Mapping[str, bool] | None = None,
    return_fraction: float | None = None,
    rules: OutcomeRules | None = None,
) -> PatientOutcome:
    """Trajectories, responder status, immediate vs lasting change, durability and the booster
    suggestion; ``return_fraction`` overrides the rules' durability fraction."""
    rules = rules or outcome_rules()
    wanted = dict.fromkeys(
        (
            *rules.shown_instruments,
            rules.pain_now_instrument,
            rules.fiqr_instrument,
            rules.dissociation_instrument,
        )
    )
    found = build_trajectories(points, wanted, higher_is_better)
    shown = tuple(found[instrument] for instrument in rules.shown_instruments)
    ordered = tuple(sorted(infusions, key=lambda infusion: infusion.started_at))
    fraction = rules.return_fraction.value if return_fraction is None else return_fraction
    # The immediate change pairs pain right now; the shown scales (pain over the past 24 hours
    # among them) give the lasting change only: asked just after an infusion, a recall period
    # cannot show its effect.
    pain_now = immediate_vs_lasting(found[rules.pain_now_instrument], rules.max_pair_gap_h.value)
    lasting = (c for t in shown if (c := lasting_only(t)).lasting is not None)
    comparisons = ((pain_now,) if pain_now.pairs else ()) + tuple(lasting)
    return PatientOutcome(
        trajectories=shown,
        dissociation=found[rules.dissociation_instrument],
        infusions=ordered,
        pain_response=classify(found[rules.pain_instrument], pain_thresholds(rules)),
        fiqr_response=classify(found[rules.fiqr_instrument], fiqr_thresholds(rules)),
        immediate=comparisons,
        durability=durability(found[rules.pain_instrument], ordered, fraction),
        booster=suggest_booster(found[rules.pain_instrument], ordered, protocol, now),
        rules=rules,
    )
