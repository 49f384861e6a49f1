"""The clinic layer: pump resolution, order rules and limits that tighten the protocols'."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_sourced,
    read_table,
    read_text,
)
from ketaclinic.protocols import LimitRange, Protocol, check_ordered, protocol_ids, read_limits

ALL_PROTOCOLS = "*"
# min for upper bounds, max for lower bounds: picks the tighter of two values.
Pick = Callable[[float, float], float]


@dataclass(frozen=True)
class ClinicPolicy:
    version: str
    clinic: str
    rate_precision_ml_per_h: Sourced
    weight_max_age_days: Sourced
    weight_max_change_fraction: Sourced
    double_check_tolerance_fraction: Sourced
    limits: Mapping[str, Mapping[str, LimitRange]]
    """Limit overrides by protocol id, or ``"*"`` for every protocol."""


def clinic_policy_from_mapping(data: Mapping[str, Any]) -> ClinicPolicy:
    """Build a clinic layer from parsed TOML/JSON; limit overrides name known protocols."""
    limits_table = read_table(data, "limits", "clinic")
    limits: dict[str, Mapping[str, LimitRange]] = {}
    for protocol_id, table in limits_table.items():
        if protocol_id != ALL_PROTOCOLS and protocol_id not in protocol_ids():
            raise DomainInputError(f"clinic.limits.{protocol_id}", "names no known protocol")
        if not isinstance(table, Mapping):
            raise DomainInputError(f"clinic.limits.{protocol_id}", "must be a table")
        limits[protocol_id] = read_limits(table, f"clinic.limits.{protocol_id}")
    pump = read_table(data, "pump", "clinic")
    orders = read_table(data, "orders", "clinic")
    double_check = read_table(data, "double_check", "clinic")
    policy = ClinicPolicy(
        version=read_text(data, "version", "clinic"),
        clinic=read_text(data, "clinic", "clinic"),
        rate_precision_ml_per_h=read_sourced(pump, "rate_precision_ml_per_h", "clinic.pump"),
        weight_max_age_days=read_sourced(orders, "weight_max_age_days", "clinic.orders"),
        weight_max_change_fraction=read_sourced(
            orders, "weight_max_change_fraction", "clinic.orders"
        ),
        double_check_tolerance_fraction=read_sourced(
            double_check, "tolerance_fraction", "clinic.double_check"
        ),
        limits=limits,
    )
    if policy.rate_precision_ml_per_h.value <= 0:
        raise DomainInputError("clinic.pump.rate_precision_ml_per_h", "must be positive")
    return policy


@cache
def default_clinic_policy() -> ClinicPolicy:
    return clinic_policy_from_mapping(load_toml(__package__, "clinic.toml"))


def effective_limits(protocol: Protocol, clinic: ClinicPolicy) -> dict[str, LimitRange]:
    """The protocol's limits with the clinic's "*" layer, then its per-protocol layer, applied.

    A clinic may add any bound and replace soft bounds, but may only tighten hard bounds; a
    protocol's soft bound beyond a clinic's tighter hard bound moves onto that hard bound.
    """
    merged = dict(protocol.limits)
    for layer_id in (ALL_PROTOCOLS, protocol.id):
        for quantity, override in clinic.limits.get(layer_id, {}).items():
            field = f"clinic.limits.{layer_id}.{quantity}"
            base = merged.get(quantity, LimitRange(quantity))
            hard_min = _tighter(base.hard_min, override.hard_min, max, f"{field}.hard_min")
            hard_max = _tighter(base.hard_max, override.hard_max, min, f"{field}.hard_max")
            combined = replace(
                base,
                hard_min=hard_min,
                hard_max=hard_max,
                soft_min=override.soft_min or _within(base.soft_min, hard_min, max),
                soft_max=override.soft_max or _within(base.soft_max, hard_max, min),
            )
            check_ordered(combined, field)
            merged[quantity] = combined
    return merged


def _within(soft: Sourced | None, hard: Sourced | None, pick: Pick) -> Sourced | None:
    """A protocol's soft bound, moved onto a clinic's tighter hard bound if it lies beyond it."""
    if soft is None or hard is None or pick(soft.value, hard.value) == soft.value:
        return soft
    return hard


def _tighter(
    base: Sourced | None, override: Sourced | None, pick: Pick, field: str
) -> Sourced | None:
    if override is None:
        return base
    if base is None:
        return override
    if pick(base.value, override.value) != override.value:
        raise DomainInputError(field, f"may only tighten the protocol's hard limit {base.value:g}")
    return override
