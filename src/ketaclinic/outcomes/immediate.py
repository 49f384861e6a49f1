"""Immediate versus lasting change.

Immediate: each post-infusion score paired with the latest unpaired pre-infusion score of the
same instrument taken at most ``max_pair_gap_h`` before it (the same visit); only an instrument
that asks about the moment (pain right now) can show it. Lasting: the latest follow-up or
pre-infusion score against the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .events import POST_INFUSION, PRE_INFUSION, ScorePoint
from .statistics import MeanEstimate, mean_estimate
from .trajectories import Change, Trajectory, percent_fall


@dataclass(frozen=True)
class ImmediatePair:
    pre: ScorePoint
    post: ScorePoint

    @property
    def points(self) -> float:
        """Post minus pre (negative = fell during the visit)."""
        return self.post.total - self.pre.total

    @property
    def percent_fall(self) -> float | None:
        return percent_fall(self.pre.total, self.post.total)


@dataclass(frozen=True)
class ImmediateVsLasting:
    instrument_id: str
    pairs: tuple[ImmediatePair, ...]
    immediate: MeanEstimate
    """Mean post-minus-pre change over the pairs."""
    lasting: Change | None


def immediate_pairs(trajectory: Trajectory, max_pair_gap_h: float) -> tuple[ImmediatePair, ...]:
    gap = timedelta(hours=max_pair_gap_h)
    pres = list(trajectory.with_context(PRE_INFUSION))
    pairs = []
    for post in trajectory.with_context(POST_INFUSION):
        candidates = [
            pre
            for pre in pres
            if pre.completed_at <= post.completed_at and post.completed_at - pre.completed_at <= gap
        ]
        if candidates:
            pre = candidates[-1]
            pres.remove(pre)
            pairs.append(ImmediatePair(pre, post))
    return tuple(pairs)


def immediate_vs_lasting(trajectory: Trajectory, max_pair_gap_h: float) -> ImmediateVsLasting:
    pairs = immediate_pairs(trajectory, max_pair_gap_h)
    return ImmediateVsLasting(
        trajectory.instrument_id,
        pairs,
        mean_estimate([pair.points for pair in pairs]),
        trajectory.change(),
    )


def lasting_only(trajectory: Trajectory) -> ImmediateVsLasting:
    """The lasting change of a scale that recalls a period (24 hours or longer): its scores
    around an infusion are not paired, since they cannot show the infusion's effect."""
    return ImmediateVsLasting(trajectory.instrument_id, (), mean_estimate([]), trajectory.change())
