"""Whether a computed dose may proceed: hard limits block, soft limits need a reason each."""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.core import DomainInputError

from .calculator import DoseResult, LimitCheck


class HardLimitExceeded(DomainInputError):
    """A hard limit blocks the dose; no override exists."""

    def __init__(self, check: LimitCheck) -> None:
        super().__init__(check.limit, f"{check.describe()}; hard limits cannot be overridden")
        self.check = check


def check_overrides(result: DoseResult, override_reasons: Mapping[str, str]) -> None:
    """Raise unless the dose may proceed with these physician override reasons.

    ``override_reasons`` maps a soft-exceeded limit (e.g. "dose_mg_per_kg") to the physician's
    reason. Raises HardLimitExceeded for the first hard limit, or DomainInputError with field
    ``override.<limit>`` for a missing, blank or unneeded override.
    """
    if result.hard_exceeded:
        raise HardLimitExceeded(result.hard_exceeded[0])
    soft = {check.limit: check for check in result.soft_exceeded}
    for limit in override_reasons:
        if limit not in soft:
            raise DomainInputError(f"override.{limit}", "no soft limit is exceeded for it")
    for limit, check in soft.items():
        if not override_reasons.get(limit, "").strip():
            raise DomainInputError(
                f"override.{limit}", f"{check.describe()}: a physician's reason is required"
            )
