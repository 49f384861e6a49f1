"""The scheduling policy read from data/scheduling.toml (every number there has a source)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ketaclinic.core import load_toml

from .errors import SchedulingInputError


def sourced(table: Mapping[str, Any], key: str) -> Any:
    """The ``value`` of a ``{ value, source }`` entry; an entry without a source is refused."""
    entry = table[key]
    if not isinstance(entry, Mapping) or "value" not in entry or not entry.get("source"):
        raise SchedulingInputError(key, "data file entry needs a value and a source")
    return entry["value"]


@cache
def policy_data() -> dict[str, Any]:
    return load_toml(__package__, "scheduling.toml")


@dataclass(frozen=True)
class ObjectiveWeights:
    """Batch objective weights in hours-equivalent."""

    start_delay_per_h: float
    off_preference_session_h: float
    unscheduled_patient_h: float


@dataclass(frozen=True)
class SchedulingPolicy:
    version: str
    slot_min: int
    patients_per_nurse: int
    weights: ObjectiveWeights

    def __post_init__(self) -> None:
        if self.slot_min < 1 or 60 % self.slot_min:
            raise SchedulingInputError("slot_min", f"{self.slot_min} must divide an hour")


@cache
def scheduling_policy() -> SchedulingPolicy:
    """The packaged default policy."""
    data = policy_data()
    objective = data["objective"]
    return SchedulingPolicy(
        version=str(data["version"]),
        slot_min=int(sourced(data, "slot_min")),
        patients_per_nurse=int(sourced(data, "patients_per_nurse")),
        weights=ObjectiveWeights(
            start_delay_per_h=float(sourced(objective, "start_delay_per_h")),
            off_preference_session_h=float(sourced(objective, "off_preference_session_h")),
            unscheduled_patient_h=float(sourced(objective, "unscheduled_patient_h")),
        ),
    )
