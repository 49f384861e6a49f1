"""The exact solution for piecewise-constant inputs, for one patient or many at once.

State is kept in modal form: z_i, the contribution of disposition mode i to plasma (mg/L),
the depot amounts d_g (mg) and the effect-site concentration Ce (mg/L). Over a segment of
constant IV rate u, after tau minutes (f[...] from ``divided``):

    z_i(tau) = z_i f[l_i] + c_i u f[l_i, 0] + sum_g c_i ka_g d_g f[l_i, -ka_g]
    Cp       = sum_i z_i
    Ce(tau)  = Ce f[-ke0] + ke0 * (every plasma term with the node -ke0 added)
    int Cp   = every plasma term with the node 0 added

Whole segments are jumped at once and outputs are evaluated directly at the requested
times, vectorised over times and patients; no time stepping is involved.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray
from .divided import exp_divided_difference
from .inputs import InputSchedule
from .modes import Modes

_Term = tuple[FloatArray, tuple[npt.ArrayLike, ...]]


@dataclass(frozen=True)
class _Segment:
    """The state right after a segment starts (its impulses applied)."""

    start_min: float
    rate_mg_per_min: float
    modal: FloatArray  # (n, N)
    depot_mg: FloatArray  # (G,)


_Output = Callable[[int, FloatArray, FloatArray], object]

# A free decay that has fallen below this (mg/L) for every patient is left out: adding it
# would not change any sum above 1e-284 mg/L. Long washouts skip most of their fast modes.
NEGLIGIBLE_MG_PER_L = 1e-300


def _negligible(weight: FloatArray, rate: npt.ArrayLike, first_tau: float) -> bool:
    """True when weight * exp(rate * tau) is negligible from ``first_tau`` on (rate <= 0)."""
    bound = np.abs(weight) * np.exp(np.asarray(rate) * first_tau)
    return bool(np.max(bound) < NEGLIGIBLE_MG_PER_L)


class Solution:
    """Plasma and effect-site concentrations of N patients under one input schedule."""

    def __init__(self, modes: Modes, schedule: InputSchedule) -> None:
        self.modes = modes
        self.schedule = schedule
        self._starts = schedule.starts_min
        self._ka = schedule.ka_per_min
        n, n_patients = modes.rate_per_min.shape
        modal = np.zeros((n, n_patients))
        depot = np.zeros(len(self._ka))
        self._buffers = threading.local()
        self._segments: list[_Segment] = []
        for k, start in enumerate(self._starts):
            if k:
                previous = self._segments[-1]
                tau = np.array([[start - previous.start_min]])
                modal = np.stack([self._mode(previous, i, tau)[0] for i in range(n)])
                depot = previous.depot_mg * np.exp(-self._ka * tau[0, 0])
            modal = modal + modes.plasma_per_mg * schedule.bolus_mg[k]
            depot = depot + schedule.depot_mg[k]
            self._segments.append(
                _Segment(float(start), float(schedule.rate_mg_per_min[k]), modal, depot)
            )

    @cached_property
    def _effect_starts(self) -> list[FloatArray]:
        """Ce at each segment start; computed on first use (plasma-only callers skip it)."""
        effect = [np.zeros(self.n_patients)]
        for k in range(1, len(self._segments)):
            tau = np.array([[self._starts[k] - self._starts[k - 1]]])
            effect.append(self._effect_from(k - 1, tau, effect[k - 1])[0])
        return effect

    @property
    def n_patients(self) -> int:
        return self.modes.n_patients

    def plasma(
        self, times_min: FloatArray, *, left: bool = False, out: FloatArray | None = None
    ) -> FloatArray:
        """Cp (mg/L) at sorted times, shape (T, N); ``left`` takes limits from the left.

        ``out`` receives the result (reusing memory across calls saves page faults).
        """
        return self._evaluate(times_min, left, self._plasma, out)

    def effect_site(self, times_min: FloatArray, *, left: bool = False) -> FloatArray:
        """Ce (mg/L) at sorted times, shape (T, N); the model must have a ke0."""
        if self.modes.ke0_per_min is None:
            raise ValueError("effect_site: this model has no ke0")
        return self._evaluate(times_min, left, self._effect)

    def plasma_slope(self, times_min: FloatArray, *, left: bool = False) -> FloatArray:
        """dCp/dt (mg/L/min) at sorted times, shape (T, N)."""
        return self._evaluate(times_min, left, self._slope)

    def auc(self, until_min: float) -> FloatArray:
        """Area under Cp from 0 to ``until_min`` (mg min/L), one value per patient."""
        total = np.zeros(self.n_patients)
        ends = [*self._starts[1:], np.inf]
        for segment, end in zip(self._segments, ends, strict=True):
            if segment.start_min >= until_min:
                break
            tau = np.array([[min(end, until_min) - segment.start_min]])
            total += self._sum(segment, tau, (0.0,))[0]
        return total

    def _evaluate(
        self, times_min: FloatArray, left: bool, output: _Output, out: FloatArray | None = None
    ) -> FloatArray:
        times = np.asarray(times_min, dtype=float)
        result = np.empty((len(times), self.n_patients)) if out is None else out
        # Right-continuous: segment k holds starts[k] <= t < starts[k + 1]; ``left`` shifts
        # each boundary time to the segment before it (and time 0 to the zero state).
        bounds = [*np.searchsorted(times, self._starts, side="right" if left else "left")]
        result[: bounds[0]] = 0.0
        for k, (begin, end) in enumerate(zip(bounds, [*bounds[1:], len(times)], strict=True)):
            if end > begin:
                output(k, times[begin:end, None] - self._starts[k], result[begin:end])
        return result

    def _scratch(self, shape: tuple[int, ...]) -> FloatArray:
        """A work array for this thread, reused across calls: fresh large arrays cost more
        in page faults than the arithmetic done in them."""
        size = math.prod(shape)
        buffer = getattr(self._buffers, "scratch", None)
        if buffer is None or buffer.size < size:
            buffer = self._buffers.scratch = np.empty(size)
        return buffer[:size].reshape(shape)

    def _terms(self, segment: _Segment, i: int) -> Iterator[_Term]:
        """Mode i's plasma contribution as weighted divided differences."""
        rate = self.modes.rate_per_min[i]
        per_mg = self.modes.plasma_per_mg[i]
        if segment.modal[i].any():
            yield segment.modal[i], (rate,)
        if segment.rate_mg_per_min:
            yield per_mg * segment.rate_mg_per_min, (rate, 0.0)
        for ka, amount in zip(self._ka, segment.depot_mg, strict=True):
            if amount:
                yield per_mg * (ka * amount), (rate, -ka)

    def _mode(self, segment: _Segment, i: int, tau: FloatArray) -> FloatArray:
        value = np.zeros((tau.shape[0], self.n_patients))
        for weight, nodes in self._terms(segment, i):
            value += weight * exp_divided_difference(nodes, tau)
        return value

    def _sum(
        self,
        segment: _Segment,
        tau: FloatArray,
        extra: tuple[float, ...],
        out: FloatArray | None = None,
    ) -> FloatArray:
        """Every plasma term, each convolved with the extra nodes (written into ``out``)."""
        value = np.empty((tau.shape[0], self.n_patients)) if out is None else out
        scratch = self._scratch(value.shape)
        empty = True
        for i in range(self.modes.rate_per_min.shape[0]):
            for weight, nodes in self._terms(segment, i):
                if not extra and len(nodes) == 1 and _negligible(weight, nodes[0], tau[0, 0]):
                    continue
                target = value if empty else scratch
                term = exp_divided_difference((*nodes, *extra), tau, out=target)
                term *= weight
                if not empty:
                    value += term
                empty = False
        if empty:
            value[...] = 0.0
        return value

    def _plasma(self, k: int, tau: FloatArray, out: FloatArray) -> None:
        self._sum(self._segments[k], tau, (), out)

    def _effect(self, k: int, tau: FloatArray, out: FloatArray) -> None:
        out[...] = self._effect_from(k, tau, self._effect_starts[k])

    def _effect_from(self, k: int, tau: FloatArray, start: FloatArray) -> FloatArray:
        ke0 = self.modes.ke0_per_min
        assert ke0 is not None
        return start * np.exp(-ke0 * tau) + ke0 * self._sum(self._segments[k], tau, (-ke0,))

    def _slope(self, k: int, tau: FloatArray, out: FloatArray) -> None:
        segment = self._segments[k]
        rates = self.modes.rate_per_min
        value = sum(
            (rates[i] * self._mode(segment, i, tau) for i in range(rates.shape[0])),
            start=np.zeros((tau.shape[0], self.n_patients)),
        )
        inflow = segment.rate_mg_per_min + np.sum(
            self._ka * segment.depot_mg * np.exp(-self._ka * tau), axis=-1, keepdims=True
        )
        out[...] = value + inflow * self.modes.plasma_per_mg.sum(axis=0)
