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
    "agitation",
    "respiratory_depression",
    "excess_sedation",
    "hypersalivation",
    "chest_pain",
    "arrhythmia",
    "allergic_reaction",
    "other",
]
SIDE_EFFECT_KINDS: tuple[SideEffectKind, ...] = get_args(SideEffectKind)
# A side effect observed is graded mild, moderate or severe (the titration rule's scale).
SideEffectSeverity = Literal["mild", "moderate", "severe"]
SIDE_EFFECT_SEVERITIES: tuple[SideEffectSeverity, ...] = get_args(SideEffectSeverity)
SCHEDULE_FIELDS = ("grace_min", "start_window_min", "end_window_min", "before_discharge_min")
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
class RelativeRule:
    """An alert when ``quantity`` rises more than ``rise_fraction`` above the patient's own
    pre-infusion value, during or after the infusion."""

    code: str
    quantity: str
    rise_fraction: Sourced
    severity: AlertSeverity
    message: str
    suggested_action: str

    def crossed_by(self, value: float, baseline: float) -> bool:
        return value > baseline * (1 + self.rise_fraction.value)


@dataclass(frozen=True)
class Schedule:
    """When vital signs are due (the discharge gate's monitoring completeness)."""

    grace_min: Sourced
    start_window_min: Sourced
    end_window_min: Sourced
    before_discharge_min: Sourced


@dataclass(frozen=True)
class Dissociation:
    """CADSS-6 at the end of the infusion and before discharge, back to baseline."""

    end_window_min: Sourced
    before_discharge_min: Sourced
    resolved_max: Sourced


@dataclass(frozen=True)
class PlausibleEnd:
    rate_tolerance_fraction: Sourced
    early_end_fraction: Sourced


@dataclass(frozen=True)
class GateText:
    """A gate a step must pass (or a physician override): what it stops on, and why."""

    name: str
    label: str
    source: str


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
    alert_at: Mapping[str, SideEffectSeverity]
    """Per kind, a lower severity that already alerts (moderate hallucinations)."""

    def alerts_at(self, kind: str) -> SideEffectSeverity:
        return self.alert_at.get(kind, self.alert_at_severity)


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
    aldrete_floors: Mapping[str, Sourced]
    dissociation: Dissociation


@dataclass(frozen=True)
class SessionRules:
    version: str
    vitals_interval_min: Sourced
    late_entry_max_h: Sourced
    late_reason_after_min: Sourced
    schedule: Schedule
    escalate_after_min: Sourced
    plausible_end: PlausibleEnd
    relative: tuple[RelativeRule, ...]
    gates: Mapping[str, GateText]
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


def _relative_rule(table: Mapping[str, Any], where: str) -> RelativeRule:
    return RelativeRule(
        code=read_text(table, "code", where),
        quantity=read_choice(table, "quantity", where, VITAL_QUANTITIES),
        rise_fraction=read_sourced(table, "rise_fraction", where),
        severity=read_choice(table, "severity", where, ALERT_SEVERITIES),
        message=read_text(table, "message", where),
        suggested_action=read_text(table, "suggested_action", where),
    )


def _sourced_fields(
    table: Mapping[str, Any], where: str, names: tuple[str, ...]
) -> dict[str, Sourced]:
    return {name: read_sourced(table, name, where) for name in names}


def _gates(data: Mapping[str, Any]) -> dict[str, GateText]:
    table = read_table(data, "gates", "session_rules")
    return {
        name: GateText(
            name=name,
            label=read_text(read_table(table, name, "gates"), "label", f"gates.{name}"),
            source=read_text(read_table(table, name, "gates"), "source", f"gates.{name}"),
        )
        for name in table
    }


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
    alert_at = read_table(side, "alert_at", "side_effects") if "alert_at" in side else {}
    for name, kinds in (("actions", actions), ("alert_at", alert_at)):
        unknown_kinds = sorted(set(kinds) - set(SIDE_EFFECT_KINDS))
        if unknown_kinds:
            raise DomainInputError(f"side_effects.{name}", f"unknown kinds {unknown_kinds}")
    rules = data.get("vitals", [])
    relative = data.get("relative", [])
    if not isinstance(rules, list) or not isinstance(relative, list):
        raise DomainInputError("vitals", "must be a list of tables")
    schedule = read_table(monitoring, "schedule", "monitoring")
    floors = read_table(discharge, "aldrete_floors", "discharge")
    dissociation = read_table(discharge, "dissociation", "discharge")
    plausible_end = read_table(data, "plausible_end", "session_rules")
    return SessionRules(
        version=read_text(data, "version", "session_rules"),
        vitals_interval_min=read_sourced(monitoring, "vitals_interval_min", "monitoring"),
        late_entry_max_h=read_sourced(monitoring, "late_entry_max_h", "monitoring"),
        late_reason_after_min=read_sourced(monitoring, "late_reason_after_min", "monitoring"),
        schedule=Schedule(**_sourced_fields(schedule, "monitoring.schedule", SCHEDULE_FIELDS)),
        escalate_after_min=read_sourced(
            read_table(data, "alerts", "session_rules"), "escalate_after_min", "alerts"
        ),
        plausible_end=PlausibleEnd(
            **_sourced_fields(
                plausible_end,
                "plausible_end",
                ("rate_tolerance_fraction", "early_end_fraction"),
            )
        ),
        relative=tuple(_relative_rule(rule, f"relative[{i}]") for i, rule in enumerate(relative)),
        gates=_gates(data),
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
            alert_at={
                kind: read_choice(alert_at, kind, "side_effects.alert_at", SIDE_EFFECT_SEVERITIES)
                for kind in alert_at
            },
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
            aldrete_floors={
                item: read_sourced(floors, item, "discharge.aldrete_floors") for item in floors
            },
            dissociation=Dissociation(
                **_sourced_fields(
                    dissociation,
                    "discharge.dissociation",
                    ("end_window_min", "before_discharge_min", "resolved_max"),
                )
            ),
        ),
    )


@cache
def session_rules() -> SessionRules:
    """The packaged rules."""
    return rules_from_mapping(load_toml(__package__, "session_rules.toml"))


def side_effect_at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` is as bad as ``threshold`` on the none…severe scale."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
