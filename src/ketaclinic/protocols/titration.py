"""Titration: propose the next session's dose from tolerance and response, within soft limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ketaclinic.core import DomainInputError, check_input, check_optional_input

from .definition import DoseQuantity, Protocol
from .rules import SEVERITIES, Severity, TitrationRule, titration_rule

TitrationAction = Literal["increase", "hold", "decrease", "physician_review"]


@dataclass(frozen=True)
class SessionTolerance:
    """How the last session was tolerated; missing measurements are not held against it."""

    worst_side_effect: Severity = "none"
    cadss6_score: float | None = None
    peak_sbp_mm_hg: float | None = None
    peak_heart_rate_per_min: float | None = None
    session_instability: tuple[str, ...] = ()
    """What the session's own rules found (an urgent alert, a rescue drug given, SpO2 or
    respiratory rate outside limits): each means not tolerated, never an increase."""


@dataclass(frozen=True)
class SessionResponse:
    """Pain before the series (baseline) and after the last session, both on the 0-10 NRS."""

    baseline_pain_nrs: float
    pain_nrs: float

    @property
    def relief_fraction(self) -> float:
        return (self.baseline_pain_nrs - self.pain_nrs) / self.baseline_pain_nrs


@dataclass(frozen=True)
class TitrationProposal:
    """A proposal the physician accepts or changes; values are in the unit ``quantity`` names."""

    protocol_id: str
    protocol_version: str
    rule_id: str
    rule_version: str
    quantity: DoseQuantity
    current_value: float
    proposed_value: float
    action: TitrationAction
    reasons: tuple[str, ...]


def titration_range(protocol: Protocol) -> tuple[float, float]:
    """The dose range titration stays in: the soft limits, else the hard ones."""
    limit = protocol.limits.get(protocol.dose_quantity)
    low = limit and (limit.soft_min or limit.hard_min)
    high = limit and (limit.soft_max or limit.hard_max)
    if not high:
        raise DomainInputError(f"{protocol.id}.limits.{protocol.dose_quantity}", "needs a maximum")
    return (low.value if low else 0.0, high.value)


def propose_titration(
    protocol: Protocol,
    current_value: float,
    tolerance: SessionTolerance,
    response: SessionResponse,
) -> TitrationProposal:
    """Propose the next session dose (in ``protocol.dose_quantity`` units) for the physician."""
    rule = titration_rule(protocol.titration_rule)
    low, high = titration_range(protocol)
    if isinstance(current_value, bool) or not math.isfinite(current_value) or current_value <= 0:
        raise DomainInputError("current_value", "must be a positive number")
    _check(tolerance, response)
    step = protocol.titration_step.value

    intolerance = _intolerance(tolerance, rule)
    if intolerance:
        target = max(_stepped(current_value - step), low)
        if target >= current_value:
            action: TitrationAction = "physician_review"
            reasons = (*intolerance, "already at the lowest dose titration may propose")
            target = current_value
        else:
            action, reasons = "decrease", intolerance
    elif _at_least(tolerance.worst_side_effect, rule.hold_at_severity):
        action, target = "hold", current_value
        reasons = (f"{tolerance.worst_side_effect} side effects: no increase",)
    elif response.relief_fraction >= rule.response_fraction.value:
        action, target = "hold", current_value
        reasons = (
            f"pain relief {response.relief_fraction:.0%} reaches the response threshold "
            f"{rule.response_fraction.value:.0%} ({rule.response_fraction.source})",
        )
    elif current_value >= high:
        action, target = "hold", current_value
        reasons = (
            f"pain relief {response.relief_fraction:.0%} is below the response threshold, "
            f"but the dose is at the protocol maximum {high:g}; more needs a physician override",
        )
    else:
        action, target = "increase", min(_stepped(current_value + step), high)
        reasons = (
            f"tolerated, and pain relief {response.relief_fraction:.0%} is below the response "
            f"threshold {rule.response_fraction.value:.0%} ({rule.response_fraction.source})",
        )
    return TitrationProposal(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        rule_id=rule.id,
        rule_version=rule.version,
        quantity=protocol.dose_quantity,
        current_value=float(current_value),
        proposed_value=float(target),
        action=action,
        reasons=reasons,
    )


def _stepped(value: float) -> float:
    """Drop float noise from adding a step (0.1 + 0.2 → 0.3)."""
    return round(value, 9)


def _at_least(severity: Severity, threshold: Severity) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


def _check(tolerance: SessionTolerance, response: SessionResponse) -> None:
    if tolerance.worst_side_effect not in SEVERITIES:
        raise DomainInputError("worst_side_effect", f"must be one of {', '.join(SEVERITIES)}")
    check_optional_input("cadss6_score", tolerance.cadss6_score)
    check_optional_input("sbp_mm_hg", tolerance.peak_sbp_mm_hg, "peak_sbp_mm_hg")
    check_optional_input(
        "heart_rate_per_min", tolerance.peak_heart_rate_per_min, "peak_heart_rate_per_min"
    )
    check_input("pain_nrs", response.baseline_pain_nrs, "baseline_pain_nrs")
    check_input("pain_nrs", response.pain_nrs, "pain_nrs")
    if response.baseline_pain_nrs <= 0:
        raise DomainInputError("baseline_pain_nrs", "must be above 0 to judge relief")


def _intolerance(tolerance: SessionTolerance, rule: TitrationRule) -> tuple[str, ...]:
    """Reasons the last session was not tolerated (empty when it was)."""
    checks = (
        (
            _at_least(tolerance.worst_side_effect, rule.step_down_at_severity),
            f"{tolerance.worst_side_effect} side effects",
            None,
        ),
        (
            tolerance.cadss6_score is not None and tolerance.cadss6_score > rule.cadss6_max.value,
            f"CADSS-6 {tolerance.cadss6_score} above {rule.cadss6_max.value:g}",
            rule.cadss6_max.source,
        ),
        (
            tolerance.peak_sbp_mm_hg is not None
            and tolerance.peak_sbp_mm_hg > rule.peak_sbp_max_mm_hg.value,
            f"peak systolic BP {tolerance.peak_sbp_mm_hg} above {rule.peak_sbp_max_mm_hg.value:g}",
            rule.peak_sbp_max_mm_hg.source,
        ),
        (
            tolerance.peak_heart_rate_per_min is not None
            and tolerance.peak_heart_rate_per_min > rule.peak_heart_rate_max_per_min.value,
            f"peak heart rate {tolerance.peak_heart_rate_per_min} above "
            f"{rule.peak_heart_rate_max_per_min.value:g}",
            rule.peak_heart_rate_max_per_min.source,
        ),
    )
    found = tuple(f"{text} ({source})" if source else text for hit, text, source in checks if hit)
    return found + tolerance.session_instability
