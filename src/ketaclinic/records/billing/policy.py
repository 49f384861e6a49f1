"""The billing rules from data/billing.toml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ketaclinic.core import load_toml, read_sourced, read_text

from .choices import EntryKind


@dataclass(frozen=True)
class BillingPolicy:
    version: str
    diagnosis_code: str
    diagnosis_label: str
    push_max_min: int
    hour_min: int
    additional_hour_over_min: int
    second_person_for: frozenset[EntryKind]
    overrun_threshold_cents: int


@cache
def _data() -> dict[str, Any]:
    return load_toml(__package__, "billing.toml")


@cache
def billing_policy() -> BillingPolicy:
    data = _data()
    timing = data["infusion_time"]
    diagnosis = data["diagnosis"]
    return BillingPolicy(
        version=read_text(data, "version", "billing"),
        diagnosis_code=read_text(diagnosis, "code", "diagnosis"),
        diagnosis_label=read_text(diagnosis, "label", "diagnosis"),
        push_max_min=int(read_sourced(timing, "push_max_min", "infusion_time").value),
        hour_min=int(read_sourced(timing, "hour_min", "infusion_time").value),
        additional_hour_over_min=int(
            read_sourced(timing, "additional_hour_over_min", "infusion_time").value
        ),
        second_person_for=frozenset(
            EntryKind(kind) for kind in data["second_person"]["required_for"]
        ),
        overrun_threshold_cents=int(
            read_sourced(data["estimate_overrun"], "threshold_cents", "estimate_overrun").value
        ),
    )


def infusion_hours(duration_min: float, policy: BillingPolicy) -> tuple[int, int]:
    """(initial hours, additional hours) billed for an infusion of ``duration_min``: (0, 0) for
    a push-length infusion; else one initial hour and one more for each later hour the infusion
    ran more than ``additional_hour_over_min`` into."""
    if duration_min <= policy.push_max_min:
        return 0, 0
    beyond = duration_min - policy.hour_min
    additional = 0
    while beyond > policy.additional_hour_over_min:
        additional += 1
        beyond -= policy.hour_min
    return 1, additional
