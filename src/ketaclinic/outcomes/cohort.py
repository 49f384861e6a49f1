"""Cohort summaries from per-patient results or SQL aggregates: responder rates with Wilson
intervals, drop-outs with their reasons, durability as a Kaplan-Meier curve."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .durability import Durability
from .responders import Threshold
from .statistics import KaplanMeier, Proportion, kaplan_meier, proportion


@dataclass(frozen=True)
class ResponderRate:
    threshold: Threshold
    proportion: Proportion


@dataclass(frozen=True)
class DropoutSummary:
    overall: Proportion
    by_reason: tuple[tuple[str, int], ...]
    """Most frequent first."""


def responder_rates(
    met: Mapping[str, int], assessable: int, thresholds: Iterable[Threshold]
) -> tuple[ResponderRate, ...]:
    """``met[category]``: patients whose change meets that threshold (or a higher one) out of
    the ``assessable`` ones (a baseline above 0 and a follow-up score)."""
    return tuple(
        ResponderRate(threshold, proportion(met.get(threshold.category, 0), assessable))
        for threshold in thresholds
    )


def dropout_summary(reasons: Mapping[str, int], patients: int) -> DropoutSummary:
    """Patients who stopped, by reason, out of the cohort's ``patients``."""
    total = sum(reasons.values())
    ordered = tuple(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return DropoutSummary(proportion(min(total, patients), patients), ordered)


def durability_curve(results: Iterable[Durability]) -> KaplanMeier:
    """Kaplan-Meier over the patients whose durability could be measured."""
    measured = [(r.days, r.returned) for r in results if r.measurable and r.days is not None]
    return kaplan_meier([days for days, _ in measured], [event for _, event in measured])
