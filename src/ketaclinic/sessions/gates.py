"""The checks behind the session's gates, on plain values: which scheduled sets of vital signs
are missing, which Modified Aldrete items are below their floor, whether dissociation was
scored and resolved, and whether the end of an infusion is plausible. Each returns what is
wrong, in words; an empty list passes. The records (``records/sessions/gates.py``) read the
facts and turn a non-empty answer into a gate's blocker.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .findings import vitals_flags
from .lifecycle import Phase
from .rules import SessionRules


@dataclass(frozen=True)
class Blocker:
    """A gate that stops a step: which gate, the field a face shows it beside, what is
    missing and the rule's source."""

    gate: str
    field: str
    message: str
    source: str


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def missing_vitals(
    taken: Sequence[datetime],
    started_at: datetime,
    ended_at: datetime,
    discharge_at: datetime,
    interval_min: float,
    rules: SessionRules,
) -> list[str]:
    """The scheduled sets missing from ``taken`` (the times of the current sets): one at the
    start, never more than the interval plus the grace between two sets from the start to
    discharge, one at the end of the infusion and one shortly before discharge."""
    plan = rules.schedule
    grace = _minutes(plan.grace_min.value)
    times = sorted(taken)
    missing = []
    start_from = started_at - _minutes(plan.start_window_min.value)
    if not any(start_from <= at <= started_at + grace for at in times):
        missing.append(f"a set at the start of the infusion ({_clock(started_at)})")
    end_window = _minutes(plan.end_window_min.value)
    if not any(ended_at - end_window <= at <= ended_at + end_window for at in times):
        missing.append(f"a set at the end of the infusion ({_clock(ended_at)})")
    before = _minutes(plan.before_discharge_min.value)
    if not any(discharge_at - before <= at <= discharge_at for at in times):
        missing.append(f"a set in the {plan.before_discharge_min.value:g} min before discharge")
    longest = _minutes(interval_min) + grace
    points = [started_at, *(at for at in times if started_at < at < discharge_at), discharge_at]
    missing += [
        f"a set between {_clock(earlier)} and {_clock(later)} (due every {interval_min:g} min)"
        for earlier, later in itertools.pairwise(points)
        if later - earlier > longest
    ]
    return missing


def vitals_out_of_limits(
    vitals: Mapping[str, float], phase: Phase, rules: SessionRules
) -> list[str]:
    """The vital signs of one set outside a limit of ``phase``, named."""
    flags = vitals_flags(vitals, phase, rules)
    return [
        f"{name} {vitals[name]:g} ({'high' if flag == 'H' else 'low'})"
        for name, flag in flags.items()
    ]


def aldrete_below_floor(answers: Mapping[str, object], rules: SessionRules) -> list[str]:
    """The Modified Aldrete items scored below their floor (unanswered counts as below)."""
    below = []
    for item, floor in rules.discharge.aldrete_floors.items():
        value = answers.get(item)
        if not isinstance(value, int | float) or value < floor.value:
            below.append(f"{item.replace('_', ' ')} scored {value} (needs {floor.value:g})")
    return below


@dataclass(frozen=True)
class DissociationFacts:
    ended_at: datetime
    discharge_at: datetime
    baseline: float | None
    """The pre-infusion CADSS-6 total, if scored."""
    scores: Sequence[tuple[datetime, float]]
    """The post-infusion CADSS-6 totals with their times."""


def dissociation_problems(facts: DissociationFacts, rules: SessionRules) -> list[str]:
    """CADSS-6 scored at the end of the infusion and before discharge, the last back to
    baseline (at most the pre-infusion score, or the rule's maximum when that is higher)."""
    rule = rules.discharge.dissociation
    problems = []
    end_by = facts.ended_at + _minutes(rule.end_window_min.value)
    if not any(facts.ended_at <= at <= end_by for at, _ in facts.scores):
        problems.append(
            f"score CADSS-6 within {rule.end_window_min.value:g} min of the end of the infusion"
        )
    recent_from = facts.discharge_at - _minutes(rule.before_discharge_min.value)
    recent = [(at, total) for at, total in facts.scores if recent_from <= at <= facts.discharge_at]
    if not recent:
        problems.append(
            f"score CADSS-6 in the {rule.before_discharge_min.value:g} min before discharge"
        )
        return problems
    limit = max(facts.baseline or 0.0, rule.resolved_max.value)
    last = max(recent)[1]
    if last > limit:
        problems.append(
            f"dissociation not resolved: the last CADSS-6 is {last:g}, back to baseline is "
            f"at most {limit:g}"
        )
    return problems


@dataclass(frozen=True)
class EndFacts:
    started_at: datetime
    ended_at: datetime
    volume_infused_ml: float
    programmed_rate_ml_per_h: float
    """The highest rate the pump was set to."""
    ordered_duration_min: float
    stopped_early: bool


def implausible_end(facts: EndFacts, rules: SessionRules) -> list[str]:
    """An implied rate (volume over time) above the programmed rate beyond the tolerance,
    or an end well before the ordered duration (a stop early says why anyway)."""
    rule = rules.plausible_end
    minutes = (facts.ended_at - facts.started_at).total_seconds() / 60
    problems = []
    limit = facts.programmed_rate_ml_per_h * (1 + rule.rate_tolerance_fraction.value)
    if facts.volume_infused_ml > 0:
        implied = facts.volume_infused_ml / (minutes / 60) if minutes > 0 else float("inf")
        if implied > limit:
            problems.append(
                f"{facts.volume_infused_ml:g} mL in {minutes:.0f} min is {implied:.0f} mL/h, "
                f"above the programmed {facts.programmed_rate_ml_per_h:g} mL/h"
            )
    shortest = facts.ordered_duration_min * rule.early_end_fraction.value
    if not facts.stopped_early and minutes < shortest:
        problems.append(
            f"ended after {minutes:.0f} min of the {facts.ordered_duration_min:g} min ordered"
        )
    return problems
