"""Scoring by sum of answers, with optional threshold criteria (e.g. Aldrete discharge)."""

from __future__ import annotations

from fractions import Fraction

from .answers import Answers
from .definitions import Definition, SumScoring, ThresholdCriteria, ThresholdRule
from .results import CriteriaResult, Parts


def score_sum(definition: Definition, scoring: SumScoring, answers: Answers) -> Parts:
    values = {item.id: answers.value(item.id) for item in definition.items}
    total = sum(values.values())
    criteria = None if scoring.criteria is None else _criteria(scoring.criteria, total, values)
    return Parts(total=Fraction(total), criteria=criteria)


def _criteria(criteria: ThresholdCriteria, total: int, values: dict[str, int]) -> CriteriaResult:
    """Met when any rule holds: the reason names it; otherwise each rule says what fell short."""
    shortfalls = [_shortfalls(rule, total, values) for rule in criteria.rules]
    held = [rule for rule, missed in zip(criteria.rules, shortfalls, strict=True) if not missed]
    reasons = (
        (f"total {total} meets {_describe(held[0])}",)
        if held
        else tuple(
            f"{_describe(rule)} not met: {'; '.join(missed)}"
            for rule, missed in zip(criteria.rules, shortfalls, strict=True)
        )
    )
    return CriteriaResult(
        code=criteria.code,
        label=criteria.label,
        met=bool(held),
        reasons=reasons,
        note=criteria.note,
    )


def _shortfalls(rule: ThresholdRule, total: int, values: dict[str, int]) -> list[str]:
    missed = [f"total {total} is below {rule.total_min}"] if total < rule.total_min else []
    missed += [
        f"{item_id} {values[item_id]} is below {minimum}"
        for item_id, minimum in rule.item_min.items()
        if values[item_id] < minimum
    ]
    return missed


def _describe(rule: ThresholdRule) -> str:
    parts = [f"total ≥ {rule.total_min}"]
    parts += [f"{item_id} ≥ {minimum}" for item_id, minimum in rule.item_min.items()]
    return " and ".join(parts)
