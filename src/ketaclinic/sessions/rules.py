"""The session rules as data (data/session_rules.toml): vitals timing, alert thresholds,
pre-infusion checks and discharge requirements, each number with its source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_choice,
    read_sourced,
    read_table,
    read_text,
    read_texts,
)
from ketaclinic.protocols import SEVERITIES

from .lifecycle import Phase

AlertSeverity = Literal["info", "warning", "urgent"]
ALERT_SEVERITIES: tuple[AlertSeverity, ...] = get_args(AlertSeverity)
SideEffectKind = Literal[
    "nausea",
    "vomiting",
    "dizziness",
    "dissociation",
    "hallucinations",
    "confusion",
    "anxiety",
    "headache",
    "hypertension",
    "other",
]
SIDE_EFFECT_KINDS: tuple[SideEffectKind, ...] = get_args(SideEffectKind)
# A side effect observed is graded mild, moderate or severe (the titration rule's scale).
SideEffectSeverity = Literal["mild", "moderate", "severe"]
SIDE_EFFECT_SEVERITIES: tuple[SideEffectSeverity, ...] = get_args(SideEffectSeverity)
VITAL_QUANTITIES = (
    "sbp_mm_hg",
    "dbp_mm_hg",
    "heart_rate_per_min",
    "spo2_percent",
    "resp_rate_per_min",
)


@dataclass(frozen=True)
class VitalsRule:
    """An alert when ``quantity`` is strictly above (or below) ``threshold`` in ``phases``."""

    code: str
    quantity: str
    direction: Literal["above", "below"]
    threshold: Sourced
    severity: AlertSeverity
    phases: frozenset[Phase]
    message: str
    suggested_action: str

    def crossed_by(self, value: float) -> bool:
        if self.direction == "above":
            return value > self.threshold.value
        return value < self.threshold.value


@dataclass(frozen=True)
class AlertText:
    severity: AlertSeverity
    message: str
    suggested_action: str


@dataclass(frozen=True)
class SideEffectRule:
    alert_at_severity: SideEffectSeverity
    source: str
    severity: AlertSeverity
    default_action: str
    actions: Mapping[str, str]


@dataclass(frozen=True)
class Confirmation:
    """Something a nurse confirms; ``sexes`` limits it to patients of those sexes."""

    kind: str
    label: str
    source: str
    sexes: frozenset[str] | None = None

    def applies_to(self, sex: str) -> bool:
        return self.sexes is None or sex in self.sexes


@dataclass(frozen=True)
class PreChecks:
    instruments: tuple[str, ...]
    instruments_source: str
    weight_source: str
    urinary_screen_source: str
    confirmations: tuple[Confirmation, ...]


@dataclass(frozen=True)
class DischargeRules:
    instruments: tuple[str, ...]
    instruments_source: str
    aldrete_instrument: str
    aldrete_source: str
    alerts_acknowledged_source: str
    confirmations: tuple[Confirmation, ...]


@dataclass(frozen=True)
class SessionRules:
    version: str
    vitals_interval_min: Sourced
    late_entry_max_h: Sourced
    plausible: Mapping[str, tuple[Sourced, Sourced]]
    vitals: tuple[VitalsRule, ...]
    cadss6: AlertText
    side_effects: SideEffectRule
    urinary_screen: AlertText
    urinary_screen_source: str
    pre_checks: PreChecks
    discharge: DischargeRules

    @property
    def confirmations(self) -> tuple[Confirmation, ...]:
        """Every checklist item, the pre-infusion ones first."""
        return (*self.pre_checks.confirmations, *self.discharge.confirmations)

    def confirmation(self, kind: str) -> Confirmation | None:
        return next((item for item in self.confirmations if item.kind == kind), None)


def _alert_text(table: Mapping[str, Any], where: str) -> AlertText:
    return AlertText(
        severity=read_choice(table, "severity", where, ALERT_SEVERITIES),
        message=read_text(table, "message", where),
        suggested_action=read_text(table, "suggested_action", where),
    )


def _vitals_rule(table: Mapping[str, Any], where: str) -> VitalsRule:
    directions = [key for key in ("above", "below") if key in table]
    if len(directions) != 1:
        raise DomainInputError(where, "needs exactly one of above, below")
    quantity = read_choice(table, "quantity", where, VITAL_QUANTITIES)
    phases = read_texts(table, "phases", where)
    unknown = sorted(set(phases) - set(Phase))
    if unknown or not phases:
        raise DomainInputError(f"{where}.phases", f"must name phases of {', '.join(Phase)}")
    return VitalsRule(
        code=read_text(table, "code", where),
        quantity=quantity,
        direction=directions[0],  # type: ignore[arg-type]
        threshold=read_sourced(table, directions[0], where),
        severity=read_choice(table, "severity", where, ALERT_SEVERITIES),
        phases=frozenset(Phase(phase) for phase in phases),
        message=read_text(table, "message", where),
        suggested_action=read_text(table, "suggested_action", where),
    )


def _confirmations(table: Mapping[str, Any], where: str) -> tuple[Confirmation, ...]:
    items = table.get("confirmations", [])
    if not isinstance(items, list):
        raise DomainInputError(f"{where}.confirmations", "must be a list of tables")
    return tuple(
        Confirmation(
            kind=read_text(item, "kind", f"{where}.confirmations"),
            label=read_text(item, "label", f"{where}.confirmations"),
            source=read_text(item, "source", f"{where}.confirmations"),
            sexes=frozenset(read_texts(item, "sexes", where)) if "sexes" in item else None,
        )
        for item in items
    )


def rules_from_mapping(data: Mapping[str, Any]) -> SessionRules:
    """Build the rules from parsed TOML, naming the offending field on any error."""
    monitoring = read_table(data, "monitoring", "session_rules")
    side = read_table(data, "side_effects", "session_rules")
    urinary = read_table(data, "urinary_screen", "session_rules")
    pre = read_table(data, "pre_checks", "session_rules")
    discharge = read_table(data, "discharge", "session_rules")
    plausible = read_table(data, "plausible", "session_rules")
    actions = read_table(side, "actions", "side_effects")
    unknown_kinds = sorted(set(actions) - set(SIDE_EFFECT_KINDS))
    if unknown_kinds:
        raise DomainInputError("side_effects.actions", f"unknown kinds {unknown_kinds}")
    rules = data.get("vitals", [])
    if not isinstance(rules, list):
        raise DomainInputError("vitals", "must be a list of tables")
    return SessionRules(
        version=read_text(data, "version", "session_rules"),
        vitals_interval_min=read_sourced(monitoring, "vitals_interval_min", "monitoring"),
        late_entry_max_h=read_sourced(monitoring, "late_entry_max_h", "monitoring"),
        plausible={
            name: (read_sourced(bounds, "min", name), read_sourced(bounds, "max", name))
            for name in plausible
            for bounds in [read_table(plausible, name, "plausible")]
        },
        vitals=tuple(_vitals_rule(rule, f"vitals[{i}]") for i, rule in enumerate(rules)),
        cadss6=_alert_text(read_table(data, "cadss6", "session_rules"), "cadss6"),
        side_effects=SideEffectRule(
            alert_at_severity=read_choice(
                side, "alert_at_severity", "side_effects", SIDE_EFFECT_SEVERITIES
            ),
            source=read_text(side, "alert_source", "side_effects"),
            severity=read_choice(side, "severity", "side_effects", ALERT_SEVERITIES),
            default_action=read_text(side, "default_action", "side_effects"),
            actions={kind: read_text(actions, kind, "side_effects.actions") for kind in actions},
        ),
        urinary_screen=_alert_text(urinary, "urinary_screen"),
        urinary_screen_source=read_text(urinary, "source", "urinary_screen"),
        pre_checks=PreChecks(
            instruments=read_texts(pre, "instruments", "pre_checks"),
            instruments_source=read_text(pre, "instruments_source", "pre_checks"),
            weight_source=read_text(pre, "weight_source", "pre_checks"),
            urinary_screen_source=read_text(pre, "urinary_screen_source", "pre_checks"),
            confirmations=_confirmations(pre, "pre_checks"),
        ),
        discharge=DischargeRules(
            instruments=read_texts(discharge, "instruments", "discharge"),
            instruments_source=read_text(discharge, "instruments_source", "discharge"),
            aldrete_instrument=read_text(discharge, "aldrete_instrument", "discharge"),
            aldrete_source=read_text(discharge, "aldrete_source", "discharge"),
            alerts_acknowledged_source=read_text(
                discharge, "alerts_acknowledged_source", "discharge"
            ),
            confirmations=_confirmations(discharge, "discharge"),
        ),
    )


@cache
def session_rules() -> SessionRules:
    """The packaged rules."""
    return rules_from_mapping(load_toml(__package__, "session_rules.toml"))


def side_effect_at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` is as bad as ``threshold`` on the none…severe scale."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
