"""Orders: a session's dose derived from the signed plan and the latest weight."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ketaclinic.core import DomainInputError, check_input

from .calculator import DoseRequest, DoseResult, calculate_dose
from .clinic import ClinicPolicy, default_clinic_policy
from .formulary import Formulary


@dataclass(frozen=True)
class WeightReading:
    weight_kg: float
    measured_on: date


class WeightRecheckRequired(DomainInputError):
    """The latest weight is too old, or changed too much since the plan: weigh again."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("weight_kg", "re-check needed: " + "; ".join(reasons))
        self.reasons = reasons


def weight_recheck_reasons(
    plan_weight_kg: float,
    latest: WeightReading,
    session_on: date,
    clinic: ClinicPolicy | None = None,
) -> tuple[str, ...]:
    """Why the latest weight must be re-checked before an order; empty when it may be used."""
    clinic = clinic or default_clinic_policy()
    plan_kg = check_input("weight_kg", plan_weight_kg, "plan_weight_kg")
    latest_kg = check_input("weight_kg", latest.weight_kg, "latest_weight_kg")
    age_days = (session_on - latest.measured_on).days
    if age_days < 0:
        raise DomainInputError("measured_on", "is after the session date")
    max_age = clinic.weight_max_age_days
    max_change = clinic.weight_max_change_fraction
    change = abs(latest_kg - plan_kg) / plan_kg
    reasons = []
    if age_days > max_age.value:
        reasons.append(
            f"weight is {age_days} days old, more than {max_age.value:g} ({max_age.source})"
        )
    if change > max_change.value:
        reasons.append(
            f"weight changed {change:.1%} since the plan ({plan_kg:g} -> {latest_kg:g} kg), "
            f"more than {max_change.value:.0%} ({max_change.source})"
        )
    return tuple(reasons)


def derive_order(
    plan: DoseRequest,
    latest: WeightReading,
    session_on: date,
    *,
    weight_confirmed: bool = False,
    series_dose_mg_given: float = 0.0,
    clinic: ClinicPolicy | None = None,
    formulary: Formulary | None = None,
) -> DoseResult:
    """The session's dose from a signed plan (with ``protocol_version`` set) and the latest weight.

    Raises WeightRecheckRequired when the weight is stale, or changed by more than the clinic's
    fraction and a clinician has not confirmed it (``weight_confirmed``). A stale weight cannot
    be confirmed: weigh the patient and pass the new reading.
    """
    if plan.protocol_version is None:
        raise DomainInputError("protocol_version", "a signed plan records its protocol version")
    clinic = clinic or default_clinic_policy()
    reasons = weight_recheck_reasons(plan.weight_kg, latest, session_on, clinic)
    stale = (session_on - latest.measured_on).days > clinic.weight_max_age_days.value
    if reasons and (stale or not weight_confirmed):
        raise WeightRecheckRequired(reasons)
    result = calculate_dose(
        replace(plan, weight_kg=latest.weight_kg),
        series_dose_mg_given=series_dose_mg_given,
        clinic=clinic,
        formulary=formulary,
    )
    if reasons:
        result = replace(result, warnings=(*result.warnings, *(f"confirmed: {r}" for r in reasons)))
    return result
