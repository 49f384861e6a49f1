"""Pharmacokinetic simulation: a regimen for a stated weight, or for a patient's latest weight."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ketaclinic.records.patients import pharmacokinetics

from .auth import actor
from .costly import count_costly
from .errors import ERRORS

router = Router(tags=["pharmacokinetics"])
patient_router = Router(tags=["pharmacokinetics"])


class SimulationOptions(Schema):
    model_config = {"extra": "forbid"}

    regimen: list[dict[str, Any]] = Field(
        ...,
        description='Doses, e.g. [{"route": "iv_infusion", "dose_mg_per_kg": 0.5, '
        '"start_min": 0, "duration_min": 40}] (docs/pharmacology.md).',
    )
    model: str | None = Field(None, description="parameter set; default: the routes' pairing")
    until_min: float | None = None
    step_min: float | None = None


class StatedWeightSimulation(SimulationOptions):
    weight_kg: float
    age_years: float | None = None


class SimulationOut(Schema):
    model: str
    model_version: str
    weight_kg: float
    time_min: list[float]
    plasma_mg_per_l: list[float]
    effect_site_mg_per_l: list[float] | None = None
    summary: dict[str, Any]
    warnings: list[str]


@router.post("/simulate", response={200: SimulationOut, **ERRORS})
def simulate(request: HttpRequest, data: StatedWeightSimulation) -> dict[str, Any]:
    """Simulate a regimen for a stated weight (no patient record is read)."""
    count_costly(request)
    return pharmacokinetics.simulate_regimen(
        actor(request),
        data.regimen,
        data.weight_kg,
        age_years=data.age_years,
        model=data.model,
        until_min=data.until_min,
        step_min=data.step_min,
    ).as_dict()


@patient_router.post("/{patient_id}/pk-preview", response={200: SimulationOut, **ERRORS})
def preview(request: HttpRequest, patient_id: int, data: SimulationOptions) -> dict[str, Any]:
    """Simulate a regimen on the patient's latest recorded weight and age."""
    count_costly(request)
    return pharmacokinetics.simulate_for_patient(
        actor(request),
        patient_id,
        data.regimen,
        model=data.model,
        until_min=data.until_min,
        step_min=data.step_min,
    ).as_dict()
