"""Booster rule: a further session when pain returns in a patient who responded."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.core import DomainInputError, check_input

from .definition import Protocol
from .rules import booster_rule


@dataclass(frozen=True)
class BoosterDecision:
    due: bool
    reasons: tuple[str, ...]
    earliest_in_days: int
    """Days until the minimum interval since the last session has passed (0 if it has)."""
    rule_id: str
    rule_version: str


def evaluate_booster(
    protocol: Protocol,
    *,
    baseline_pain_nrs: float,
    best_pain_nrs: float,
    current_pain_nrs: float,
    days_since_last_session: int,
) -> BoosterDecision:
    """Whether a booster is due: responder, pain back near baseline after a loss from the best
    relief (pain now higher than at best), and interval passed.

    Pains are 0-10 NRS: before the series (baseline), the lowest after it (best), and now.
    """
    rule = booster_rule(protocol.booster_rule)
    baseline = check_input("pain_nrs", baseline_pain_nrs, "baseline_pain_nrs")
    best = check_input("pain_nrs", best_pain_nrs, "best_pain_nrs")
    current = check_input("pain_nrs", current_pain_nrs, "current_pain_nrs")
    if baseline <= 0:
        raise DomainInputError("baseline_pain_nrs", "must be above 0 to judge relief")
    if isinstance(days_since_last_session, bool) or not isinstance(days_since_last_session, int):
        raise DomainInputError("days_since_last_session", "must be a whole number of days")
    if days_since_last_session < 0:
        raise DomainInputError("days_since_last_session", "must not be negative")

    relief = (baseline - best) / baseline
    responder = relief >= rule.responder_fraction.value
    # Pain has returned only if some of the best relief has been lost: a patient whose best pain
    # is already at the return level (e.g. baseline 8, best 5.6 = 30 % relief) is not "returned"
    # while the pain stays at 5.6.
    lost_relief = current > best
    returned = lost_relief and current >= rule.pain_return_fraction.value * baseline
    wait_days = max(0, int(rule.min_interval_days.value) - days_since_last_session)
    reasons = (
        f"best relief {relief:.0%} {'reached' if responder else 'did not reach'} the responder "
        f"threshold {rule.responder_fraction.value:.0%} ({rule.responder_fraction.source})",
        f"pain {current:g} is "
        f"{'at or above' if current >= rule.pain_return_fraction.value * baseline else 'below'} "
        f"{rule.pain_return_fraction.value:.0%} of baseline {baseline:g} "
        f"({rule.pain_return_fraction.source})"
        + ("" if lost_relief else f", and no higher than the best pain {best:g}: no relief lost"),
        f"{days_since_last_session} days since the last session; minimum "
        f"{rule.min_interval_days.value:g} ({rule.min_interval_days.source})",
    )
    return BoosterDecision(
        due=responder and returned and wait_days == 0,
        reasons=reasons,
        earliest_in_days=wait_days,
        rule_id=rule.id,
        rule_version=rule.version,
    )
