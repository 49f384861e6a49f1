"""The eligibility rule set (data/rules.toml), parsed and checked against the vocabularies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    input_ranges,
    load_toml,
    read_choice,
    read_optional_sourced,
    read_table,
    read_text,
)

from .conditions import known_condition_ids
from .medications import medication_catalog

Outcome = Literal["eligible", "needs_physician_review", "defer", "not_eligible"]
FindingOutcome = Literal["not_eligible", "defer", "needs_physician_review", "note"]
# Worst first: the overall outcome is the first of these any finding has ("defer": re-measure
# or treat first, then screen again).
SEVERITY_ORDER: tuple[FindingOutcome, ...] = (
    "not_eligible",
    "defer",
    "needs_physician_review",
    "note",
)
# How a measure rule compares: strictly above, strictly below, or at or above its threshold.
SIDES = ("above", "below", "at_or_above")
MEASURES = ("age_years", "sbp_mm_hg", "dbp_mm_hg", "heart_rate_per_min", "resp_rate_per_min")


@dataclass(frozen=True)
class PreInfusionTest:
    id: str
    label: str
    source: str
    always: bool


@dataclass(frozen=True)
class Rule:
    """A rule that fires on any of ``triggers``: condition ids, or drug class ids."""

    id: str
    triggers: tuple[str, ...]
    outcome: FindingOutcome
    reason: str
    source: str
    outcome_basis: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class MeasureRule:
    """A rule that fires when a measure is beyond its threshold on ``side`` (one of SIDES)."""

    id: str
    measure: str
    side: str
    threshold: Sourced
    outcome: FindingOutcome
    reason: str

    def fires(self, value: float) -> bool:
        if self.side == "above":
            return value > self.threshold.value
        if self.side == "below":
            return value < self.threshold.value
        return value >= self.threshold.value


@dataclass(frozen=True)
class RuleSet:
    version: str
    tests: Mapping[str, PreInfusionTest]
    condition_rules: tuple[Rule, ...]
    medication_rules: tuple[Rule, ...]
    measure_rules: tuple[MeasureRule, ...]
    pregnancy_status_unknown: Rule
    unrecognised_medication: Rule
    misspelt_medication: Rule


def _ids(table: Mapping[str, Any], key: str, where: str, known: Any) -> tuple[str, ...]:
    items = table.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise DomainInputError(f"{where}.{key}", "must be a list of ids")
    unknown = sorted(set(items) - set(known))
    if unknown:
        raise DomainInputError(f"{where}.{key}", f"unknown id(s): {', '.join(unknown)}")
    return tuple(items)


def _rule(table: Mapping[str, Any], where: str, triggers: tuple[str, ...], tests: Any) -> Rule:
    return Rule(
        id=read_text(table, "id", where),
        triggers=triggers,
        outcome=read_choice(table, "outcome", where, SEVERITY_ORDER),
        reason=read_text(table, "reason", where),
        source=read_text(table, "source", where),
        outcome_basis=str(table.get("outcome_basis", "")),
        tests=_ids(table, "tests", where, tests),
    )


def _triggered_rule(
    table: Mapping[str, Any], section: str, key: str, known: Any, tests: Any
) -> Rule:
    where = f"rules.{section}.{table.get('id', '?')}"
    triggers = _ids(table, key, where, known)
    if not triggers:
        raise DomainInputError(f"{where}.{key}", "must name at least one id")
    return _rule(table, where, triggers, tests)


def _measure_rule(table: Mapping[str, Any]) -> MeasureRule:
    where = f"rules.measure_rule.{table.get('id', '?')}"
    measure = read_text(table, "measure", where)
    if measure not in MEASURES or measure not in input_ranges():
        raise DomainInputError(f"{where}.measure", f"must be one of {', '.join(MEASURES)}")
    given = {side: read_optional_sourced(table, side, where) for side in SIDES}
    sides = [side for side, threshold in given.items() if threshold is not None]
    if len(sides) != 1:
        raise DomainInputError(where, f"needs exactly one of {', '.join(SIDES)}")
    threshold = given[sides[0]]
    assert threshold is not None
    return MeasureRule(
        id=read_text(table, "id", where),
        measure=measure,
        side=sides[0],
        threshold=threshold,
        outcome=read_choice(table, "outcome", where, SEVERITY_ORDER),
        reason=read_text(table, "reason", where),
    )


@cache
def rule_set() -> RuleSet:
    data = load_toml(__package__, "rules.toml")
    tests = {
        t["id"]: PreInfusionTest(
            id=read_text(t, "id", "rules.test"),
            label=read_text(t, "label", f"rules.test.{t['id']}"),
            source=read_text(t, "source", f"rules.test.{t['id']}"),
            always=bool(t.get("always", False)),
        )
        for t in data.get("test", [])
    }
    classes = medication_catalog().classes
    return RuleSet(
        version=read_text(data, "version", "rules"),
        tests=tests,
        condition_rules=tuple(
            _triggered_rule(r, "condition_rule", "conditions", known_condition_ids(), tests)
            for r in data.get("condition_rule", [])
        ),
        medication_rules=tuple(
            _triggered_rule(r, "medication_rule", "classes", classes, tests)
            for r in data.get("medication_rule", [])
        ),
        measure_rules=tuple(_measure_rule(r) for r in data.get("measure_rule", [])),
        pregnancy_status_unknown=_single_rule(data, "pregnancy_status_unknown", tests),
        unrecognised_medication=_single_rule(data, "unrecognised_medication", tests),
        misspelt_medication=_single_rule(data, "misspelt_medication", tests),
    )


def _single_rule(data: Mapping[str, Any], key: str, tests: Any) -> Rule:
    """A rule given as its own table ``[key]``; its id is the key with dashes."""
    table = read_table(data, key, "rules")
    return _rule({"id": key.replace("_", "-"), **table}, f"rules.{key}", (), tests)
