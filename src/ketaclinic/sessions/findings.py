"""What a recorded value means: refused as impossible (a typo), or accepted and alerting.

``plausibility_problems`` names each impossible value; the ``*_findings`` functions return the
alerts a plausible value raises, with the suggested action and the rule's source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.core import Sourced, input_ranges

from .lifecycle import TIMED_VITALS, Phase, State
from .rules import (
    VITAL_QUANTITIES,
    AlertText,
    RelativeRule,
    SessionRules,
    VitalsRule,
    side_effect_at_least,
)

AlertingRule = AlertText | VitalsRule | RelativeRule
"""A rule that carries its alert's severity, message and suggested action."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


@dataclass(frozen=True)
class Finding:
    """An alert to raise: what, how urgent, what to do, and the rule's source."""

    code: str
    message: str
    severity: str
    suggested_action: str
    source: str

    @classmethod
    def raised_by(cls, rule: AlertingRule, code: str, message: str, source: str) -> Finding:
        """The alert a rule raises: its severity and suggested action, with this message."""
        return cls(code, message, rule.severity, rule.suggested_action, source)


def plausible_range(quantity: str, rules: SessionRules) -> tuple[Sourced, Sourced]:
    """The (min, max) a measured value must lie in; outside is a typo."""
    if quantity in rules.plausible:
        return rules.plausible[quantity]
    return input_ranges()[quantity]


def plausibility_problems(
    vitals: Mapping[str, float | None], rules: SessionRules
) -> list[FieldProblem]:
    """Every vital sign that is missing, not a number, or impossible; and a diastolic
    pressure not below the systolic."""
    problems = []
    for quantity in VITAL_QUANTITIES:
        value = vitals.get(quantity)
        if value is None:
            problems.append(FieldProblem(quantity, "is required"))
            continue
        low, high = plausible_range(quantity, rules)
        if (
            isinstance(value, bool)
            or not math.isfinite(value)
            or not low.value <= value <= high.value
        ):
            problems.append(
                FieldProblem(
                    quantity,
                    f"{value:g} is not a possible value (must be between {low.value:g} and "
                    f"{high.value:g}): check for a typo",
                )
            )
    sbp, dbp = vitals.get("sbp_mm_hg"), vitals.get("dbp_mm_hg")
    if not problems and sbp is not None and dbp is not None and dbp >= sbp:
        problems.append(FieldProblem("dbp_mm_hg", "must be below the systolic pressure"))
    return problems


def vitals_findings(
    vitals: Mapping[str, float],
    phase: Phase,
    rules: SessionRules,
    baseline: Mapping[str, float] | None = None,
) -> list[Finding]:
    """The alerts a plausible set of vital signs raises in ``phase``: its limits, and during
    or after the infusion a rise over the patient's pre-infusion ``baseline`` values."""
    found = [
        Finding.raised_by(
            rule,
            rule.code,
            f"{rule.message}: {vitals[rule.quantity]:g}",
            rule.threshold.source,
        )
        for rule in rules.vitals
        if phase in rule.phases and rule.crossed_by(vitals[rule.quantity])
    ]
    if baseline is None or phase == Phase.PRE_INFUSION:
        return found
    return found + [
        Finding.raised_by(
            rule,
            rule.code,
            f"{rule.message}: {vitals[rule.quantity]:g} (before: {baseline[rule.quantity]:g})",
            rule.rise_fraction.source,
        )
        for rule in rules.relative
        if rule.crossed_by(vitals[rule.quantity], baseline[rule.quantity])
    ]


def vitals_flags(vitals: Mapping[str, float], phase: Phase, rules: SessionRules) -> dict[str, str]:
    """Per vital sign outside a limit of ``phase``: "H" (above) or "L" (below)."""
    return {
        rule.quantity: "H" if rule.direction == "above" else "L"
        for rule in rules.vitals
        if phase in rule.phases and rule.crossed_by(vitals[rule.quantity])
    }


def cadss6_findings(total: float, threshold: Sourced, rules: SessionRules) -> list[Finding]:
    """An alert when the CADSS-6 total is above ``threshold`` (the titration rule's)."""
    if total <= threshold.value:
        return []
    text = rules.cadss6
    return [
        Finding.raised_by(
            text,
            "cadss6.high",
            f"{text.message} {threshold.value:g}: {total:g}",
            threshold.source,
        )
    ]


def side_effect_findings(kind: str, severity: str, rules: SessionRules) -> list[Finding]:
    """An alert for a side effect at least as bad as the rule's severity."""
    rule = rules.side_effects
    if not side_effect_at_least(severity, rule.alerts_at(kind)):
        return []
    return [
        Finding(
            code=f"side_effect.{kind}",
            message=f"{severity.capitalize()} {kind.replace('_', ' ')}",
            severity=rule.severity,
            suggested_action=rule.actions.get(kind, rule.default_action),
            source=rule.source,
        )
    ]


def urinary_findings(symptoms: Mapping[str, bool], rules: SessionRules) -> list[Finding]:
    """An alert when any urinary symptom is reported."""
    reported = [name for name, present in symptoms.items() if present]
    if not reported:
        return []
    text = rules.urinary_screen
    return [
        Finding.raised_by(
            text,
            "urinary_screen.positive",
            f"{text.message}: {', '.join(reported)}",
            rules.urinary_screen_source,
        )
    ]


def next_vitals_due(
    state: State,
    infusion_started_at: datetime | None,
    last_taken_at: datetime | None,
    interval_min: float,
) -> datetime | None:
    """When the next set of vital signs is due: ``interval_min`` after the later of the
    infusion start and the last set; None outside the timed states."""
    if state not in TIMED_VITALS or infusion_started_at is None:
        return None
    reference = max(infusion_started_at, last_taken_at) if last_taken_at else infusion_started_at
    return reference + timedelta(minutes=interval_min)
