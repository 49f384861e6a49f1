"""The independent double-check: a second clinician's own numbers must match the order."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.core import DomainInputError

from .calculator import DoseResult
from .clinic import ClinicPolicy, default_clinic_policy

# Relative slack so that a value exactly at the tolerance is not lost to float round-off.
_SLACK = 1e-9


@dataclass(frozen=True)
class DoubleCheckResult:
    matches: bool
    mismatches: tuple[str, ...]
    """One line per disagreeing quantity; empty when they all match."""


def compare_double_check(
    order: DoseResult,
    *,
    prepared_by: str,
    verified_by: str,
    dose_mg: float,
    rate_ml_per_h: float | None = None,
    volume_ml: float | None = None,
    clinic: ClinicPolicy | None = None,
) -> DoubleCheckResult:
    """Compare what the verifier computed with the order; a mismatch must block the start.

    The verifier must be someone other than the preparer. For an infusion the rate is required.
    Values agree when they differ by at most the clinic's tolerance fraction of the order's.
    """
    if not prepared_by.strip() or not verified_by.strip():
        raise DomainInputError("verified_by", "both clinicians must be identified")
    if prepared_by.strip() == verified_by.strip():
        raise DomainInputError("verified_by", "must be a different person from who prepared it")
    if order.rate_ml_per_h is not None and rate_ml_per_h is None:
        raise DomainInputError("rate_ml_per_h", "the verifier must enter the pump rate")
    tolerance = (clinic or default_clinic_policy()).double_check_tolerance_fraction.value
    entered = {"dose_mg": dose_mg, "rate_ml_per_h": rate_ml_per_h, "volume_ml": volume_ml}
    ordered = {
        "dose_mg": order.dose_mg,
        "rate_ml_per_h": order.rate_ml_per_h,
        "volume_ml": order.volume_ml,
    }
    mismatches = []
    for field, value in entered.items():
        expected = ordered[field]
        if value is None:
            continue
        if expected is None:
            raise DomainInputError(field, f"does not apply to a {order.route} order")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DomainInputError(field, "must be a number")
        if not abs(value - expected) <= tolerance * expected * (1 + _SLACK):
            mismatches.append(f"{field}: order {expected:.4g}, entered {value:.4g}")
    return DoubleCheckResult(matches=not mismatches, mismatches=tuple(mismatches))
