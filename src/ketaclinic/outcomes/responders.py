"""Responder status: pain by the IMMPACT thresholds, FIQR by its (borrowed) MCID.

Judged on the latest lasting score against the baseline; the best lasting score is reported
beside it. Thresholds and their sources come from ``data/outcomes.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.core import Sourced

from .rules import OutcomeRules
from .trajectories import Trajectory, falls_by, percent_fall

SUBSTANTIAL = "substantial"
MODERATE = "moderate"
IMPROVED = "improved"
NOT_REACHED = "not_reached"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Threshold:
    category: str
    label: str
    percent: Sourced
    confirmed: bool = True


@dataclass(frozen=True)
class ResponderStatus:
    instrument_id: str
    category: str
    """The highest threshold met, ``not_reached``, or ``unknown`` (see ``reason``)."""
    label: str
    reason: str
    baseline: float | None = None
    latest: float | None = None
    latest_percent_fall: float | None = None
    best: float | None = None
    best_percent_fall: float | None = None

    @property
    def responder(self) -> bool:
        return self.category not in (NOT_REACHED, UNKNOWN)


def pain_thresholds(rules: OutcomeRules) -> tuple[Threshold, ...]:
    """Highest first."""
    return (
        Threshold(SUBSTANTIAL, "substantial (IMMPACT)", rules.pain_substantial_percent),
        Threshold(MODERATE, "moderate (IMMPACT)", rules.pain_moderate_percent),
    )


def fiqr_thresholds(rules: OutcomeRules) -> tuple[Threshold, ...]:
    return (
        Threshold(
            IMPROVED,
            "improved by the MCID" + ("" if rules.fiqr_threshold_confirmed else " (unconfirmed)"),
            rules.fiqr_improved_percent,
            rules.fiqr_threshold_confirmed,
        ),
    )


def classify(trajectory: Trajectory, thresholds: tuple[Threshold, ...]) -> ResponderStatus:
    """The highest threshold the latest lasting score meets against the baseline."""
    name = trajectory.instrument_id
    baseline, latest, best = trajectory.baseline, trajectory.latest, trajectory.best
    if baseline is None:
        return ResponderStatus(name, UNKNOWN, "unknown", "no baseline score recorded")
    if baseline.total <= 0:
        return ResponderStatus(
            name, UNKNOWN, "unknown", "baseline is 0: a fall cannot be judged", baseline.total
        )
    if latest is None or best is None:
        return ResponderStatus(
            name, UNKNOWN, "unknown", "no follow-up score after the baseline", baseline.total
        )
    met = next(
        (t for t in thresholds if falls_by(baseline.total, latest.total, t.percent.value)), None
    )
    fall = percent_fall(baseline.total, latest.total)
    assert fall is not None  # the baseline is above 0
    if met is None:
        category, label = NOT_REACHED, "not a responder"
        reason = f"{_moved(fall)}: less than the {thresholds[-1].percent.value:g} % fall needed"
    else:
        category, label = met.category, met.label
        reason = f"{_moved(fall)}: at least the {met.percent.value:g} % fall of this threshold"
    return ResponderStatus(
        name,
        category,
        label,
        reason,
        baseline=baseline.total,
        latest=latest.total,
        latest_percent_fall=fall,
        best=best.total,
        best_percent_fall=percent_fall(baseline.total, best.total),
    )


def _moved(fall: float) -> str:
    if fall >= 0:
        return f"{fall:.0f} % below baseline"
    return f"{-fall:.0f} % above baseline"
