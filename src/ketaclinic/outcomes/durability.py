"""Durability: the time from the last infusion until pain returns to a fraction of baseline.

Pain is only known at the visits that happened, so a return is dated at the first lasting
score (follow-up or pre-infusion) at or above ``return_fraction`` x baseline; when no score has
reached it the time is censored at the latest score. Without an infusion, a baseline or a pain
score after the last infusion there is nothing to measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.core import DomainInputError

from .events import InfusionEvent
from .trajectories import Trajectory

RETURNED = "returned"
CENSORED = "censored"
NOT_APPLICABLE = "not_applicable"
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Durability:
    status: str
    reason: str
    return_fraction: float
    last_infusion_at: datetime | None = None
    threshold: float | None = None
    observed_at: datetime | None = None
    """When pain was seen back at the threshold, or the censoring time."""

    @property
    def days(self) -> float | None:
        if self.last_infusion_at is None or self.observed_at is None:
            return None
        return (self.observed_at - self.last_infusion_at).total_seconds() / SECONDS_PER_DAY

    @property
    def summary(self) -> str:
        days = self.days
        if self.status == RETURNED and days is not None:
            return f"{self.reason}, {days:.0f} days after the last infusion"
        if self.status == CENSORED and days is not None:
            return f"{self.reason} (followed for {days:.0f} days; censored)"
        return self.reason

    @property
    def returned(self) -> bool:
        return self.status == RETURNED

    @property
    def measurable(self) -> bool:
        return self.status != NOT_APPLICABLE


def durability(
    pain: Trajectory, infusions: Sequence[InfusionEvent], return_fraction: float
) -> Durability:
    if not 0 < return_fraction <= 1:
        raise DomainInputError("return_fraction", "must be in (0, 1]")
    if not infusions:
        return Durability(NOT_APPLICABLE, "no infusion recorded", return_fraction)
    last = max(infusion.started_at for infusion in infusions)
    baseline = pain.baseline
    if baseline is None:
        return Durability(NOT_APPLICABLE, "no baseline pain score", return_fraction, last)
    threshold = return_fraction * baseline.total
    after = [point for point in pain.lasting if point.completed_at > last]
    if not after:
        return Durability(
            NOT_APPLICABLE,
            "no pain score since the last infusion",
            return_fraction,
            last,
            threshold,
        )
    returned = next((point for point in after if point.total >= threshold), None)
    if returned is not None:
        return Durability(
            RETURNED,
            f"pain {returned.total:g} reached {threshold:g} ({return_fraction:.0%} of baseline "
            f"{baseline.total:g})",
            return_fraction,
            last,
            threshold,
            returned.completed_at,
        )
    return Durability(
        CENSORED,
        f"pain has stayed below {threshold:g} ({return_fraction:.0%} of baseline "
        f"{baseline.total:g}) at every score since the last infusion",
        return_fraction,
        last,
        threshold,
        after[-1].completed_at,
    )
