"""Trajectories: an instrument's scores over time, its baseline and the change from it.

The baseline is the latest score recorded in the ``baseline`` context; the scores after it in a
lasting context (follow-up, before an infusion) show how the patient is doing between
infusions. Visits may be missed and unequally spaced: only the recorded times count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .events import BASELINE, LASTING_CONTEXTS, ScorePoint


def percent_fall(baseline: float, value: float) -> float | None:
    """How far ``value`` lies below ``baseline``, in % of baseline; None when baseline is 0."""
    if baseline <= 0:
        return None
    return (baseline - value) / baseline * 100


def falls_by(baseline: float, value: float, percent: float) -> bool:
    """Whether ``value`` is at least ``percent`` % below ``baseline`` (exact for whole
    scores: compared as (baseline - value) x 100 >= percent x baseline, as the SQL does)."""
    return baseline > 0 and (baseline - value) * 100 >= percent * baseline


@dataclass(frozen=True)
class Change:
    """A score against the baseline: ``points`` = value - baseline (negative = fell)."""

    baseline: float
    value: float

    @property
    def points(self) -> float:
        return self.value - self.baseline

    @property
    def percent_fall(self) -> float | None:
        return percent_fall(self.baseline, self.value)


@dataclass(frozen=True)
class Trajectory:
    """One instrument's scores, oldest first."""

    instrument_id: str
    points: tuple[ScorePoint, ...]
    lower_is_better: bool = True

    @property
    def baseline(self) -> ScorePoint | None:
        return next((p for p in reversed(self.points) if p.context == BASELINE), None)

    @property
    def after_baseline(self) -> tuple[ScorePoint, ...]:
        baseline = self.baseline
        if baseline is None:
            return ()
        return tuple(p for p in self.points if p.completed_at > baseline.completed_at)

    @property
    def lasting(self) -> tuple[ScorePoint, ...]:
        """Scores after the baseline taken between infusions (follow-up, pre-infusion)."""
        return tuple(p for p in self.after_baseline if p.context in LASTING_CONTEXTS)

    @property
    def latest(self) -> ScorePoint | None:
        lasting = self.lasting
        return lasting[-1] if lasting else None

    @property
    def best(self) -> ScorePoint | None:
        """The best lasting score after the baseline (lowest when lower is better)."""
        lasting = self.lasting
        if not lasting:
            return None
        sign = 1 if self.lower_is_better else -1
        return min(lasting, key=lambda p: (sign * p.total, p.completed_at))

    def change(self) -> Change | None:
        """The latest lasting score against the baseline."""
        baseline, latest = self.baseline, self.latest
        if baseline is None or latest is None:
            return None
        return Change(baseline.total, latest.total)

    def with_context(self, *contexts: str) -> tuple[ScorePoint, ...]:
        return tuple(p for p in self.points if p.context in contexts)


def build_trajectories(
    points: Iterable[ScorePoint],
    instrument_ids: Iterable[str],
    higher_is_better: Mapping[str, bool] | None = None,
) -> dict[str, Trajectory]:
    """One trajectory per instrument asked for (empty when it has no scores), points sorted by
    time then assessment id."""
    wanted = list(instrument_ids)
    found: dict[str, list[ScorePoint]] = {instrument: [] for instrument in wanted}
    for point in points:
        if point.instrument_id in found:
            found[point.instrument_id].append(point)
    better = higher_is_better or {}
    return {
        instrument: Trajectory(
            instrument,
            tuple(sorted(found[instrument], key=lambda p: (p.completed_at, p.assessment_id or 0))),
            lower_is_better=not better.get(instrument, False),
        )
        for instrument in wanted
    }
