"""A protocol: route, dose, series, limits and rules, each number with its source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    read_choice,
    read_optional_sourced,
    read_sourced,
    read_table,
    read_text,
    read_texts,
)

from .limits import LimitRange, read_limits

Route = Literal["iv_infusion", "im", "intranasal"]
Drug = Literal["ketamine", "esketamine"]
WeightPolicy = Literal["actual", "ideal", "adjusted"]
DoseQuantity = Literal["dose_mg_per_kg", "dose_mg"]


@dataclass(frozen=True)
class Protocol:
    """One protocol definition; ``version`` changes whenever any value in it changes."""

    id: str
    version: str
    name: str
    drug: Drug
    route: Route
    evidence_note: str
    evidence_sources: tuple[str, ...]
    weight_policy: WeightPolicy
    weight_policy_source: str
    weight_cap_kg: Sourced | None
    dose_quantity: DoseQuantity
    """Whether the session dose is per kg of weight used or a fixed amount in mg."""
    session_dose: Sourced
    """Default session dose in the unit named by ``dose_quantity``."""
    duration_min: Sourced
    observation_min: Sourced
    sessions: Sourced
    series_span_days: Sourced
    min_interval_days: Sourced
    baseline_lfts: bool
    baseline_lfts_source: str
    monitoring_notes: tuple[str, ...]
    titration_rule: str
    titration_step: Sourced
    """Titration step in the unit named by ``dose_quantity``."""
    booster_rule: str
    limits: Mapping[str, LimitRange]

    @property
    def is_infusion(self) -> bool:
        return self.route == "iv_infusion"

    def pk_doses(self) -> list[dict[str, Any]]:
        """The session as doses for the PK engine, e.g. one 40-min IV infusion at time 0.

        Route names and keys are those of ``ketaclinic.pharmacology``'s ``Dose``; only an
        infusion has a duration.
        """
        return [
            {
                "route": self.route,
                self.dose_quantity: self.session_dose.value,
                "start_min": 0.0,
                "duration_min": self.duration_min.value if self.is_infusion else None,
            }
        ]

    def as_dict(self) -> dict[str, Any]:
        """Everything about the protocol, as plain data with sources."""
        return {
            "id": self.id,
            "version": self.version,
            "name": self.name,
            "drug": self.drug,
            "route": self.route,
            "evidence_note": self.evidence_note,
            "evidence_sources": list(self.evidence_sources),
            "weight": {
                "policy": self.weight_policy,
                "policy_source": self.weight_policy_source,
                "cap_kg": self.weight_cap_kg.as_dict() if self.weight_cap_kg else None,
            },
            "session": {
                self.dose_quantity: self.session_dose.as_dict(),
                "duration_min": self.duration_min.as_dict(),
                "observation_min": self.observation_min.as_dict(),
            },
            "series": {
                "sessions": self.sessions.as_dict(),
                "span_days": self.series_span_days.as_dict(),
                "min_interval_days": self.min_interval_days.as_dict(),
            },
            "monitoring": {
                "baseline_lfts": self.baseline_lfts,
                "baseline_lfts_source": self.baseline_lfts_source,
                "notes": list(self.monitoring_notes),
            },
            "titration": {"rule": self.titration_rule, "step": self.titration_step.as_dict()},
            "booster": {"rule": self.booster_rule},
            "limits": {quantity: limit.as_dict() for quantity, limit in self.limits.items()},
            "pk_doses": self.pk_doses(),
        }


def protocol_from_mapping(data: Mapping[str, Any]) -> Protocol:
    """Build a protocol from parsed TOML, naming the offending field on any error."""
    where = str(data.get("id", "protocol"))
    weight = read_table(data, "weight", where)
    session = read_table(data, "session", where)
    series = read_table(data, "series", where)
    monitoring = read_table(data, "monitoring", where)
    titration = read_table(data, "titration", where)
    booster = read_table(data, "booster", where)
    doses = [key for key in get_args(DoseQuantity) if key in session]
    if len(doses) != 1:
        raise DomainInputError(f"{where}.session", "needs exactly one of dose_mg_per_kg, dose_mg")
    dose_quantity = cast(DoseQuantity, doses[0])
    route = cast(Route, read_choice(data, "route", where, get_args(Route)))
    duration = read_sourced(session, "duration_min", f"{where}.session")
    if (route == "iv_infusion") != (duration.value > 0):
        raise DomainInputError(
            f"{where}.session.duration_min", "must be > 0 for an infusion and 0 otherwise"
        )
    baseline_lfts = monitoring.get("baseline_lfts", False)
    if not isinstance(baseline_lfts, bool):
        raise DomainInputError(f"{where}.monitoring.baseline_lfts", "must be true or false")
    protocol = Protocol(
        id=read_text(data, "id", where),
        version=read_text(data, "version", where),
        name=read_text(data, "name", where),
        drug=cast(Drug, read_choice(data, "drug", where, get_args(Drug))),
        route=route,
        evidence_note=read_text(data, "evidence_note", where),
        evidence_sources=read_texts(data, "evidence_sources", where),
        weight_policy=cast(
            WeightPolicy, read_choice(weight, "policy", f"{where}.weight", get_args(WeightPolicy))
        ),
        weight_policy_source=read_text(weight, "policy_source", f"{where}.weight"),
        weight_cap_kg=read_optional_sourced(weight, "cap_kg", f"{where}.weight"),
        dose_quantity=dose_quantity,
        session_dose=read_sourced(session, dose_quantity, f"{where}.session"),
        duration_min=duration,
        observation_min=read_sourced(session, "observation_min", f"{where}.session"),
        sessions=read_sourced(series, "sessions", f"{where}.series"),
        series_span_days=read_sourced(series, "span_days", f"{where}.series"),
        min_interval_days=read_sourced(series, "min_interval_days", f"{where}.series"),
        baseline_lfts=baseline_lfts,
        baseline_lfts_source=read_text(monitoring, "baseline_lfts_source", f"{where}.monitoring"),
        monitoring_notes=read_texts(monitoring, "notes", f"{where}.monitoring"),
        titration_rule=read_text(titration, "rule", f"{where}.titration"),
        titration_step=read_sourced(titration, "step", f"{where}.titration"),
        booster_rule=read_text(booster, "rule", f"{where}.booster"),
        limits=read_limits(read_table(data, "limits", where), f"{where}.limits"),
    )
    _check_default_dose_within_soft_limits(protocol)
    return protocol


def _check_default_dose_within_soft_limits(protocol: Protocol) -> None:
    limit = protocol.limits.get(protocol.dose_quantity)
    if limit is not None and limit.exceeded_bound(protocol.session_dose.value) is not None:
        raise DomainInputError(
            f"{protocol.id}.session.{protocol.dose_quantity}", "default dose is outside its limits"
        )
