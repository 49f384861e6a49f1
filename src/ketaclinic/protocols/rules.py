"""Titration and booster rules as data (rules.toml), shared by protocols by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_sourced,
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


def _severity(table: Mapping[str, Any], key: str, where: str) -> Severity:
    value = read_text(table, key, where)
    if value not in SEVERITIES:
        raise DomainInputError(f"{where}.{key}", f"must be one of {', '.join(SEVERITIES)}")
    return value


@cache
def rules_version() -> str:
    return read_text(load_toml(__package__, "rules.toml"), "version", "rules")


@cache
def titration_rules() -> Mapping[str, TitrationRule]:
    table = read_table(load_toml(__package__, "rules.toml"), "titration", "rules")
    return {
        rule_id: TitrationRule(
            id=rule_id,
            version=rules_version(),
            label=read_text(data, "label", f"titration.{rule_id}"),
            step_down_at_severity=_severity(data, "step_down_at_severity", f"titration.{rule_id}"),
            hold_at_severity=_severity(data, "hold_at_severity", f"titration.{rule_id}"),
            **{
                key: read_sourced(data, key, f"titration.{rule_id}")
                for key in (
                    "cadss6_max",
                    "peak_sbp_max_mm_hg",
                    "peak_heart_rate_max_per_min",
                    "response_fraction",
                )
            },
        )
        for rule_id, data in table.items()
    }


@cache
def booster_rules() -> Mapping[str, BoosterRule]:
    table = read_table(load_toml(__package__, "rules.toml"), "booster", "rules")
    return {
        rule_id: BoosterRule(
            id=rule_id,
            version=rules_version(),
            label=read_text(data, "label", f"booster.{rule_id}"),
            **{
                key: read_sourced(data, key, f"booster.{rule_id}")
                for key in ("responder_fraction", "pain_return_fraction", "min_interval_days")
            },
        )
        for rule_id, data in table.items()
    }


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
