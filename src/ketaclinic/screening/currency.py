"""Whether a screening decision is still current (data/currency.toml, clinic policy)."""

from __future__ import annotations

from datetime import date
from functools import cache

from ketaclinic.core import Sourced, load_toml, read_sourced


@cache
def decision_validity() -> Sourced:
    """How many days a screening decision stays current, with its source."""
    return read_sourced(load_toml(__package__, "currency.toml"), "decision_valid_days", "currency")


def decision_expired(decided_on: date, on: date) -> str | None:
    """Why a decision taken on ``decided_on`` no longer covers ``on``; None while current."""
    validity = decision_validity()
    age_days = (on - decided_on).days
    if age_days <= validity.value:
        return None
    return (
        f"the screening decision of {decided_on.isoformat()} is older than "
        f"{validity.value:g} days ({validity.source}): screen again and decide"
    )
