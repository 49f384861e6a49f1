"""Cohort statistics: proportions with Wilson intervals, means with t intervals, and
Kaplan-Meier survival curves (scipy), each returning plain values."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ketaclinic.core import DomainInputError

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    level: float = LEVEL


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``n``; rate and interval are None when ``n`` is 0."""

    successes: int
    n: int
    rate: float | None
    interval: Interval | None


@dataclass(frozen=True)
class MeanEstimate:
    """A sample mean; the t interval needs at least two values."""

    n: int
    mean: float | None
    sd: float | None
    interval: Interval | None


@dataclass(frozen=True)
class KaplanMeier:
    """The survival function's steps: at each distinct time, the probability of not yet having
    had the event, with a pointwise log-log confidence band (Greenwood's variance)."""

    n: int
    events: int
    times: tuple[float, ...]
    survival: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    level: float = LEVEL

    def survival_at(self, time: float) -> float:
        """S(time): 1 before the first step."""
        index = int(np.searchsorted(self.times, time, side="right")) - 1
        return 1.0 if index < 0 else self.survival[index]

    @property
    def median(self) -> float | None:
        """The first time at which survival is at or below one half, if it gets there."""
        return next((t for t, s in zip(self.times, self.survival, strict=True) if s <= 0.5), None)


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise DomainInputError("level", "must be between 0 and 1")
    return level


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> Interval:
    """The Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998)."""
    if n <= 0:
        raise DomainInputError("n", "must be at least 1")
    if not 0 <= successes <= n:
        raise DomainInputError("successes", f"must be between 0 and n ({n})")
    z = float(stats.norm.ppf(0.5 + _check_level(level) / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # The bounds are exactly 0 with no success and exactly 1 with all successes.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low, high, level)


def proportion(successes: int, n: int, level: float = LEVEL) -> Proportion:
    if n == 0:
        return Proportion(successes, 0, None, None)
    return Proportion(successes, n, successes / n, wilson_interval(successes, n, level))


def mean_from_moments(n: int, total: float, total_sq: float, level: float = LEVEL) -> MeanEstimate:
    """Mean and t interval from the count, sum and sum of squares (as SQL aggregates give)."""
    if n < 0:
        raise DomainInputError("n", "must not be negative")
    if n == 0:
        return MeanEstimate(0, None, None, None)
    mean = total / n
    if n == 1:
        return MeanEstimate(1, mean, None, None)
    variance = max(0.0, (total_sq - total * total / n) / (n - 1))
    sd = math.sqrt(variance)
    half = float(stats.t.ppf(0.5 + _check_level(level) / 2, n - 1)) * sd / math.sqrt(n)
    return MeanEstimate(n, mean, sd, Interval(mean - half, mean + half, level))


def mean_estimate(values: Sequence[float], level: float = LEVEL) -> MeanEstimate:
    data = [float(value) for value in values]
    return mean_from_moments(len(data), sum(data), sum(v * v for v in data), level)


def kaplan_meier(
    durations: Sequence[float], events: Sequence[bool], level: float = LEVEL
) -> KaplanMeier:
    """Kaplan-Meier estimate from right-censored durations (``events[i]`` False = censored)."""
    if len(durations) != len(events):
        raise DomainInputError("events", "give one event flag per duration")
    times = np.asarray(durations, dtype=float)
    if times.size and (not np.all(np.isfinite(times)) or np.any(times < 0)):
        raise DomainInputError("durations", "must be finite and not negative")
    observed = np.asarray(events, dtype=bool)
    if not observed.any():
        return KaplanMeier(int(times.size), 0, (), (), (), (), _check_level(level))
    result = stats.ecdf(stats.CensoredData.right_censored(times, ~observed)).sf
    with warnings.catch_warnings():
        # Undefined where survival reaches 0 or 1 (scipy says so); those ends become 0 and 1.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = result.confidence_interval(_check_level(level), method="log-log")
    return KaplanMeier(
        n=int(times.size),
        events=int(observed.sum()),
        times=tuple(float(t) for t in result.quantiles),
        survival=tuple(float(s) for s in result.probabilities),
        low=tuple(float(s) for s in np.nan_to_num(band.low.probabilities, nan=0.0)),
        high=tuple(float(s) for s in np.nan_to_num(band.high.probabilities, nan=1.0)),
        level=level,
    )
