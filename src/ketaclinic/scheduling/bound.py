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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from .batch import Workspace
from .chains import NEVER, Slots, range_min
from .greedy import Choice, earliest
from .grid import LocationState, Mask, runs
from .search import Candidates

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
class Buckets:
    """A location's buckets: the first slot of each and how many sessions may start in each.
    When ``exact``, sessions may start only at a bucket's first slot (seats, see seats.py)."""

    firsts: Slots
    capacity: Slots
    exact: bool = False

    @classmethod
    def of(cls, state: LocationState, length: int) -> Buckets:
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

    def mask(self, size: int) -> Mask | None:
        """The slots where sessions may start: the first slots when exact, else None (any)."""
        if not self.exact:
            return None
        mask = np.zeros(size, dtype=np.bool_)
        mask[self.firsts] = True
        return mask


# How a location is cut into buckets, given its state and the shortest visit planned there.
Layout = Callable[[LocationState, int], Buckets]


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
class Chain:
    """A series as buckets, one per session (capacity rows), the earliest possible start in
    each (the start itself on seats), and its cost without tolls."""

    series: _Series
    patient: int
    cost: int  # objective units, tolls excluded
    rows: Slots
    slots: Slots


class _Series:
    """One patient's series at one location, as layers of buckets."""

    def __init__(
        self, found: Candidates, patient: int, layers: list[_Layer], max_span: int | None
    ) -> None:
        self.found = found
        self.patient = patient
        self.layers = layers
        self.max_span = max_span

    @classmethod
    def of(
        cls,
        found: Candidates,
        patient: int,
        domains: list[Slots],
        prices: list[Slots],
        buckets: Buckets,
        first_row: int,
    ) -> _Series:
        gaps = found.gaps
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
        return cls(found, patient, layers, found.gaps.max_span)

    def cheapest(self, tolls: Slots) -> tuple[int, Chain | None]:
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
        return best, self._chain(picks)

    def chain(self, slots: Slots) -> Chain | None:
        """The chain through the buckets that hold ``slots`` (one start per session), or None
        when one of them is not a possible start of this series."""
        picks = []
        for layer, slot in zip(self.layers, slots.tolist(), strict=True):
            at = int(np.searchsorted(layer.earliest, slot, side="right")) - 1
            if at < 0 or layer.latest[at] < slot:
                return None
            picks.append(at)
        return self._chain(picks)

    def _chain(self, picks: list[int]) -> Chain:
        chosen = list(zip(self.layers, picks, strict=True))
        cost = sum(int(layer.price[at]) for layer, at in chosen)
        rows = np.array([int(layer.rows[at]) for layer, at in chosen], dtype=np.int64)
        slots = np.array([int(layer.earliest[at]) for layer, at in chosen], dtype=np.int64)
        return Chain(self, self.patient, cost, rows, slots)


class Relaxation:
    """The time-bucket relaxation of a workspace's problem: each location's buckets as
    capacity rows, and each patient's series over them."""

    def __init__(self, workspace: Workspace, layout: Layout = Buckets.of) -> None:
        self.workspace = workspace
        self.length: dict[str, int] = {}  # bucket length per location: its shortest visit
        for (_, lid), found in workspace.candidates.items():
            self.length[lid] = min(self.length.get(lid, found.gaps.duration), found.gaps.duration)
        self.buckets: dict[str, Buckets] = {}
        self.first_row: dict[str, int] = {}
        for lid, length in self.length.items():
            self.first_row[lid] = sum(b.firsts.size for b in self.buckets.values())
            self.buckets[lid] = layout(workspace.states[lid], length)
        self.capacity = np.concatenate(
            [b.capacity for b in self.buckets.values()] or [np.zeros(0, np.int64)]
        )

    def series(self, found: Candidates, patient: int) -> _Series | None:
        """``found``'s patient at its location as layers of buckets (None when nothing fits)."""
        lid = found.state.location.id
        domains = found.session_starts(self.buckets[lid].mask(found.state.grid.size))
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
        return _Series.of(found, patient, domains, prices, self.buckets[lid], self.first_row[lid])

    def rows(self, found: Candidates, chain: Slots) -> Slots:
        """The capacity rows of the buckets that ``chain``'s sessions start in."""
        return self.rows_at(found.state.location.id, chain)

    def rows_at(self, lid: str, slots: Slots) -> Slots:
        """The capacity rows of the buckets of location ``lid`` that hold ``slots``."""
        of = np.searchsorted(self.buckets[lid].firsts, slots, side="right") - 1
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


@dataclass(frozen=True)
class Master:
    """The master LP over some chains: its value, the bucket tolls (toll units), the patients'
    duals and how much of each chain it takes."""

    value: float
    tolls: Slots
    duals: npt.NDArray[np.float64]
    taken: npt.NDArray[np.float64]


def _master(chains: list[Chain], patients: int, capacity: Slots, unscheduled: int) -> Master | None:
    """Solve the LP over ``chains`` (or leaving patients out); None if the LP solver fails."""
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
        # Interior point without presolve: 3–5× faster than simplex on these masters.
        method="highs-ipm",
        options={"presolve": False},
    )
    if result.status != 0:
        return None
    tolls = np.floor(np.maximum(-result.ineqlin.marginals, 0.0) * TOLL_SCALE).astype(np.int64)
    return Master(float(result.fun), tolls, np.asarray(result.eqlin.marginals), result.x[:n])


@dataclass
class Generation:
    """Column generation on some patients' series over some capacity: the chains priced so
    far, the best Lagrangian bound and its tolls, and the last master LP."""

    series: list[_Series]
    patients: int
    capacity: Slots
    unscheduled: int
    chains: list[Chain]
    bound: int = 0
    tolls: Slots | None = None
    rounds: int = 0
    converged: bool = False
    master: Master | None = None

    def run(self, deadline: float, tolls: Slots | None = None, max_rounds: int = 200) -> None:
        """Price and re-solve until no chain prices out, ``max_rounds`` or ``deadline``
        (a perf_counter time); ``tolls`` seed the first pricing round."""
        capacity, unscheduled = self.capacity, self.unscheduled
        tolls = np.zeros(capacity.size, dtype=np.int64) if tolls is None else tolls
        duals = (
            np.full(self.patients, float(unscheduled)) if self.master is None else self.master.duals
        )
        self.tolls = tolls if self.tolls is None else self.tolls
        self.converged = not self.series
        while not self.converged and self.rounds < max_rounds:
            self.rounds += 1
            cheapest = np.full(self.patients, unscheduled * TOLL_SCALE, dtype=np.int64)
            priced = 0
            for one in self.series:
                price, chain = one.cheapest(tolls)
                cheapest[one.patient] = min(cheapest[one.patient], price)
                if chain is not None and price < (duals[one.patient] - 1e-6) * TOLL_SCALE:
                    self.chains.append(chain)
                    priced += 1
            bound = -(-(int(cheapest.sum()) - int(tolls @ capacity)) // TOLL_SCALE)
            if bound >= self.bound:
                self.bound, self.tolls = bound, tolls
            if priced == 0 or time.perf_counter() > deadline:
                self.converged = priced == 0
                break
            solved = _master(self.chains, self.patients, capacity, unscheduled)
            if solved is None:
                break
            self.master, tolls, duals = solved, solved.tolls, solved.duals
            if solved.value - self.bound < 1:  # the LP cannot raise the bound by a whole unit
                self.converged = True


def queue_bound(
    relaxation: Relaxation,
    time_limit_s: float = 10.0,
    max_rounds: int = 200,
    start_chains: Iterable[Chain] = (),
) -> QueueBound:
    """A lower bound on the objective of every plan for the relaxation's problem, with the
    bucket tolls that give it. ``start_chains`` (plans of single series, from any relaxation
    of the same problem, e.g. the seats') seed the column generation."""
    return generate_columns(relaxation, time_limit_s, max_rounds, start_chains)[0]


def generate_columns(
    relaxation: Relaxation,
    time_limit_s: float = 10.0,
    max_rounds: int = 200,
    start_chains: Iterable[Chain] = (),
) -> tuple[QueueBound, Generation]:
    """The queue bound, and the column generation that gave it (see ``queue_bound``)."""
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
    generation = Generation(series, patients, capacity, unscheduled, _adopt(series, start_chains))
    tolls = None
    if generation.chains:
        generation.master = _master(generation.chains, patients, capacity, unscheduled)
        tolls = None if generation.master is None else generation.master.tolls
    generation.run(began + time_limit_s, tolls, max_rounds)
    assert generation.tolls is not None
    found = QueueBound(
        units=fixed + generation.bound,
        tolls=generation.tolls,
        buckets=capacity.size,
        rounds=generation.rounds,
        converged=generation.converged,
        time_s=time.perf_counter() - began,
    )
    return found, generation


def _adopt(series: list[_Series], chains: Iterable[Chain]) -> list[Chain]:
    """``chains`` (from any relaxation) as chains of ``series``, where their starts fit."""
    keyed = {(one.found.request.patient_id, one.found.state.location.id): one for one in series}
    adopted = []
    for chain in chains:
        found = chain.series.found
        one = keyed.get((found.request.patient_id, found.state.location.id))
        mine = None if one is None else one.chain(chain.slots)
        if mine is not None:
            adopted.append(mine)
    return adopted
