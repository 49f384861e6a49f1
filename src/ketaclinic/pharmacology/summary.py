"""Exact summaries of one patient's plasma curve: Cmax, Tmax, AUC, time above a threshold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import FloatArray
from .solution import Solution

_Curve = Callable[..., FloatArray]


@dataclass(frozen=True)
class Summary:
    """Over the window from 0 to the last requested time."""

    cmax_mg_per_l: float
    tmax_min: float
    auc_mg_min_per_l: float
    infusion_end_min: tuple[float, ...]
    infusion_end_plasma_mg_per_l: tuple[float, ...]
    threshold_mg_per_l: float
    time_above_threshold_min: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "cmax_mg_per_l": self.cmax_mg_per_l,
            "tmax_min": self.tmax_min,
            "auc_mg_min_per_l": self.auc_mg_min_per_l,
            "infusion_ends": [
                {"end_min": end, "plasma_mg_per_l": plasma}
                for end, plasma in zip(
                    self.infusion_end_min, self.infusion_end_plasma_mg_per_l, strict=True
                )
            ],
            "threshold_mg_per_l": self.threshold_mg_per_l,
            "time_above_threshold_min": self.time_above_threshold_min,
        }


def summarise(solution: Solution, times_min: FloatArray, threshold_mg_per_l: float) -> Summary:
    """Summaries of patient 0 over [0, times_min[-1]].

    Cmax and the threshold crossings are exact, not read off the grid: between consecutive
    grid points and input changes, extrema are roots of the analytic slope and crossings
    roots of Cp - threshold (brentq). An excursion shorter than one grid step that contains
    two extrema can be missed; a finer grid resolves it.
    """
    until = float(times_min[-1])
    starts = solution.schedule.starts_min
    points = np.union1d(np.union1d(times_min, starts[starts <= until]), [0.0, until])
    points = np.union1d(points, _roots(points, solution.plasma_slope, 0.0))
    right = solution.plasma(points)[:, 0]
    peak = int(np.argmax(right))
    ends = solution.schedule.infusion_ends_min
    ends = ends[ends <= until]
    return Summary(
        cmax_mg_per_l=float(right[peak]),
        tmax_min=float(points[peak]),
        auc_mg_min_per_l=float(solution.auc(until)[0]),
        infusion_end_min=tuple(float(t) for t in ends),
        infusion_end_plasma_mg_per_l=tuple(
            float(c) for c in solution.plasma(ends, left=True)[:, 0]
        ),
        threshold_mg_per_l=threshold_mg_per_l,
        time_above_threshold_min=_time_above(solution, points, threshold_mg_per_l),
    )


def _roots(points: FloatArray, function: _Curve, level: float) -> FloatArray:
    """Roots of function - level inside each (points[j], points[j+1]) where it changes sign."""
    from scipy.optimize import brentq  # imported late: scipy.optimize takes a second

    start = function(points[:-1])[:, 0] - level
    end = function(points[1:], left=True)[:, 0] - level
    changes = np.flatnonzero(np.sign(start) * np.sign(end) < 0)

    def shifted(t: float) -> float:
        return float(function(np.array([t]))[0, 0] - level)

    return np.array(
        [brentq(shifted, points[j], points[j + 1], xtol=1e-12, rtol=1e-15) for j in changes]
    )


def _time_above(solution: Solution, points: FloatArray, threshold: float) -> float:
    # Between consecutive points Cp is monotone (its extrema are among the points), so each
    # interval holds at most one crossing; after adding them, the sign is constant on each.
    grid = np.union1d(points, _roots(points, solution.plasma, threshold))
    middle = solution.plasma((grid[:-1] + grid[1:]) / 2)[:, 0]
    return float(np.sum(np.diff(grid)[middle > threshold]))
