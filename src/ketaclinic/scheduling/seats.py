"""The seat planner: a primal heuristic on a restricted grid where the bucket relaxation is exact.

**Seats.** Each location's open periods are tiled with back-to-back seats as long as its
longest visit; a session may start only at a seat's first slot. Seats never overlap, so a plan
in which each seat holds at most its capacity (chairs free for the whole seat, capped by the
nurse headroom) is a plan on the real grid, chairs and all. Where a period does not divide
into whole seats, the spare slots go into the gap that puts the most seats on times patients
can come (and prefer).

**Search**: ``seat_columns`` runs column generation on the seats (bound.py); its chains
also seed the queue bound's. Then ``seat_plan``, within a deadline:
1. A dive on its LP: fix the chains the LP takes wholly (or else the most taken few), re-solve
   the LP on the seats left with a few rounds of pricing, repeat. Patients still open at the
   end take their cheapest chain on the seats left, in referral order.
2. Large-neighbourhood search: free the seats of a patient who waits (picked in proportion to
   their cost) and of a few patients sitting in the seats before theirs, re-place them in
   referral order, each on their cheapest chain; keep the change unless it costs more.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

import numpy as np

from .batch import Workspace
from .bookings import Appointment
from .bound import Buckets, Chain, Generation, Layout, Relaxation, generate_columns
from .chains import Slots
from .grid import LocationState, runs
from .objective import UNITS_PER_H

FULL = np.int64(10**12)  # the toll of a seat with no room left, in toll units


def seat_layout(workspace: Workspace) -> Layout:
    """Seats for each location, laid out where the workspace's patients can come."""
    length: dict[str, int] = {}
    demand: dict[str, Slots] = {}
    for (_, lid), found in workspace.candidates.items():
        length[lid] = max(length.get(lid, 0), found.gaps.duration)
        able = found.stages[-1].astype(np.int64)
        demand[lid] = demand.get(lid, 0) + able + (able & found.preferred)

    def layout(state: LocationState, _: int) -> Buckets:
        lid = state.location.id
        seat, wanted = length[lid], demand[lid]
        firsts: list[int] = []
        for lo, hi in runs(state.open):
            seats, spare = divmod(hi - lo, seat)
            options = [
                [lo + k * seat + (spare if k >= gap else 0) for k in range(seats)]
                for gap in range(seats, -1, -1)  # on a tie, the spare slots go last
            ]
            firsts += max(options, key=lambda option: sum(int(wanted[at]) for at in option))
        capacity = [
            max(
                0,
                min(
                    int((~state.busy[:, first : first + seat].any(axis=1)).sum()),
                    int(state.headroom[first : first + seat].min()),
                ),
            )
            for first in firsts
        ]
        return Buckets(
            np.array(firsts, dtype=np.int64), np.array(capacity, dtype=np.int64), exact=True
        )

    return layout


class SeatSearch:
    """A plan on seats: each patient's chain, built by a dive on the seat LP and improved by
    large-neighbourhood search."""

    def __init__(self, workspace: Workspace, generation: Generation, relaxation: Relaxation):
        self.workspace = workspace
        self.relaxation = relaxation
        self.generation = generation
        self.unscheduled = workspace.coefficients.unscheduled
        self.options: list[list[int]] = [[] for _ in range(generation.patients)]
        for number, one in enumerate(generation.series):
            self.options[one.patient].append(number)
        self.release = [min(generation.series[n].found.release for n in o) for o in self.options]
        self.chosen: list[Chain | None] = [None] * generation.patients
        self.free = relaxation.capacity.copy()

    def cost(self, patients: Iterable[int] | None = None) -> int:
        """The objective of ``patients`` (by default all) in units."""
        chosen = self.chosen if patients is None else [self.chosen[p] for p in patients]
        return sum(self.unscheduled if c is None else c.cost for c in chosen)

    def _take(self, chain: Chain) -> None:
        self.chosen[chain.patient] = chain
        self.free[chain.rows] -= 1

    def _drop(self, patient: int) -> None:
        chain = self.chosen[patient]
        if chain is not None:
            self.free[chain.rows] += 1
        self.chosen[patient] = None

    def _insert(self, patient: int) -> None:
        """Give ``patient`` their cheapest chain on the seats still free, if any."""
        blocked = np.where(self.free > 0, 0, FULL)
        best: Chain | None = None
        for number in self.options[patient]:
            price, chain = self.generation.series[number].cheapest(blocked)
            if chain is not None and price < FULL and (best is None or chain.cost < best.cost):
                best = chain
        if best is not None and best.cost < self.unscheduled:
            self._take(best)

    def dive(
        self,
        deadline: float,
        share: float = 0.1,
        rounds: int = 3,
        slack: float = 0.001,
        tries: int = 6,
    ) -> None:
        """Round the LP: fix the chains it takes wholly (at least ``share`` of the patients
        still open, the most taken first, more as the deadline nears), re-solve it on the seats
        left with up to ``rounds`` rounds of pricing, and repeat; then the patients left take
        their cheapest chain. A step that raises the estimate (the fixed chains' cost plus the
        LP of the rest) by more than ``slack`` of it and an hour is undone; then the most taken
        chains are tried one at a time, up to ``tries``, and the one that raises the estimate
        least is fixed."""
        generation = self.generation
        open_ = set(range(generation.patients))
        estimate = generation.master.value if generation.master is not None else math.inf
        step_s = 0.0
        while open_ and generation.master is not None and time.perf_counter() < deadline:
            began, master = time.perf_counter(), generation.master
            steps_left = max((deadline - began) // step_s, 1) if step_s else len(open_)
            quota = max(
                int((master.taken >= 1 - 1e-6).sum()),
                math.ceil(len(open_) * share),
                math.ceil(len(open_) / steps_left),  # fewer, bigger steps when time is short
            )
            order = [
                generation.chains[number]
                for number in np.argsort(-master.taken, kind="stable").tolist()
                if master.taken[number] > 1e-6
            ]
            taken = self._fix(order, open_, quota)
            if not taken:
                break
            step = self._rest(generation, open_, deadline, rounds)
            limit = estimate * (1 + slack) + UNITS_PER_H
            if step[1] > limit and time.perf_counter() < deadline:
                self._unfix(taken, open_)
                step = self._backtrack(order, generation, open_, deadline, rounds, tries, limit)
            generation, estimate = step
            step_s = max(step_s, time.perf_counter() - began)
        for patient in sorted(open_, key=lambda p: self.release[p]):
            self._insert(patient)

    def _fix(self, order: list[Chain], open_: set[int], quota: int) -> list[Chain]:
        """Fix up to ``quota`` chains of open patients from ``order`` that still fit."""
        taken: list[Chain] = []
        for chain in order:
            if len(taken) >= quota:
                break
            if chain.patient in open_ and np.all(self.free[chain.rows] > 0):
                self._take(chain)
                open_.discard(chain.patient)
                taken.append(chain)
        return taken

    def _unfix(self, taken: list[Chain], open_: set[int]) -> None:
        for chain in taken:
            self._drop(chain.patient)
            open_.add(chain.patient)

    def _rest(
        self, generation: Generation, open_: set[int], deadline: float, rounds: int
    ) -> tuple[Generation, float]:
        """The LP on the seats left for the open patients (priced from ``generation``'s tolls),
        and the estimate: the fixed chains' cost plus that LP's value (inf without an LP)."""
        assert generation.master is not None
        rest = Generation(
            [one for one in generation.series if one.patient in open_],
            generation.patients,
            self.free.copy(),
            self.unscheduled,
            [c for c in generation.chains if c.patient in open_],
        )
        rest.run(deadline, generation.master.tolls, rounds)
        if rest.master is None:
            return rest, math.inf
        fixed = [chain for chain in self.chosen if chain is not None]
        # The LP still counts a fixed patient as left out; take that back.
        value = rest.master.value - self.unscheduled * len(fixed)
        return rest, sum(chain.cost for chain in fixed) + value

    def _backtrack(
        self,
        order: list[Chain],
        generation: Generation,
        open_: set[int],
        deadline: float,
        rounds: int,
        tries: int,
        limit: float,
    ) -> tuple[Generation, float]:
        """Try the chains of ``order`` one at a time, up to ``tries``, stopping at one that keeps
        the estimate within ``limit``; fix the best and return the LP after it."""
        best: tuple[Chain, Generation, float] | None = None
        for chain in order:
            if tries == 0 or (best is not None and best[2] <= limit):
                break
            if not self._fix([chain], open_, 1):
                continue
            tries -= 1
            rest, value = self._rest(generation, open_, deadline, rounds)
            if best is None or value < best[2]:
                best = (chain, rest, value)
            self._unfix([chain], open_)
        assert best is not None  # the step just undone fixed at least one of these chains
        self._fix([best[0]], open_, 1)
        return best[1], best[2]

    def _seats_before(self, patient: int) -> list[tuple[int, int]]:
        """The capacity rows [lo, hi) of the seats before ``patient``'s first session at its
        location, or of every location it may use when it is left out."""
        chain, first_row = self.chosen[patient], self.relaxation.first_row
        if chain is not None:
            return [(first_row[chain.series.found.state.location.id], int(chain.rows[0]))]
        spans = []
        for number in self.options[patient]:
            lid = self.generation.series[number].found.state.location.id
            spans.append(
                (first_row[lid], first_row[lid] + self.relaxation.buckets[lid].firsts.size)
            )
        return spans

    def improve(self, deadline: float, seed: int = 0, group: int = 7, patience: int = 2000) -> None:
        """Large-neighbourhood search until ``deadline``, or ``patience`` tries in a row
        without a gain: free a patient picked in proportion to their cost and ``group`` − 1 of
        those sitting in the seats before theirs; re-place that patient first, then the others
        in referral order; keep the change unless it costs more."""
        rng = np.random.default_rng(seed)
        best, tries = self.cost(), 0
        while tries < patience and time.perf_counter() < deadline:
            tries += 1
            costs = np.array([self.cost((p,)) for p in range(len(self.chosen))], np.float64)
            if costs.sum() <= 0:
                return
            target = int(rng.choice(costs.size, p=costs / costs.sum()))
            spans = self._seats_before(target)
            before = [
                p
                for p, chain in enumerate(self.chosen)
                if p != target
                and chain is not None
                and any(bool(np.any((chain.rows >= lo) & (chain.rows < hi))) for lo, hi in spans)
            ]
            if not before:
                continue
            picked = rng.choice(before, size=min(group - 1, len(before)), replace=False).tolist()
            members = [target, *picked]
            was = [self.chosen[p] for p in members]
            old = self.cost(members)
            for patient in members:
                self._drop(patient)
            for patient in [target, *sorted(picked, key=lambda p: self.release[p])]:
                self._insert(patient)
            if self.cost(members) > old:
                for patient in members:
                    self._drop(patient)
                for chain in was:
                    if chain is not None:
                        self._take(chain)
            elif self.cost() < best:
                best, tries = self.cost(), 0

    def appointments(self) -> list[Appointment]:
        """The plan as appointments on chairs (placed on a fresh copy of the locations)."""
        states = self.workspace.problem.states(self.workspace.grid)
        result: list[Appointment] = []
        for chain in self.chosen:
            if chain is not None:
                found = chain.series.found
                result += found.place(chain.slots, states[found.state.location.id])
        return result


def seat_columns(workspace: Workspace, time_limit_s: float) -> tuple[Relaxation, Generation]:
    """The seats and column generation on them, within ``time_limit_s``."""
    relaxation = Relaxation(workspace, seat_layout(workspace))
    return relaxation, generate_columns(relaxation, time_limit_s)[1]


def seat_plan(
    workspace: Workspace,
    seats: Relaxation,
    generation: Generation,
    deadline: float,
    seed: int = 0,
) -> list[Appointment]:
    """The seat planner's plan by ``deadline`` (a perf_counter time), from the column
    generation on ``seats``: the dive up to 90 % of the time left, large-neighbourhood search
    after."""
    began = time.perf_counter()
    search = SeatSearch(workspace, generation, seats)
    search.dive(began + 0.9 * max(deadline - began, 0.0))
    search.improve(deadline, seed)
    return search.appointments()
