"""What scoring returns: totals, subscores, band, validity, criteria and alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pydantic import computed_field

from .definitions import Band, Frozen, Number, Severity


class Alert(Frozen):
    """Something a clinician must see; ``urgent`` alerts need same-day review."""

    code: str
    message: str
    severity: Severity
    item: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def urgent(self) -> bool:
        return self.severity == "urgent"


class CriteriaResult(Frozen):
    """A yes/no finding (ACR 2016 criteria met, ready for discharge) with the reasons."""

    code: str
    label: str
    met: bool
    reasons: tuple[str, ...]
    note: str = ""


class ScoreResult(Frozen):
    """One scored assessment. ``total`` and ``band`` are None when the answers are not valid."""

    instrument: str
    version: str
    total: Number | None
    subscores: dict[str, Number | None]
    band: Band | None
    valid: bool
    invalid_reasons: tuple[str, ...]
    criteria: CriteriaResult | None
    alerts: tuple[Alert, ...]
    answers: dict[str, int | None]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def urgent(self) -> bool:
        return any(alert.urgent for alert in self.alerts)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Parts:
    """What a scoring method computes, before bands and alerts are added."""

    total: Fraction | None
    subscores: dict[str, Fraction | None] = field(default_factory=dict)
    invalid_reasons: tuple[str, ...] = ()
    criteria: CriteriaResult | None = None
