"""The dose calculator: weight policy, dose, preparation, pump rate and limit checks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ketaclinic.core import DomainInputError, Sourced, check_input, check_optional_input
from ketaclinic.protocols import (
    LIMIT_QUANTITIES,
    LimitRange,
    LimitStatus,
    Protocol,
    Route,
    get_protocol,
)

from .clinic import ClinicPolicy, default_clinic_policy, effective_limits
from .formulary import Formulary, default_formulary
from .precision import round_to_step
from .preparation import Preparation, choose_preparation, make_up
from .weights import SEXES, Sex, weight_for_dosing

# A rounding effect smaller than this (relative) is not worth a warning.
_NOTICEABLE = 1e-6


@dataclass(frozen=True)
class DoseRequest:
    """What a physician chose for a patient (a plan's dose), or a what-if from the CLI.

    Leave ``dose_mg_per_kg`` / ``dose_mg`` / ``duration_min`` empty for the protocol's defaults;
    give ``protocol_version`` to insist on the version a plan was signed against.
    """

    protocol_id: str
    weight_kg: float
    height_cm: float | None = None
    sex: Sex | None = None
    concentration_mg_per_ml: float | None = None
    dose_mg_per_kg: float | None = None
    dose_mg: float | None = None
    duration_min: float | None = None
    protocol_version: str | None = None


@dataclass(frozen=True)
class LimitCheck:
    """One quantity checked against its soft and hard bounds."""

    limit: str
    value: float
    status: LimitStatus
    bound_name: str | None
    """The strictest bound broken (e.g. "hard_max"), None when ok."""
    bound: Sourced | None
    limit_range: LimitRange

    def as_dict(self) -> dict[str, Any]:
        return {"limit": self.limit, "value": self.value, "status": str(self.status)}

    def describe(self) -> str:
        if self.bound is None or self.bound_name is None:
            return f"{self.limit} {self.value:.4g}: ok"
        side = "below" if self.bound_name.endswith("min") else "above"
        return (
            f"{self.limit} {self.value:.4g} is {side} the {self.bound_name.replace('_', ' ')} "
            f"{self.bound.value:g} ({self.bound.source})"
        )


@dataclass(frozen=True)
class DoseResult:
    """A computed dose. ``dose_mg`` is what the prepared volume holds after rounding."""

    protocol_id: str
    protocol_version: str
    clinic_version: str
    formulary_version: str
    route: Route
    weight_kg: float
    weight_policy: str
    weight_used_kg: float
    dose_mg_per_kg: float
    prescribed_dose_mg: float
    dose_mg: float
    nominal_duration_min: float
    duration_min: float
    volume_ml: float | None
    rate_ml_per_h: float | None
    concentration_mg_per_ml: float | None
    preparation: Preparation
    limit_checks: tuple[LimitCheck, ...]
    warnings: tuple[str, ...]

    @property
    def hard_exceeded(self) -> tuple[LimitCheck, ...]:
        return tuple(c for c in self.limit_checks if c.status is LimitStatus.HARD_EXCEEDED)

    @property
    def soft_exceeded(self) -> tuple[LimitCheck, ...]:
        return tuple(c for c in self.limit_checks if c.status is LimitStatus.SOFT_EXCEEDED)

    @property
    def blocked(self) -> bool:
        return bool(self.hard_exceeded)

    def as_dict(self) -> dict[str, Any]:
        """The result in the shape issue 5 specifies for ``ketaclinic dose``."""
        return {
            "protocol": self.protocol_id,
            "version": self.protocol_version,
            "weight_policy": self.weight_policy,
            "weight_used_kg": self.weight_used_kg,
            "dose_mg": self.dose_mg,
            "dose_mg_per_kg": self.dose_mg_per_kg,
            "duration_min": self.duration_min,
            "volume_ml": self.volume_ml,
            "rate_ml_per_h": self.rate_ml_per_h,
            "limit_checks": [check.as_dict() for check in self.limit_checks],
            "warnings": list(self.warnings),
        }

    def pk_doses(self) -> list[dict[str, Any]]:
        """This session as doses for the PK engine: the mg actually prepared, so that a capped or
        adjusted dosing weight does not leak into the patient's PK weight."""
        return [
            {
                "route": self.route,
                "dose_mg": self.dose_mg,
                "start_min": 0.0,
                "duration_min": self.duration_min if self.route == "iv_infusion" else None,
            }
        ]


def calculate_dose(
    request: DoseRequest,
    *,
    series_dose_mg_given: float = 0.0,
    clinic: ClinicPolicy | None = None,
    formulary: Formulary | None = None,
) -> DoseResult:
    """Compute a session dose and check it against the protocol's and the clinic's limits.

    ``series_dose_mg_given`` is what earlier sessions of the series delivered. Bad input raises
    DomainInputError naming the field; exceeded limits are reported in ``limit_checks``.
    """
    clinic = clinic or default_clinic_policy()
    formulary = formulary or default_formulary()
    protocol = get_protocol(request.protocol_id)
    if request.protocol_version not in (None, protocol.version):
        raise DomainInputError(
            "protocol_version",
            f"the plan used version {request.protocol_version}, the protocol is now "
            f"{protocol.version}; the plan must be reviewed and signed again",
        )
    weight_kg = check_input("weight_kg", request.weight_kg)
    height_cm = check_optional_input("height_cm", request.height_cm)
    if request.sex is not None and request.sex not in SEXES:
        raise DomainInputError("sex", "must be female or male")
    series_given = _non_negative(series_dose_mg_given, "series_dose_mg_given")

    weight = weight_for_dosing(protocol, weight_kg, height_cm, request.sex)
    dose_mg_per_kg, prescribed_mg = _prescribed_dose(protocol, request, weight.weight_used_kg)
    nominal_duration_min = _duration(protocol, request.duration_min)
    spec = choose_preparation(
        formulary, protocol.route, protocol.drug, prescribed_mg, request.concentration_mg_per_ml
    )
    made = make_up(spec, prescribed_mg)
    rate_ml_per_h, duration_min = _pump(made, nominal_duration_min, clinic)

    values: dict[str, float | None] = {
        "dose_mg_per_kg": dose_mg_per_kg,
        "dose_mg": prescribed_mg,
        "rate_mg_per_kg_per_h": (
            dose_mg_per_kg * 60 / nominal_duration_min if protocol.is_infusion else None
        ),
        "duration_min": nominal_duration_min if protocol.is_infusion else None,
        "volume_ml": made.volume_ml,
        "rate_ml_per_h": rate_ml_per_h,
        "series_dose_mg": series_given + prescribed_mg,
    }
    checks = check_limits(effective_limits(protocol, clinic), values)
    warnings = [
        *weight.warnings,
        *_rounding_warnings(prescribed_mg, made, nominal_duration_min, duration_min),
        *(
            f"soft limit: {c.describe()}; needs a physician override with a reason"
            for c in checks
            if c.status is LimitStatus.SOFT_EXCEEDED
        ),
        *(
            f"hard limit: {c.describe()}; blocked"
            for c in checks
            if c.status is LimitStatus.HARD_EXCEEDED
        ),
    ]
    return DoseResult(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        clinic_version=clinic.version,
        formulary_version=formulary.version,
        route=protocol.route,
        weight_kg=weight_kg,
        weight_policy=weight.policy,
        weight_used_kg=weight.weight_used_kg,
        dose_mg_per_kg=dose_mg_per_kg,
        prescribed_dose_mg=prescribed_mg,
        dose_mg=made.dose_mg,
        nominal_duration_min=nominal_duration_min,
        duration_min=duration_min,
        volume_ml=made.volume_ml,
        rate_ml_per_h=rate_ml_per_h,
        concentration_mg_per_ml=made.concentration_mg_per_ml,
        preparation=made,
        limit_checks=checks,
        warnings=tuple(warnings),
    )


def check_limits(
    limits: dict[str, LimitRange], values: dict[str, float | None]
) -> tuple[LimitCheck, ...]:
    """Check each value that has a limit, in the order of LIMIT_QUANTITIES."""
    checks = []
    for quantity in LIMIT_QUANTITIES:
        value = values.get(quantity)
        limit = limits.get(quantity)
        if value is not None and limit is not None:
            checks.append(limit_check(limit, value))
    return tuple(checks)


def limit_check(limit: LimitRange, value: float) -> LimitCheck:
    """``value`` against one limit range (named by its quantity)."""
    bound_name = limit.exceeded_bound(value)
    return LimitCheck(
        limit=limit.quantity,
        value=value,
        status=limit.status_of(value),
        bound_name=bound_name,
        bound=limit.bound(bound_name) if bound_name else None,
        limit_range=limit,
    )


def _non_negative(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainInputError(field, "must be a number")
    if not math.isfinite(value) or value < 0:
        raise DomainInputError(field, "must be a finite number >= 0")
    return float(value)


def _positive(value: float, field: str) -> float:
    if _non_negative(value, field) == 0:
        raise DomainInputError(field, "must be above 0")
    return float(value)


def _prescribed_dose(
    protocol: Protocol, request: DoseRequest, weight_used_kg: float
) -> tuple[float, float]:
    """(dose_mg_per_kg, dose_mg) before rounding to what can be measured."""
    if protocol.dose_quantity == "dose_mg_per_kg":
        if request.dose_mg is not None:
            raise DomainInputError("dose_mg", "this protocol doses in mg/kg: give dose_mg_per_kg")
        chosen = request.dose_mg_per_kg
        dose_mg_per_kg = protocol.session_dose.value if chosen is None else chosen
        dose_mg_per_kg = _positive(dose_mg_per_kg, "dose_mg_per_kg")
        return dose_mg_per_kg, dose_mg_per_kg * weight_used_kg
    if request.dose_mg_per_kg is not None:
        raise DomainInputError("dose_mg_per_kg", "this protocol has a fixed dose: give dose_mg")
    dose_mg = protocol.session_dose.value if request.dose_mg is None else request.dose_mg
    dose_mg = _positive(dose_mg, "dose_mg")
    return dose_mg / weight_used_kg, dose_mg


def _duration(protocol: Protocol, duration_min: float | None) -> float:
    if not protocol.is_infusion:
        if duration_min not in (None, 0):
            raise DomainInputError("duration_min", f"does not apply to {protocol.route}")
        return 0.0
    if duration_min is None:
        return protocol.duration_min.value
    return _positive(duration_min, "duration_min")


def _pump(
    made: Preparation, duration_min: float, clinic: ClinicPolicy
) -> tuple[float | None, float]:
    """(rate_ml_per_h rounded to the pump, the duration that rate gives) for an infusion."""
    if made.volume_ml is None or duration_min == 0:
        return None, 0.0
    exact_ml_per_h = made.volume_ml * 60 / duration_min
    if not math.isfinite(exact_ml_per_h):
        raise DomainInputError("duration_min", "is too short: no pump rate can deliver it")
    rate_ml_per_h = round_to_step(exact_ml_per_h, clinic.rate_precision_ml_per_h.value)
    if rate_ml_per_h <= 0:
        raise DomainInputError(
            "concentration_mg_per_ml",
            "the pump rate rounds to 0 mL/h; choose a lower concentration",
        )
    return rate_ml_per_h, made.volume_ml * 60 / rate_ml_per_h


def _rounding_warnings(
    prescribed_mg: float, made: Preparation, nominal_duration_min: float, duration_min: float
) -> list[str]:
    warnings = []
    if abs(made.dose_mg - prescribed_mg) > _NOTICEABLE * prescribed_mg:
        warnings.append(
            f"volume rounded to what can be measured: {made.dose_mg:.4g} mg given "
            f"for {prescribed_mg:.4g} mg prescribed"
        )
    if abs(duration_min - nominal_duration_min) > _NOTICEABLE * max(nominal_duration_min, 1):
        warnings.append(
            f"pump rate rounded to its resolution: the infusion runs {duration_min:.1f} min "
            f"instead of {nominal_duration_min:g} min"
        )
    return warnings
