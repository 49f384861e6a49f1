"""The plain values every outcome function reads: scores over time and infusions given."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.core import DomainInputError

# When a score was taken, in the assessments' vocabulary.
BASELINE = "baseline"
PRE_INFUSION = "pre_infusion"
DURING_INFUSION = "during_infusion"
POST_INFUSION = "post_infusion"
FOLLOW_UP = "follow_up"
CONTEXTS = frozenset({BASELINE, PRE_INFUSION, DURING_INFUSION, POST_INFUSION, FOLLOW_UP})
# Scores that show how a patient is doing between infusions (the lasting effect); post- and
# during-infusion scores show the immediate effect and are kept apart.
LASTING_CONTEXTS = frozenset({FOLLOW_UP, PRE_INFUSION})


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainInputError(field, "must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainInputError(field, "needs a time zone")
    return value


@dataclass(frozen=True)
class ScorePoint:
    """One valid, current total of an instrument."""

    instrument_id: str
    completed_at: datetime
    total: float
    context: str
    assessment_id: int | None = None

    def __post_init__(self) -> None:
        _aware(self.completed_at, "completed_at")
        if self.context not in CONTEXTS:
            raise DomainInputError("context", f"must be one of {', '.join(sorted(CONTEXTS))}")
        if isinstance(self.total, bool) or not math.isfinite(self.total):
            raise DomainInputError("total", "must be a finite number")


@dataclass(frozen=True)
class InfusionEvent:
    """One dose given: an infusion session (or an IM / intranasal dose) as the sessions record
    it. ``side_effects`` are the codes of the side effects noted; ``alerts`` counts the alerts
    raised during the session."""

    patient_id: int
    started_at: datetime
    dose_mg: float
    route: str
    protocol_id: str
    duration_min: float | None = None
    location_id: int | None = None
    series_id: int | None = None
    session_id: int | None = None
    side_effects: tuple[str, ...] = ()
    alerts: int = 0
    overrides: tuple[str, ...] = ()
    """Physician overrides that let a step of the session proceed, each in words."""

    def __post_init__(self) -> None:
        _aware(self.started_at, "started_at")
        if isinstance(self.dose_mg, bool) or not (math.isfinite(self.dose_mg) and self.dose_mg > 0):
            raise DomainInputError("dose_mg", "must be a positive number")
        if self.duration_min is not None and not (
            math.isfinite(self.duration_min) and self.duration_min > 0
        ):
            raise DomainInputError("duration_min", "must be a positive number")
        if not self.route:
            raise DomainInputError("route", "is required")
        if self.alerts < 0:
            raise DomainInputError("alerts", "must not be negative")
