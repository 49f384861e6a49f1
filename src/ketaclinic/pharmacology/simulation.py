"""Simulating a regimen for one patient: curves, summary and warnings in one value."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arrays import FloatArray, float_array
from .errors import PharmacologyError, check_number
from .inputs import InputSchedule, regimen_schedule
from .landmarks import summary_threshold
from .models import Model, get_model, typical_disposition
from .modes import modes
from .regimen import Regimen
from .routes import mixed_regimen_model, routes
from .solution import Solution
from .summary import Summary, summarise

DEFAULT_STEP_MIN = 1.0
# Without an explicit horizon, curves run this long after the last input change.
DEFAULT_FOLLOW_UP_MIN = 240.0
MAX_TIME_POINTS = 2_000_000


@dataclass(frozen=True)
class Simulation:
    """One patient's curves on the requested times, with a summary and any warnings."""

    model: str
    model_version: str
    weight_kg: float
    time_min: FloatArray
    plasma_mg_per_l: FloatArray
    effect_site_mg_per_l: FloatArray | None
    summary: Summary
    warnings: tuple[str, ...]
    solution: Solution = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form documented in docs/pharmacology.md."""
        data: dict[str, Any] = {
            "model": self.model,
            "model_version": self.model_version,
            "weight_kg": self.weight_kg,
            "time_min": self.time_min.tolist(),
            "plasma_mg_per_l": self.plasma_mg_per_l.tolist(),
        }
        if self.effect_site_mg_per_l is not None:
            data["effect_site_mg_per_l"] = self.effect_site_mg_per_l.tolist()
        data["summary"] = self.summary.as_dict()
        data["warnings"] = list(self.warnings)
        return data


@dataclass(frozen=True)
class Prepared:
    """A regimen checked and resolved for one patient: what every simulation starts from."""

    model: Model
    weight_kg: float
    schedule: InputSchedule
    times_min: FloatArray
    warnings: tuple[str, ...]


def prepare(
    regimen: Regimen,
    weight_kg: float,
    *,
    model: str | None = None,
    until_min: float | None = None,
    step_min: float | None = None,
    times_min: FloatArray | None = None,
    age_years: float | None = None,
) -> Prepared:
    """Validate the patient and horizon, choose the model and resolve the regimen."""
    weight_kg = check_number("weight_kg", weight_kg, minimum=0.0, strict=True)
    if age_years is not None:
        age_years = check_number("age_years", age_years, minimum=0.0)
    chosen = get_model(model if model is not None else default_model_name(regimen))
    warnings = list(chosen.check_patient(weight_kg, age_years))
    if not chosen.suits_extravascular and any(d.route.extravascular for d in regimen):
        warnings.append(
            f"model: {chosen.name} with an extravascular route is implausible "
            f"({chosen.suits_extravascular_source})"
        )
    schedule, dose_warnings = regimen_schedule(regimen, weight_kg)
    if times_min is None:
        until = DEFAULT_FOLLOW_UP_MIN + schedule.last_change_min if until_min is None else until_min
        times = time_grid(until, DEFAULT_STEP_MIN if step_min is None else step_min)
    elif until_min is not None or step_min is not None:
        raise PharmacologyError("times_min", "give either times or until_min/step_min")
    else:
        times = check_times(times_min)
    return Prepared(chosen, weight_kg, schedule, times, (*warnings, *dose_warnings))


def simulate(
    regimen: Regimen,
    weight_kg: float,
    *,
    model: str | None = None,
    until_min: float | None = None,
    step_min: float | None = None,
    times_min: FloatArray | None = None,
    age_years: float | None = None,
    threshold_mg_per_l: float | None = None,
) -> Simulation:
    """Exact plasma (and effect-site, when the model has a ke0) curves for one patient.

    Without ``model``, the routes' default pairing decides (docs/pharmacology.md). Times
    are ``times_min`` or a grid 0, step, 2 step ... until (default: 1 min, until 4 h after
    the last input change). Raises PharmacologyError naming the field on bad input.
    """
    prepared = prepare(
        regimen,
        weight_kg,
        model=model,
        until_min=until_min,
        step_min=step_min,
        times_min=times_min,
        age_years=age_years,
    )
    return simulate_prepared(prepared, threshold_mg_per_l)


def simulate_prepared(prepared: Prepared, threshold_mg_per_l: float | None = None) -> Simulation:
    threshold = (
        summary_threshold().value
        if threshold_mg_per_l is None
        else check_number("threshold_mg_per_l", threshold_mg_per_l, minimum=0.0)
    )
    model = prepared.model
    solution = Solution(modes(typical_disposition(model, prepared.weight_kg)), prepared.schedule)
    times = prepared.times_min
    effect = None if model.ke0_per_min is None else solution.effect_site(times)[:, 0]
    return Simulation(
        model=model.name,
        model_version=model.version,
        weight_kg=prepared.weight_kg,
        time_min=times,
        plasma_mg_per_l=solution.plasma(times)[:, 0],
        effect_site_mg_per_l=effect,
        summary=summarise(solution, times, threshold),
        warnings=prepared.warnings,
        solution=solution,
    )


def default_model_name(regimen: Regimen) -> str:
    """The model the regimen's routes pair with (docs/pharmacology.md)."""
    names = {routes()[dose.route].default_model for dose in regimen}
    return names.pop() if len(names) == 1 else mixed_regimen_model()[0]


def time_grid(until_min: float, step_min: float) -> FloatArray:
    """0, step, 2 step ... up to until (included even when not a multiple of step)."""
    until = check_number("until_min", until_min, minimum=0.0, strict=True)
    step = check_number("step_min", step_min, minimum=0.0, strict=True)
    if step > until:
        raise PharmacologyError("step_min", f"{step:g} is larger than the horizon {until:g} min")
    count = math.floor(until / step * (1 + 1e-12))
    if count + 2 > MAX_TIME_POINTS:
        raise PharmacologyError(
            "step_min", f"{count + 1} time points; at most {MAX_TIME_POINTS} are allowed"
        )
    times = float_array(np.arange(count + 1) * step)
    return times if math.isclose(times[-1], until) else float_array(np.append(times, until))


def check_times(times_min: FloatArray) -> FloatArray:
    """Requested times: finite, from 0 on, strictly increasing."""
    times = np.asarray(times_min, dtype=float)
    if times.ndim != 1 or not 0 < len(times) <= MAX_TIME_POINTS:
        raise PharmacologyError("times_min", f"must hold 1 to {MAX_TIME_POINTS} times")
    if not np.all(np.isfinite(times)):
        raise PharmacologyError("times_min", "must be finite")
    if times[0] < 0:
        raise PharmacologyError("times_min", "must not be negative")
    if np.any(np.diff(times) <= 0):
        raise PharmacologyError("times_min", "must be strictly increasing")
    return times
