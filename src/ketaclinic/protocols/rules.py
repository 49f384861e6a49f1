"""Titration and booster rules as data (rules.toml), shared by protocols by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_choice,
    read_sourced_fields,
    read_table,
    read_text,
)

Severity = Literal["none", "mild", "moderate", "severe"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


@dataclass(frozen=True)
class TitrationRule:
    id: str
    version: str
    label: str
    step_down_at_severity: Severity
    hold_at_severity: Severity
    cadss6_max: Sourced
    peak_sbp_max_mm_hg: Sourced
    peak_heart_rate_max_per_min: Sourced
    response_fraction: Sourced


@dataclass(frozen=True)
class BoosterRule:
    id: str
    version: str
    label: str
    responder_fraction: Sourced
    pain_return_fraction: Sourced
    min_interval_days: Sourced


@cache
def rules_version() -> str:
    return read_text(load_toml(__package__, "rules.toml"), "version", "rules")


# The titration rule's sourced numbers, as named in rules.toml and on TitrationRule.
TITRATION_THRESHOLDS = (
    "cadss6_max",
    "peak_sbp_max_mm_hg",
    "peak_heart_rate_max_per_min",
    "response_fraction",
)


@cache
def titration_rules() -> Mapping[str, TitrationRule]:
    return {
        rule_id: TitrationRule(
            id=rule_id,
            version=rules_version(),
            label=read_text(data, "label", where),
            step_down_at_severity=read_choice(data, "step_down_at_severity", where, SEVERITIES),
            hold_at_severity=read_choice(data, "hold_at_severity", where, SEVERITIES),
            **read_sourced_fields(data, TITRATION_THRESHOLDS, where),
        )
        for rule_id, data, where in _rule_tables("titration")
    }


@cache
def booster_rules() -> Mapping[str, BoosterRule]:
    return {
        rule_id: BoosterRule(
            id=rule_id,
            version=rules_version(),
            label=read_text(data, "label", where),
            **read_sourced_fields(
                data, ("responder_fraction", "pain_return_fraction", "min_interval_days"), where
            ),
        )
        for rule_id, data, where in _rule_tables("booster")
    }


def _rule_tables(kind: str) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    """Each ``[<kind>.<id>]`` table of rules.toml: its id, its contents and its error prefix."""
    table = read_table(load_toml(__package__, "rules.toml"), kind, "rules")
    return ((rule_id, data, f"{kind}.{rule_id}") for rule_id, data in table.items())


def titration_rule(rule_id: str) -> TitrationRule:
    try:
        return titration_rules()[rule_id]
    except KeyError:
        raise DomainInputError("titration_rule", f"unknown rule {rule_id!r}") from None


def booster_rule(rule_id: str) -> BoosterRule:
    try:
        return booster_rules()[rule_id]
    except KeyError:
        raise DomainInputError("booster_rule", f"unknown rule {rule_id!r}") from None
