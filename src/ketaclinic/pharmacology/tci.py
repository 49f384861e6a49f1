"""Target-controlled infusion: plasma or effect-site targeting on a pump's update interval.

Every interval the pump rate is chosen from the full model state (all compartments),
held for the interval, and the state is advanced exactly (pharmacology.md §4):

- plasma targeting (Shafer & Gregg 1992): the rate that brings Cp to the target at the end
  of the interval, r = (C - Cp_free) / g;
- effect-site targeting (Shafer & Gregg 1992): the largest rate whose predicted Ce peak just
  reaches the target, r = min over t of (C - b(t)) / h(t), b the free Ce course and h the Ce
  response to a unit rate held for one interval; the minimum is searched on a grid and refined
  exactly where d/dt[(C - b) / h] = 0;
- with the Van Poucke (2004) limit, the effect-site rate is also capped so that Cp at the end
  of the interval stays at or below cp_limit_ratio x target.

Rates are clamped to [0, max rate]; the target may change at any time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ketaclinic.core import Sourced, load_toml, read_sourced

from .arrays import FloatArray, float_array
from .divided import exp_divided_difference
from .errors import PharmacologyError, check_number
from .models import get_model, typical_disposition
from .modes import Modes, modes
from .regimen import Dose, Regimen
from .routes import Route, routes

MAX_INTERVALS = 200_000
# A rate whose whole effect-site contribution is below this fraction of the target is noise.
ROUNDING = 1e-12
SECONDS_PER_MINUTE = 60.0

Targets = float | Sequence[tuple[float, float]]


@dataclass(frozen=True)
class TciSettings:
    interval_s: Sourced
    cp_limit_ratio: Sourced
    effect_horizon_min: Sourced
    effect_grid_s: Sourced


@cache
def tci_settings() -> TciSettings:
    table = load_toml(__package__, "tci.toml")
    return TciSettings(
        *(read_sourced(table, key, "tci.toml") for key in TciSettings.__dataclass_fields__)
    )


@dataclass(frozen=True)
class TciPlan:
    """The pump's rate for each interval and the predicted concentrations at its start."""

    model: str
    model_version: str
    weight_kg: float
    effect_site_targeting: bool
    interval_min: float
    time_min: FloatArray
    rate_mg_per_min: FloatArray
    target_mg_per_l: FloatArray
    plasma_mg_per_l: FloatArray
    effect_site_mg_per_l: FloatArray | None
    end_min: float
    warnings: tuple[str, ...]

    @property
    def total_dose_mg(self) -> float:
        durations = np.diff(np.append(self.time_min, self.end_min))
        return float(np.sum(self.rate_mg_per_min * durations))

    def regimen(self) -> Regimen:
        """The rate schedule as iv_infusion doses, to simulate it at any resolution."""
        durations = np.diff(np.append(self.time_min, self.end_min))
        return tuple(
            Dose(Route.IV_INFUSION, start_min=float(t), dose_mg=float(r * d), duration_min=float(d))
            for t, r, d in zip(self.time_min, self.rate_mg_per_min, durations, strict=True)
            if r > 0
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON form documented in docs/pharmacology.md."""
        data: dict[str, Any] = {
            "model": self.model,
            "model_version": self.model_version,
            "weight_kg": self.weight_kg,
            "targeting": "effect_site" if self.effect_site_targeting else "plasma",
            "interval_s": self.interval_min * SECONDS_PER_MINUTE,
            "time_min": self.time_min.tolist(),
            "rate_mg_per_min": self.rate_mg_per_min.tolist(),
            "target_mg_per_l": self.target_mg_per_l.tolist(),
            "plasma_mg_per_l": self.plasma_mg_per_l.tolist(),
        }
        if self.effect_site_mg_per_l is not None:
            data["effect_site_mg_per_l"] = self.effect_site_mg_per_l.tolist()
        data["end_min"] = self.end_min
        data["total_dose_mg"] = self.total_dose_mg
        data["warnings"] = list(self.warnings)
        return data


def plan_tci(
    target_mg_per_l: Targets,
    duration_min: float,
    weight_kg: float,
    *,
    model: str | None = None,
    effect_site: bool = False,
    interval_s: float | None = None,
    max_rate_mg_per_min: float | None = None,
    cp_limit_ratio: float | None = None,
    age_years: float | None = None,
) -> TciPlan:
    """Plan a TCI. ``target_mg_per_l`` is a number or (start_min, target) steps from 0.

    ``cp_limit_ratio`` (effect-site targeting only; default from tci.toml, math.inf for
    none) caps Cp at that multiple of the target; ``max_rate_mg_per_min`` is the pump's
    limit (none by default).
    """
    settings = tci_settings()
    weight_kg = check_number("weight_kg", weight_kg, minimum=0.0, strict=True)
    duration = check_number("duration_min", duration_min, minimum=0.0, strict=True)
    interval = check_number(
        "interval_s",
        settings.interval_s.value if interval_s is None else interval_s,
        minimum=0.0,
        strict=True,
    )
    interval /= SECONDS_PER_MINUTE
    count = math.ceil(duration / interval * (1 - 1e-12))
    if count > MAX_INTERVALS:
        raise PharmacologyError("interval_s", f"{count} intervals; at most {MAX_INTERVALS}")
    max_rate = math.inf
    if max_rate_mg_per_min is not None:
        max_rate = check_number(
            "max_rate_mg_per_min", max_rate_mg_per_min, minimum=0.0, strict=True
        )
    if cp_limit_ratio is not None and not effect_site:
        raise PharmacologyError("cp_limit_ratio", "applies to effect-site targeting only")
    limit = settings.cp_limit_ratio.value if cp_limit_ratio is None else cp_limit_ratio
    if not (isinstance(limit, int | float) and limit >= 1):
        raise PharmacologyError("cp_limit_ratio", f"must be at least 1, not {limit!r}")
    steps = _target_steps(target_mg_per_l)
    if age_years is not None:
        age_years = check_number("age_years", age_years, minimum=0.0)
    chosen = get_model(model or routes()[Route.IV_INFUSION].default_model)
    if effect_site and chosen.ke0_per_min is None:
        raise PharmacologyError(
            "model", f"{chosen.name} has no ke0; effect-site targeting needs one"
        )
    warnings = chosen.check_patient(weight_kg, age_years)
    pump = _Pump(modes(typical_disposition(chosen, weight_kg)), settings)

    times = float_array(np.arange(count) * interval)
    lengths = np.full(count, interval)  # one exact length: the per-length update is cached
    lengths[-1] = duration - times[-1]
    targets = steps[1][np.searchsorted(steps[0], times, side="right") - 1]
    rates = np.empty(count)
    plasma = np.empty(count)
    effect = np.empty(count)
    state = np.zeros(len(pump.rates) + 1)  # modal plasma contributions, then Ce
    for j, (length, target) in enumerate(zip(lengths, targets, strict=True)):
        plasma[j], effect[j] = state[:-1].sum(), state[-1]
        step = pump.step(float(length))
        rate = step.plasma_rate(state, target)
        if effect_site:
            rate = min(step.effect_rate(state, target), step.plasma_rate(state, limit * target))
        rates[j] = min(max(rate, 0.0), max_rate)
        state = step.advance(state, rates[j])
    return TciPlan(
        model=chosen.name,
        model_version=chosen.version,
        weight_kg=weight_kg,
        effect_site_targeting=effect_site,
        interval_min=interval,
        time_min=times,
        rate_mg_per_min=rates,
        target_mg_per_l=targets,
        plasma_mg_per_l=plasma,
        effect_site_mg_per_l=effect if pump.ke0 is not None else None,
        end_min=duration,
        warnings=warnings,
    )


def _target_steps(target: Targets) -> tuple[FloatArray, FloatArray]:
    if isinstance(target, int | float):
        pairs: Sequence[tuple[float, float]] = [(0.0, target)]
    else:
        pairs = list(target)
    if not pairs:
        raise PharmacologyError("target_mg_per_l", "needs at least one target")
    starts = [check_number("target_start_min", s, minimum=0.0) for s, _ in pairs]
    values = [check_number("target_mg_per_l", c, minimum=0.0) for _, c in pairs]
    if starts[0] != 0 or any(b <= a for a, b in itertools.pairwise(starts)):
        raise PharmacologyError(
            "target_start_min", "target steps must start at 0 and be strictly increasing"
        )
    return np.array(starts), np.array(values)


class _Pump:
    """One patient's model, with the per-interval quantities cached by interval length."""

    def __init__(self, model_modes: Modes, settings: TciSettings) -> None:
        self.modes = model_modes
        self.rates = model_modes.rate_per_min[:, 0]
        self.per_mg = model_modes.plasma_per_mg[:, 0]
        self.ke0 = model_modes.ke0_per_min
        self.settings = settings
        self._steps: dict[float, _Step] = {}

    def step(self, length: float) -> _Step:
        if length not in self._steps:
            self._steps[length] = _Step(self, length)
        return self._steps[length]


class _Step:
    """Exact update over one interval of constant rate r: x' = phi x + gamma r.

    The state x holds the modal plasma contributions z_i and then Ce.
    """

    def __init__(self, pump: _Pump, length: float) -> None:
        self.pump = pump
        self.length = length
        n = len(pump.rates)
        self.phi = np.zeros((n + 1, n + 1))
        self.phi[:n, :n] = np.diag(np.exp(pump.rates * length))
        self.gamma = np.zeros(n + 1)
        self.gamma[:n] = self._unit(np.array([length]))[0]
        if pump.ke0 is not None:
            self.phi[n] = self._free(np.array([length]))[1][0]
            self.gamma[n] = self._unit(np.array([length]))[1][0]
            grid_min = pump.settings.effect_grid_s.value / SECONDS_PER_MINUTE
            count = round(pump.settings.effect_horizon_min.value / grid_min)
            self.grid = float_array(np.arange(1, count + 1) * grid_min)
            self.grid_unit_effect = self._unit(self.grid)[1]
            self.grid_free_effect = self._free(self.grid)[1]

    def advance(self, state: FloatArray, rate: float) -> FloatArray:
        return self.phi @ state + self.gamma * rate

    def plasma_rate(self, state: FloatArray, target: float) -> float:
        """The rate that makes Cp equal ``target`` at the end of the interval."""
        n = len(self.pump.rates)
        free = float(self.phi[:n, :n].diagonal() @ state[:n])
        return (target - free) / float(self.gamma[:n].sum())

    def effect_rate(self, state: FloatArray, target: float) -> float:
        """The largest rate whose predicted Ce peak does not exceed ``target``."""
        if target <= 0:
            return 0.0
        ratio = (target - self.grid_free_effect @ state) / self.grid_unit_effect
        j = int(np.argmin(ratio))
        if j == len(ratio) - 1:
            raise PharmacologyError(
                "effect_horizon_min", "the effect-site peak lies beyond the search horizon"
            )
        best = float(ratio[j])
        if best > 0 and j > 0:
            from scipy.optimize import brentq  # imported late: scipy.optimize takes a second

            low, high = self.grid[j - 1], self.grid[j + 1]
            if self._ratio_slope(low, state, target) < 0 < self._ratio_slope(high, state, target):
                peak = brentq(self._ratio_slope, low, high, args=(state, target), xtol=1e-12)
                best = min(best, self._ratio(state, target, peak))
        if best * self.grid_unit_effect.max() <= ROUNDING * target:
            return 0.0  # the free course already reaches the target, up to rounding
        return best

    def _free(self, times: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Matrices mapping the state to the free Cp and Ce at each time (rows)."""
        pump = self.pump
        tau = times[:, None]
        plasma = np.hstack([np.exp(pump.rates * tau), np.zeros_like(tau)])
        if pump.ke0 is None:
            return plasma, np.zeros_like(plasma)
        effect = np.hstack(
            [
                pump.ke0 * exp_divided_difference((pump.rates, -pump.ke0), tau),
                np.exp(-pump.ke0 * tau),
            ]
        )
        return plasma, effect

    def _unit(self, times: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Modal Cp contributions (T, n) and Ce (T,) for a unit rate held over the interval."""
        pump = self.pump
        during = np.minimum(times, self.length)[:, None]
        modal = pump.per_mg * exp_divided_difference((pump.rates, 0.0), during)
        effect = np.zeros(len(times))
        if pump.ke0 is not None:
            nodes = (pump.rates, 0.0, -pump.ke0)
            effect = pump.ke0 * np.sum(pump.per_mg * exp_divided_difference(nodes, during), 1)
        after = times > self.length
        if after.any():
            # After the interval the drug moves freely from the state the interval left.
            plasma_rows, effect_rows = self._free(times[after] - self.length)
            modal[after] = plasma_rows[:, :-1] * self.gamma[:-1]
            effect[after] = effect_rows @ self.gamma
        return modal, effect

    def _ratio(self, state: FloatArray, target: float, t: float) -> float:
        free = float(self._free(np.array([t]))[1][0] @ state)
        return (target - free) / float(self._unit(np.array([t]))[1][0])

    def _ratio_slope(self, t: float, state: FloatArray, target: float) -> float:
        """Numerator of d/dt[(C - b) / h], using dCe/dt = ke0 (Cp - Ce) for b and h."""
        ke0 = self.pump.ke0
        assert ke0 is not None
        point = np.array([t])
        free_plasma_rows, free_effect_rows = self._free(point)
        free_plasma, free = float(free_plasma_rows[0] @ state), float(free_effect_rows[0] @ state)
        unit_modal, unit_effect = self._unit(point)
        unit_plasma, unit = float(unit_modal.sum()), float(unit_effect[0])
        return -ke0 * (free_plasma - free) * unit - (target - free) * ke0 * (unit_plasma - unit)
