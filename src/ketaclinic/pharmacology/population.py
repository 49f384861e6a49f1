"""Virtual populations: log-normal between-subject variability and percentile bands."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import FloatArray
from .errors import PharmacologyError, check_number
from .models import Disposition, Model
from .modes import modes
from .regimen import Regimen
from .simulation import Simulation, prepare, simulate_prepared
from .solution import Solution

MAX_PATIENTS = 100_000
DEFAULT_PERCENTILES = (5.0, 50.0, 95.0)
# Concentrations are computed for blocks of (times x patients) of at most this many values;
# with ``workers`` threads, peak extra memory is about workers x 6 x 8 bytes x this.
BLOCK_VALUES = 1 << 18
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class PopulationSimulation:
    """Percentile bands of N virtual patients, beside the typical patient's curves."""

    typical: Simulation
    n_patients: int
    seed: int
    variability_cv: Mapping[str, float]
    percentiles_mg_per_l: Mapping[str, FloatArray]

    def as_dict(self) -> dict[str, Any]:
        """The typical patient's JSON plus ``population`` and ``percentiles``."""
        data = self.typical.as_dict()
        data["population"] = {
            "n_patients": self.n_patients,
            "seed": self.seed,
            "variability_cv": dict(self.variability_cv),
        }
        bands = self.percentiles_mg_per_l
        data["percentiles"] = {key: band.tolist() for key, band in bands.items()}
        return data


def sample_disposition(
    model: Model,
    weight_kg: float,
    n_patients: int,
    seed: int,
    variability_cv: Mapping[str, float],
) -> Disposition:
    """N patients: every volume and clearance is its typical value times exp(eta).

    eta ~ Normal(0, omega^2) with omega^2 = ln(1 + cv^2), so the typical value is the median
    and cv the coefficient of variation. Draws are made in the order of
    ``model.parameter_names``, so a seed always gives the same patients.
    """
    typical = model.typical(weight_kg)
    names = model.parameter_names
    omega = np.array([math.sqrt(math.log1p(variability_cv[name] ** 2)) for name in names])
    eta = np.random.default_rng(seed).standard_normal((n_patients, len(names)))
    factors = np.exp(eta * omega)
    values = {name: typical[name] * factors[:, j] for j, name in enumerate(names)}
    ke0 = None if model.ke0_per_min is None else model.ke0_per_min.value
    return Disposition.from_values(values, ke0)


def percentile_bands(
    solution: Solution,
    times_min: FloatArray,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    *,
    block_values: int = BLOCK_VALUES,
    workers: int = DEFAULT_WORKERS,
) -> dict[str, FloatArray]:
    """Plasma percentiles across patients at each time, never holding all N x T values.

    Times are cut into blocks of at most ``block_values`` values; each block is computed,
    reduced to its percentiles (numpy's default linear interpolation) and dropped. Blocks
    run on ``workers`` threads (numpy releases the GIL); results do not depend on either.
    """
    rows = max(1, block_values // solution.n_patients)
    blocks = [slice(i, i + rows) for i in range(0, len(times_min), rows)]
    buffers = threading.local()  # one block-sized array per thread, reused: no page faults

    def block(rows: slice) -> FloatArray:
        times = times_min[rows]
        if getattr(buffers, "size", None) != len(times):
            buffers.size = len(times)
            buffers.plasma = np.empty((len(times), solution.n_patients))
        plasma = solution.plasma(times, out=buffers.plasma)
        return np.percentile(plasma, percentiles, axis=1, overwrite_input=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        bands = np.concatenate(list(pool.map(block, blocks)), axis=1)
    return {f"{q:g}": bands[j] for j, q in enumerate(percentiles)}


def simulate_population(
    regimen: Regimen,
    weight_kg: float,
    n_patients: int,
    seed: int,
    *,
    model: str | None = None,
    until_min: float | None = None,
    step_min: float | None = None,
    times_min: FloatArray | None = None,
    age_years: float | None = None,
    variability_cv: Mapping[str, float] | None = None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    workers: int = DEFAULT_WORKERS,
) -> PopulationSimulation:
    """N virtual patients of one weight; ``variability_cv`` overrides the model's CVs."""
    if isinstance(n_patients, bool) or not isinstance(n_patients, int):
        raise PharmacologyError("n_patients", "must be a whole number")
    if not 1 <= n_patients <= MAX_PATIENTS:
        raise PharmacologyError("n_patients", f"must be 1 to {MAX_PATIENTS}, not {n_patients}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise PharmacologyError("seed", "must be a whole number >= 0")
    for q in percentiles:
        check_number("percentiles", q, minimum=0.0)
        if q > 100:
            raise PharmacologyError("percentiles", f"{q:g} is above 100")
    prepared = prepare(
        regimen,
        weight_kg,
        model=model,
        until_min=until_min,
        step_min=step_min,
        times_min=times_min,
        age_years=age_years,
    )
    chosen = prepared.model
    cv = {name: value.value for name, value in chosen.variability_cv.items()}
    for name, value in (variability_cv or {}).items():
        if name not in cv:
            raise PharmacologyError(f"variability_cv.{name}", f"not a parameter of {chosen.name}")
        cv[name] = check_number(f"variability_cv.{name}", value, minimum=0.0)
    disposition = sample_disposition(chosen, prepared.weight_kg, n_patients, seed, cv)
    solution = Solution(modes(disposition), prepared.schedule)
    return PopulationSimulation(
        typical=simulate_prepared(prepared),
        n_patients=n_patients,
        seed=seed,
        variability_cv=cv,
        percentiles_mg_per_l=percentile_bands(
            solution, prepared.times_min, percentiles, workers=workers
        ),
    )
