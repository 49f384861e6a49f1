"""A plan's dose: the record's weight, height and sex with the physician's choices, through the
pure calculator, the whole series checked against the series limits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ketaclinic.core import DomainInputError
from ketaclinic.dosing import (
    SEXES,
    DoseRequest,
    DoseResult,
    Sex,
    calculate_dose,
    weight_constants,
)
from ketaclinic.protocols import Protocol, get_protocol, rules_version
from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import Weighing, latest_height_cm

from .common import domain_input, plan_weighing
from .inputs import DoseChoices

# Inputs the calculator takes from the patient's record rather than from the physician.
RECORD_FIELDS = ("weight_kg", "height_cm", "sex")


@dataclass(frozen=True)
class Body:
    """What the record says about the patient's body, for dosing."""

    weighing: Weighing
    height_cm: float | None
    sex: Sex | None
    """Only female or male: ideal body weight has no formula for the others."""


def patient_body(patient: Patient) -> Body:
    sex: Sex | None = patient.sex if patient.sex in SEXES else None
    return Body(plan_weighing(patient.pk), latest_height_cm(patient.pk), sex)


@contextmanager
def calculator_input() -> Iterator[None]:
    """``InvalidInput`` for bad input; one taken from the record says so."""
    try:
        yield
    except DomainInputError as error:
        message = error.message
        if error.field in RECORD_FIELDS:
            message += " (this comes from the patient's record: update the record)"
        raise InvalidInput.single(error.field, message) from None


def protocol_for(protocol_id: str) -> Protocol:
    with domain_input():
        return get_protocol(protocol_id)


def sessions_for(protocol: Protocol, sessions: int | None) -> int:
    """The sessions in the series: the protocol's number, or fewer."""
    most = int(protocol.sessions.value)
    if sessions is None:
        return most
    if sessions > most:
        raise InvalidInput.single(
            "sessions",
            f"must be at most {most}, the protocol's series ({protocol.sessions.source})",
        )
    return sessions


def dose_request(choices: DoseChoices, body: Body, protocol_version: str) -> DoseRequest:
    return DoseRequest(
        protocol_id=choices.protocol,
        weight_kg=body.weighing.weight_kg,
        height_cm=body.height_cm,
        sex=body.sex,
        concentration_mg_per_ml=choices.concentration_mg_per_ml,
        dose_mg_per_kg=choices.dose_mg_per_kg,
        dose_mg=choices.dose_mg,
        duration_min=choices.duration_min,
        protocol_version=protocol_version,
    )


def choices_of(request: dict[str, Any], sessions: int) -> DoseChoices:
    """The physician's choices stored in a plan's ``dose_request``."""
    return DoseChoices(
        protocol=request["protocol_id"],
        dose_mg_per_kg=request["dose_mg_per_kg"],
        dose_mg=request["dose_mg"],
        duration_min=request["duration_min"],
        concentration_mg_per_ml=request["concentration_mg_per_ml"],
        sessions=sessions,
    )


def calculate_series(request: DoseRequest, sessions: int) -> DoseResult:
    """One session's dose, with ``series_dose_mg`` checked for all ``sessions`` of the series."""
    with calculator_input():
        first = calculate_dose(request)
        if sessions == 1:
            return first
        return calculate_dose(
            request, series_dose_mg_given=first.prescribed_dose_mg * (sessions - 1)
        )


def refuse_hard_limits(result: DoseResult) -> None:
    """``InvalidInput`` naming each hard limit the dose breaks: no override exists."""
    if result.blocked:
        raise InvalidInput(
            [
                FieldError(check.limit, f"{check.describe()}: a hard limit, it blocks the dose")
                for check in result.hard_exceeded
            ]
        )


def dose_columns(result: DoseResult) -> dict[str, Any]:
    """The values a plan and an order keep in columns of their own."""
    return {
        "dose_mg_per_kg": result.dose_mg_per_kg,
        "dose_mg": result.dose_mg,
        "duration_min": result.duration_min,
        "volume_ml": result.volume_ml,
        "rate_ml_per_h": result.rate_ml_per_h,
        "concentration_mg_per_ml": result.concentration_mg_per_ml,
    }


def snapshot(result: DoseResult) -> dict[str, Any]:
    """Everything the calculator said, as JSON for the record and the faces."""
    made = result.preparation
    return {
        **result.as_dict(),
        "route": result.route,
        "weight_kg": result.weight_kg,
        "prescribed_dose_mg": result.prescribed_dose_mg,
        "nominal_duration_min": result.nominal_duration_min,
        "concentration_mg_per_ml": result.concentration_mg_per_ml,
        "clinic_version": result.clinic_version,
        "formulary_version": result.formulary_version,
        "limit_checks": [
            {
                **check.as_dict(),
                "bound_name": check.bound_name,
                "bound": check.bound.value if check.bound else None,
                "source": check.bound.source if check.bound else "",
                "bounds": check.limit_range.bounds_text(),
                "detail": check.describe(),
            }
            for check in result.limit_checks
        ],
        "blocked": result.blocked,
        "soft_exceeded": [check.limit for check in result.soft_exceeded],
        "preparation": {
            "id": made.preparation_id,
            "container": made.container,
            "units_opened": made.units_opened,
            "stock_volume_ml": made.stock_volume_ml,
            "diluent_volume_ml": made.diluent_volume_ml,
            "waste_mg": made.waste_mg,
            "steps": list(made.steps),
        },
        "pk_doses": result.pk_doses(),
    }


def versions(result: DoseResult, screening_rule_set_version: str) -> dict[str, str]:
    """The versions of every data file the plan's dose and eligibility came from."""
    return {
        "protocol": result.protocol_version,
        "clinic": result.clinic_version,
        "formulary": result.formulary_version,
        "rules": rules_version(),
        "weight_policies": weight_constants().version,
        "screening": screening_rule_set_version,
    }
