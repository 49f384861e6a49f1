"""Pharmacokinetic previews: the engine run on a patient's latest weight (and age)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from ketaclinic.core import load_toml
from ketaclinic.pharmacology import PharmacologyError, Simulation, parse_regimen, simulate
from ketaclinic.pharmacology.simulation import DEFAULT_FOLLOW_UP_MIN, DEFAULT_STEP_MIN
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import get_or_404, latest_measurement

from .models import Patient


def simulate_regimen(
    actor: Actor,
    doses: Sequence[Any],
    weight_kg: float,
    *,
    age_years: float | None = None,
    model: str | None = None,
    until_min: float | None = None,
    step_min: float | None = None,
) -> Simulation:
    """Run the engine on a regimen for a stated weight (no patient record involved)."""
    authorize(actor, Action.PK_SIMULATE)
    try:
        regimen = parse_regimen(list(doses) if isinstance(doses, list | tuple) else doses)
        _within_plot_limits(regimen, until_min, step_min)
        return simulate(
            regimen,
            weight_kg,
            age_years=age_years,
            model=model,
            until_min=until_min,
            step_min=step_min,
        )
    except PharmacologyError as error:
        raise InvalidInput.single(error.field, error.message) from None


def simulate_for_patient(
    actor: Actor,
    patient_id: int,
    doses: Sequence[Any],
    *,
    model: str | None = None,
    until_min: float | None = None,
    step_min: float | None = None,
) -> Simulation:
    """Preview a regimen on the patient's latest recorded weight; the read is audited."""
    authorize(actor, Action.PK_SIMULATE, patient_id=patient_id)
    patient = get_or_404(Patient.objects.all(), patient_id, "patient")
    latest = latest_measurement(patient.pk)
    if latest is None or latest.weight_kg is None:
        raise InvalidInput.single("weight_kg", "the patient has no recorded weight")
    weight_kg = latest.weight_kg
    result = simulate_regimen(
        actor,
        doses,
        weight_kg,
        age_years=_age_years(patient.date_of_birth),
        model=model,
        until_min=until_min,
        step_min=step_min,
    )
    audit.record_on(
        actor, Action.PK_SIMULATE, patient, detail={"model": result.model, "weight_kg": weight_kg}
    )
    return result


@cache
def plot_limits() -> tuple[int, float]:
    """(max points, max horizon in minutes) of one simulation request: clinic policy."""
    table = load_toml(__package__, "pk_plot_limits.toml")
    return int(table["max_points"]["value"]), float(table["max_horizon_min"]["value"])


def _within_plot_limits(regimen: Any, until_min: float | None, step_min: float | None) -> None:
    """Refuse, naming the field, a simulation larger than a plot needs."""
    max_points, max_horizon_min = plot_limits()
    last_min = max((dose.end_min for dose in regimen), default=0.0)
    if last_min > max_horizon_min:
        raise InvalidInput.single(
            "regimen", f"doses reach {last_min:g} min; at most {max_horizon_min:g} min are shown"
        )
    horizon = DEFAULT_FOLLOW_UP_MIN + last_min if until_min is None else until_min
    if horizon > max_horizon_min:
        raise InvalidInput.single(
            "until_min", f"{horizon:g} min is longer than the {max_horizon_min:g} min shown"
        )
    step = DEFAULT_STEP_MIN if step_min is None else step_min
    if step > 0 and horizon / step + 1 > max_points:
        raise InvalidInput.single(
            "step_min",
            f"{step:g} min gives {horizon / step + 1:.0f} points; at most {max_points} "
            f"(a step of at least {horizon / (max_points - 1):.3g} min)",
        )


def _age_years(born: date) -> float:
    from django.utils import timezone

    return (timezone.localdate() - born).days / 365.25
