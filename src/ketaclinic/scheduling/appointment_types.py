"""Appointment types, with durations built from a protocol's numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SafetyLimitInputError, SchedulingInputError
from .policy import policy_data, sourced


@dataclass(frozen=True)
class Phase:
    name: str
    duration_min: int


@dataclass(frozen=True)
class AppointmentType:
    """A kind of visit: its phases in order, and whether it holds a chair (and a nurse)."""

    id: str
    label: str
    phases: tuple[Phase, ...]
    needs_chair: bool
    version: str

    def __post_init__(self) -> None:
        for phase in self.phases:
            if phase.duration_min < 1:
                raise SchedulingInputError(f"{phase.name}_min", f"{phase.duration_min} must be ≥ 1")

    @property
    def duration_min(self) -> int:
        return sum(phase.duration_min for phase in self.phases)


def _minutes(table: Mapping[str, Any], key: str, given: int | None) -> int:
    return int(sourced(table, key) if given is None else given)


def _at_least(name: str, minutes: int, table: Mapping[str, Any], key: str) -> None:
    least = int(sourced(table, key))
    if minutes < least:
        raise SafetyLimitInputError(name, f"{minutes} min is below the required {least} min")


def _make(kind: str, needs_chair: bool, **phase_min: int) -> AppointmentType:
    data = policy_data()
    return AppointmentType(
        id=kind,
        label=str(data[kind]["label"]),
        phases=tuple(Phase(name, minutes) for name, minutes in phase_min.items()),
        needs_chair=needs_chair,
        version=str(data["version"]),
    )


def consultation(consultation_min: int | None = None) -> AppointmentType:
    table = policy_data()["consultation"]
    return _make(
        "consultation", False, consultation=_minutes(table, "consultation_min", consultation_min)
    )


def follow_up_call(call_min: int | None = None) -> AppointmentType:
    table = policy_data()["follow_up_call"]
    return _make("follow_up_call", False, call=_minutes(table, "call_min", call_min))


def infusion_visit(
    infusion_min: int | None = None,
    recovery_min: int | None = None,
    preparation_min: int | None = None,
) -> AppointmentType:
    """Preparation + infusion + recovery; the plan gives the infusion time, data the rest."""
    return _chair_visit(
        "infusion", preparation_min, ("infusion", infusion_min), ("recovery", recovery_min)
    )


def esketamine_visit(
    observation_min: int | None = None,
    administration_min: int | None = None,
    preparation_min: int | None = None,
) -> AppointmentType:
    """Preparation + nasal administration + observation of at least 2 h (Spravato REMS)."""
    return _chair_visit(
        "esketamine",
        preparation_min,
        ("administration", administration_min),
        ("observation", observation_min),
    )


def _chair_visit(
    kind: str,
    preparation_min: int | None,
    dosing: tuple[str, int | None],
    watching: tuple[str, int | None],
) -> AppointmentType:
    """Preparation, then the drug given (``dosing``), then the patient watched for at least the
    data's ``min_<watching>_min``; each phase is ``(name, minutes or None for the data's)``."""
    (dosing_phase, dosing_min), (watching_phase, watching_min) = dosing, watching
    table = policy_data()[kind]
    watched_min = _minutes(table, f"{watching_phase}_min", watching_min)
    _at_least(f"{watching_phase}_min", watched_min, table, f"min_{watching_phase}_min")
    return _make(
        kind,
        True,
        preparation=_minutes(table, "preparation_min", preparation_min),
        **{dosing_phase: _minutes(table, f"{dosing_phase}_min", dosing_min)},
        **{watching_phase: watched_min},
    )
