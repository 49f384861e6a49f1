"""The batch objective in whole units (hundredths of an hour-equivalent), for every planner."""

from __future__ import annotations

from dataclasses import dataclass

from .policy import SchedulingPolicy

UNITS_PER_H = 100


@dataclass(frozen=True)
class Coefficients:
    """Objective units per slot of delay, per off-preference session, per patient left out."""

    delay_per_slot: int
    off_preference: int
    unscheduled: int

    @classmethod
    def of(cls, policy: SchedulingPolicy) -> Coefficients:
        weights = policy.weights
        return cls(
            delay_per_slot=round(weights.start_delay_per_h * policy.slot_min / 60 * UNITS_PER_H),
            off_preference=round(weights.off_preference_session_h * UNITS_PER_H),
            unscheduled=round(weights.unscheduled_patient_h * UNITS_PER_H),
        )

    def series_cost(self, delay_slots: int, off_preference_sessions: int) -> int:
        return self.delay_per_slot * delay_slots + self.off_preference * off_preference_sessions
