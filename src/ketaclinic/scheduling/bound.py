"""A lower bound on the batch objective that sees the waiting list: a time-bucket relaxation,
bounded by Lagrangian relaxation with the multipliers from column generation.

**The relaxation.** Each location's open periods are cut into buckets no longer than the
shortest visit planned there, so every session that starts in a bucket is still running at the
bucket's last slot: at most that slot's capacity (free chairs and nurse headroom, as in the
CP-SAT cumulative) of sessions start in one bucket. A patient's series becomes a chain of
buckets, one per session; consecutive buckets must allow the spacing between some possible
start in each, and so must the first and last for the span; a bucket costs its cheapest
possible start (delay of the first session, sessions outside the preferred times). Every plan
on the grid is such a chain at no more than its cost, so the relaxation's optimum is a lower
bound on the plan's.

**The bound.** For any tolls μ ≥ 0 on the buckets, each patient alone takes their cheapest
chain with tolls added (or stays out at the unscheduled cost), and

    bound(μ) = Σ_patients min(unscheduled, cheapest chain + tolls) − Σ_buckets μ · capacity

is below every plan's cost (weak duality). It is computed exactly, in integers, so solver
tolerances cannot make it wrong, only weaker. Good tolls come from column generation: a master
LP over the chains found so far gives the bucket duals, a dynamic programme over each patient's
buckets prices the next chains. At convergence the bound equals the time-bucket LP relaxation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from .batch import Workspace
from .chains import NEVER, Slots, range_min
from .greedy import Choice, earliest
from .grid import LocationState, runs
from .search import Candidates, Gaps

TOLL_SCALE = 1000  # tolls in thousandths of an objective unit, so the bound is exact in integers


@dataclass(frozen=True)
class QueueBound:
    """The bound in objective units, the bucket tolls (thousandths of a unit) that give it, how
    many buckets it weighs, the rounds of column generation, whether the LP converged, and the
    time spent."""

    units: int
    tolls: Slots
    buckets: int
    rounds: int
    converged: bool
    time_s: float


@dataclass(frozen=True)
class _Buckets:
    """A location's buckets: the first slot of each, how many sessions may start in each."""

    firsts: Slots
    capacity: Slots

    @classmethod
    def of(cls, state: LocationState, length: int) -> _Buckets:
        capacity = state.capacity()
        firsts: list[int] = []
        limits: list[int] = []
        for lo, hi in runs(state.open):
            for first in range(lo, hi, length):
                # A session of ≥ length slots starting in [first, end) holds the slots
                # end − 1 … first + length − 1, so at most their least capacity start here.
                end = min(first + length, hi)
                firsts.append(first)
                limits.append(int(capacity[end - 1 : first + length].min()))
        return cls(np.array(firsts, dtype=np.int64), np.array(limits, dtype=np.int64))


@dataclass(frozen=True)
class _Layer:
    """One session's possible buckets (as capacity rows), their prices, and for each the range
    [after_lo, after_hi) of the previous session's buckets it may follow."""

    rows: Slots
    price: Slots
    earliest: Slots
    latest: Slots
    after_lo: Slots
    after_hi: Slots


@dataclass(frozen=True)
class _Chain:
    patient: int
    cost: int  # objective units, tolls excluded
    rows: Slots


class _Series:
    """One patient's series at one location, as layers of buckets."""

    def __init__(self, patient: int, layers: list[_Layer], max_span: int | None) -> None:
        self.patient = patient
        self.layers = layers
        self.max_span = max_span

    @classmethod
    def of(
        cls,
        patient: int,
        domains: list[Slots],
        prices: list[Slots],
        buckets: _Buckets,
        first_row: int,
        gaps: Gaps,
    ) -> _Series:
        layers: list[_Layer] = []
        for starts, price in zip(domains, prices, strict=True):
            of = np.searchsorted(buckets.firsts, starts, side="right").astype(np.int64) - 1
            heads = np.flatnonzero(np.concatenate(([True], of[1:] != of[:-1])))
            earliest, latest = starts[heads], np.maximum.reduceat(starts, heads)
            if layers:
                before = layers[-1]
                after_lo = np.searchsorted(before.latest, earliest - gaps.max_gap, side="left")
                after_hi = np.searchsorted(before.earliest, latest - gaps.min_gap, side="right")
            else:
                after_lo = after_hi = np.zeros(heads.size, dtype=np.int64)
            layers.append(
                _Layer(
                    rows=of[heads] + first_row,
                    price=np.minimum.reduceat(price, heads),
                    earliest=earliest,
                    latest=latest,
                    after_lo=after_lo.astype(np.int64),
                    after_hi=after_hi.astype(np.int64),
                )
            )
        return cls(patient, layers, gaps.max_span)

    def cheapest(self, tolls: Slots) -> tuple[int, _Chain | None]:
        """The least cost plus tolls (in toll units) of a chain, and that chain.

        With a span rule, row a of the dynamic programme holds the chains whose first session
        is in the first layer's bucket a, so the last session can be held to the span."""
        first = self.layers[0]
        entry = first.price * TOLL_SCALE + tolls[first.rows]
        if self.max_span is None:
            value = entry[np.newaxis, :]
        else:
            value = np.full((entry.size, entry.size), NEVER, dtype=np.int64)
            np.fill_diagonal(value, entry)
        values = [value]
        for layer in self.layers[1:]:
            reached = range_min(value, layer.after_lo, layer.after_hi)
            value = np.minimum(reached + layer.price * TOLL_SCALE + tolls[layer.rows], NEVER)
            values.append(value)
        if self.max_span is not None:
            late = (
                self.layers[-1].earliest[np.newaxis, :]
                > first.latest[:, np.newaxis] + self.max_span
            )
            value = np.where(late, NEVER, value)
        row, at = np.unravel_index(int(np.argmin(value)), value.shape)
        best = int(value[row, at])
        if best >= NEVER:
            return best, None
        picks = [int(at)]
        for layer, previous in zip(self.layers[:0:-1], values[-2::-1], strict=True):
            lo, hi = int(layer.after_lo[picks[-1]]), int(layer.after_hi[picks[-1]])
            picks.append(lo + int(np.argmin(previous[row, lo:hi])))
        picks.reverse()
        chosen = list(zip(self.layers, picks, strict=True))
        cost = sum(int(layer.price[at]) for layer, at in chosen)
        rows = np.array([int(layer.rows[at]) for layer, at in chosen], dtype=np.int64)
        return best, _Chain(self.patient, cost, rows)


class Relaxation:
    """The time-bucket relaxation of a workspace's problem: each location's buckets as
    capacity rows, and each patient's series over them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.length: dict[str, int] = {}  # bucket length per location: its shortest visit
        for (_, lid), found in workspace.candidates.items():
            self.length[lid] = min(self.length.get(lid, found.gaps.duration), found.gaps.duration)
        self.buckets: dict[str, _Buckets] = {}
        self.first_row: dict[str, int] = {}
        for lid, length in self.length.items():
            self.first_row[lid] = sum(b.firsts.size for b in self.buckets.values())
            self.buckets[lid] = _Buckets.of(workspace.states[lid], length)
        self.capacity = np.concatenate(
            [b.capacity for b in self.buckets.values()] or [np.zeros(0, np.int64)]
        )

    def series(self, found: Candidates, patient: int) -> _Series | None:
        """``found``'s patient at its location as layers of buckets (None when nothing fits)."""
        domains = found.session_starts()
        if domains is None:
            return None
        coefficients, request = self.workspace.coefficients, found.request
        prices = []
        for k, starts in enumerate(domains):
            price = np.zeros(starts.size, dtype=np.int64)
            if k == 0:
                price += coefficients.delay_per_slot * (starts - found.release)
            if request.preferred:
                price += coefficients.off_preference * ~found.preferred[starts]
            prices.append(price)
        lid = found.state.location.id
        return _Series.of(
            patient, domains, prices, self.buckets[lid], self.first_row[lid], found.gaps
        )

    def rows(self, found: Candidates, chain: Slots) -> Slots:
        """The capacity rows of the buckets that ``chain``'s sessions start in."""
        lid = found.state.location.id
        of = np.searchsorted(self.buckets[lid].firsts, chain, side="right") - 1
        return of.astype(np.int64) + self.first_row[lid]

    def guided(self, tolls: Slots) -> Choice:
        """Pick each patient's cheapest bucket chain with ``tolls`` added, made exact on the
        slots still free (the earliest series when the buckets cannot hold it)."""
        fallback = earliest(self.workspace.coefficients)

        def choose(found: Candidates) -> tuple[int, Slots] | None:
            series = self.series(found, 0)
            if series is None:
                return None
            _, cheapest = series.cheapest(tolls)
            chain = None
            if cheapest is not None:
                lid = found.state.location.id
                firsts = self.buckets[lid].firsts[cheapest.rows - self.first_row[lid]]
                mask = np.zeros(found.state.grid.size, dtype=np.bool_)
                for first in firsts.tolist():
                    mask[first : first + self.length[lid]] = True
                chain = found.chain(found.starts(mask))
            if chain is None:
                picked = fallback(found)
                if picked is None:
                    return None
                chain = picked[1]
            cost = found.cost(chain, self.workspace.coefficients)
            return cost * TOLL_SCALE + int(tolls[self.rows(found, chain)].sum()), chain

        return choose


def _master(
    chains: list[_Chain], patients: int, capacity: Slots, unscheduled: int
) -> tuple[float, Slots, np.ndarray] | None:
    """Solve the LP over ``chains``: its value, the bucket tolls (toll units) and the patients'
    duals; None if the LP solver fails."""
    n = len(chains)
    cost = np.array([*(c.cost for c in chains), *([unscheduled] * patients)], dtype=np.float64)
    owners = np.array([c.patient for c in chains] + list(range(patients)), dtype=np.int64)
    a_eq = sparse.csr_array(
        (np.ones(owners.size), (owners, np.arange(owners.size))), shape=(patients, owners.size)
    )
    rows = np.concatenate([c.rows for c in chains]) if chains else np.zeros(0, np.int64)
    columns = np.repeat(np.arange(n), [c.rows.size for c in chains])
    a_ub = sparse.csr_array(
        (np.ones(rows.size), (rows, columns)), shape=(capacity.size, owners.size)
    )
    result = optimize.linprog(
        cost,
        A_ub=a_ub,
        b_ub=capacity.astype(np.float64),
        A_eq=a_eq,
        b_eq=np.ones(patients),
        bounds=(0, None),
        method="highs",
    )
    if result.status != 0:
        return None
    tolls = np.floor(np.maximum(-result.ineqlin.marginals, 0.0) * TOLL_SCALE).astype(np.int64)
    return float(result.fun), tolls, np.asarray(result.eqlin.marginals)


def queue_bound(
    relaxation: Relaxation, time_limit_s: float = 10.0, max_rounds: int = 200
) -> QueueBound:
    """A lower bound on the objective of every plan for the relaxation's problem, with the
    bucket tolls that give it."""
    began = time.perf_counter()
    workspace, capacity = relaxation.workspace, relaxation.capacity
    unscheduled = workspace.coefficients.unscheduled
    series: list[_Series] = []
    patients, fixed = 0, 0
    for request in workspace.problem.requests:
        mine = [
            relaxation.series(workspace.candidates[(request.patient_id, location.id)], patients)
            for location in workspace.problem.allowed(request)
        ]
        if any(mine):
            series += [one for one in mine if one is not None]
            patients += 1
        else:
            fixed += unscheduled
    chains: list[_Chain] = []
    tolls = np.zeros(capacity.size, dtype=np.int64)
    duals = np.full(patients, float(unscheduled))
    best_bound, best_tolls, rounds, converged = fixed, tolls, 0, patients == 0
    while not converged and rounds < max_rounds:
        rounds += 1
        cheapest = np.full(patients, unscheduled * TOLL_SCALE, dtype=np.int64)
        priced = 0
        for one in series:
            price, chain = one.cheapest(tolls)
            cheapest[one.patient] = min(cheapest[one.patient], price)
            if chain is not None and price < (duals[one.patient] - 1e-6) * TOLL_SCALE:
                chains.append(chain)
                priced += 1
        bound = fixed + -(-(int(cheapest.sum()) - int(tolls @ capacity)) // TOLL_SCALE)
        if bound >= best_bound:
            best_bound, best_tolls = bound, tolls
        if priced == 0 or time.perf_counter() - began > time_limit_s:
            converged = priced == 0
            break
        solved = _master(chains, patients, capacity, unscheduled)
        if solved is None:
            break
        lp_value, tolls, duals = solved
        if fixed + lp_value - best_bound < 1:  # the LP cannot raise the bound by a whole unit
            converged = True
    return QueueBound(
        units=best_bound,
        tolls=best_tolls,
        buckets=capacity.size,
        rounds=rounds,
        converged=converged,
        time_s=time.perf_counter() - began,
    )
