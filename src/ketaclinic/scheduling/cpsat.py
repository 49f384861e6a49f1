"""The batch planner on OR-Tools CP-SAT.

Hard constraints: each session starts where its location is open for the whole visit and the
patient can attend (the variable domains); per location, sessions at once never exceed the free
chairs nor the nurse headroom (a cumulative over a capacity profile); the series spacing and
span. Chairs that already hold a booking in the horizon are "pinned": a session sits on one of
them (no overlap per chair) or in the pool of the other, interchangeable chairs, whose seats are
given out after solving, earliest start first (which always succeeds for identical chairs).
A patient may stay unscheduled at a high cost, so a plan always exists.
Objective (minimised, data/scheduling.toml weights): patients left out, delay of each series'
first session, sessions outside preferred times. The queue bound (bound.py) is added as
objective ≥ bound; the cheapest of the greedy, toll-guided greedy and seat plans is the hint.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from .batch import BatchPlan, BatchProblem, SolutionEvent, Workspace
from .bookings import Appointment
from .bound import Relaxation, queue_bound
from .greedy import greedy_appointments
from .grid import runs
from .objective import UNITS_PER_H
from .policy import SchedulingPolicy, scheduling_policy
from .search import Candidates
from .seats import seat_columns, seat_plan
from .series import SeriesRequest

POOL = ""  # the seat key of a location's interchangeable chairs
COLUMN_SHARE = 0.3  # at most this share of the time limit goes to column generation on seats
BOUND_SHARE = 0.45  # the queue bound, seeded with the seats' chains, ends by this share
SEAT_SHARE = 0.9  # the seat planner ends by this share of the time limit; CP-SAT goes on

Domains = list[npt.NDArray[np.int64]]


@dataclass
class _Patient:
    request: SeriesRequest
    scheduled: cp_model.IntVar
    locations: dict[str, cp_model.IntVar]
    starts: list[cp_model.IntVar]
    delay: cp_model.IntVar
    earliest: list[int]
    seats: dict[tuple[int, str, str], cp_model.IntVar] = field(default_factory=dict)
    off: list[cp_model.IntVar] = field(default_factory=list)


def _domain(values: npt.NDArray[np.int64]) -> cp_model.Domain:
    return cp_model.Domain.from_values(values.tolist())


class _Model:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.model = cp_model.CpModel()
        self.patients: list[_Patient] = []
        self.pinned = {
            lid: tuple(chair for chair, row in state.chair_index.items() if state.busy[row].any())
            for lid, state in workspace.states.items()
        }
        self.location_intervals: dict[str, list[cp_model.IntervalVar]] = {}
        self.seat_intervals: dict[tuple[str, str], list[cp_model.IntervalVar]] = {}
        self.cost: list[cp_model.LinearExprT] = []
        self.fixed_cost = 0
        for request in workspace.problem.requests:
            self._add_patient(request)
        self._add_pinned_chairs()
        self._add_capacity()
        self.objective = sum(self.cost) + self.fixed_cost
        self.model.minimize(self.objective)

    def _options(self, request: SeriesRequest) -> dict[str, tuple[Candidates, Domains]]:
        """Per allowed location, each session's possible starts (only full chains kept)."""
        options = {}
        for location in self.workspace.problem.allowed(request):
            found = self.workspace.candidates[(request.patient_id, location.id)]
            domains = found.session_starts()
            if domains is not None:
                options[location.id] = (found, domains)
        return options

    def _add_patient(self, request: SeriesRequest) -> None:
        model, coefficients = self.model, self.workspace.coefficients
        options = self._options(request)
        if not options:
            self.fixed_cost += coefficients.unscheduled
            return
        name = request.patient_id
        scheduled = model.new_bool_var(f"{name}/scheduled")
        if len(options) == 1:
            locations = {next(iter(options)): scheduled}
        else:
            locations = {lid: model.new_bool_var(f"{name}@{lid}") for lid in options}
            model.add(sum(locations.values()) == scheduled)
        first = next(iter(options.values()))[0]
        gaps = first.gaps
        starts, earliest = [], []
        for k in range(request.series.count):
            values = np.unique(np.concatenate([domains[k] for _, domains in options.values()]))
            earliest.append(int(values[0]))
            start = model.new_int_var_from_domain(_domain(values), f"{name}/{k + 1}")
            if len(options) > 1:
                for lid, (_, domains) in options.items():
                    model.add_linear_expression_in_domain(
                        start, _domain(domains[k])
                    ).only_enforce_if(locations[lid])
            starts.append(start)
        for before, after in itertools.pairwise(starts):
            model.add(after - before >= gaps.min_gap).only_enforce_if(scheduled)
            model.add(after - before <= gaps.max_gap).only_enforce_if(scheduled)
        if gaps.max_span is not None:
            model.add(starts[-1] - starts[0] <= gaps.max_span).only_enforce_if(scheduled)
        delay = model.new_int_var(0, self.workspace.grid.size, f"{name}/delay")
        model.add(delay == starts[0] - first.release).only_enforce_if(scheduled)
        model.add(delay == 0).only_enforce_if(~scheduled)
        # Redundant, for the bound: a scheduled series waits at least until its earliest start.
        model.add(delay >= (earliest[0] - first.release) * scheduled)
        patient = _Patient(request, scheduled, locations, starts, delay, earliest)
        for lid in options:
            self._add_sessions(patient, lid, gaps.duration)
        self.cost.append(coefficients.delay_per_slot * delay)
        self.cost.append(coefficients.unscheduled * (1 - scheduled))
        if request.preferred:
            self._add_preferences(patient, options)
        self.patients.append(patient)

    def _add_sessions(self, patient: _Patient, lid: str, duration: int) -> None:
        """The sessions' intervals at ``lid``; their seats when the location has pinned chairs."""
        model, name = self.model, patient.request.patient_id
        pinned = self.pinned[lid]
        for k, start in enumerate(patient.starts):
            self.location_intervals.setdefault(lid, []).append(
                model.new_optional_fixed_size_interval_var(
                    start, duration, patient.locations[lid], f"{name}/{k + 1}@{lid}"
                )
            )
            if not pinned:
                continue
            seats = []
            for chair in (*pinned, POOL):
                seated = model.new_bool_var(f"{name}/{k + 1}@{lid}/{chair}")
                seats.append(seated)
                patient.seats[(k, lid, chair)] = seated
                self.seat_intervals.setdefault((lid, chair), []).append(
                    model.new_optional_fixed_size_interval_var(start, duration, seated, "")
                )
            model.add(sum(seats) == patient.locations[lid])

    def _add_preferences(
        self, patient: _Patient, options: dict[str, tuple[Candidates, Domains]]
    ) -> None:
        model = self.model
        for k, start in enumerate(patient.starts):
            off = model.new_bool_var(f"{patient.request.patient_id}/{k + 1}/off_preference")
            for lid, (found, domains) in options.items():
                inside = domains[k][found.preferred[domains[k]]]
                if inside.size == 0:
                    model.add_bool_or([~patient.locations[lid], off])
                else:
                    model.add_linear_expression_in_domain(start, _domain(inside)).only_enforce_if(
                        [patient.locations[lid], ~off]
                    )
            patient.off.append(off)
            self.cost.append(self.workspace.coefficients.off_preference * off)

    def _add_pinned_chairs(self) -> None:
        """No overlap on a pinned chair (its bookings included); the pool holds its chair count."""
        for (lid, chair), intervals in self.seat_intervals.items():
            state = self.workspace.states[lid]
            if chair == POOL:
                pool = len(state.chair_index) - len(self.pinned[lid])
                self.model.add_cumulative(intervals, [1] * len(intervals), pool)
                continue
            taken = [
                self.model.new_fixed_size_interval_var(lo, hi - lo, f"{chair}/taken/{lo}")
                for lo, hi in runs(state.busy[state.chair_index[chair]])
            ]
            self.model.add_no_overlap(intervals + taken)

    def _add_capacity(self) -> None:
        """Per location, sessions at once ≤ free chairs and ≤ nurse headroom, slot by slot."""
        for lid, intervals in self.location_intervals.items():
            state = self.workspace.states[lid]
            capacity = state.capacity()
            peak = int(capacity.max())
            blockers, demands = [], []
            changes = np.flatnonzero(np.diff(capacity)) + 1
            bounds = [0, *changes.tolist(), capacity.size]
            for lo, hi in itertools.pairwise(bounds):
                if capacity[lo] < peak:
                    blockers.append(self.model.new_fixed_size_interval_var(lo, hi - lo, ""))
                    demands.append(peak - int(capacity[lo]))
            self.model.add_cumulative(intervals + blockers, [1] * len(intervals) + demands, peak)

    def hint(self, appointments: list[Appointment]) -> None:
        """Start the search from ``appointments`` (the greedy plan)."""
        workspace, model = self.workspace, self.model
        by_patient: dict[str, list[Appointment]] = {}
        for appointment in appointments:
            by_patient.setdefault(appointment.patient_id, []).append(appointment)
        for patient in self.patients:
            name = patient.request.patient_id
            sessions = sorted(by_patient.get(name, []), key=lambda a: a.session)
            model.add_hint(patient.scheduled, bool(sessions))
            for lid, literal in patient.locations.items():
                if literal is not patient.scheduled:
                    model.add_hint(literal, bool(sessions) and sessions[0].location_id == lid)
            for (k, lid, chair), seated in patient.seats.items():
                taken = bool(sessions) and sessions[k].location_id == lid
                sits = sessions[k].chair_id in self.pinned[lid] if taken else False
                model.add_hint(
                    seated,
                    taken and (sessions[k].chair_id == chair or (chair == POOL and not sits)),
                )
            if not sessions:
                for start, value in zip(patient.starts, patient.earliest, strict=True):
                    model.add_hint(start, value)
                model.add_hint(patient.delay, 0)
                for off in patient.off:
                    model.add_hint(off, False)
                continue
            found = workspace.candidates[(name, sessions[0].location_id)]
            slots = [workspace.slot(a) for a in sessions]
            for start, slot in zip(patient.starts, slots, strict=True):
                model.add_hint(start, slot)
            model.add_hint(patient.delay, slots[0] - found.release)
            for off, slot in zip(patient.off, slots if patient.off else [], strict=True):
                model.add_hint(off, not found.preferred[slot])

    def appointments(self, solver: cp_model.CpSolver) -> list[Appointment]:
        """The solved sessions; pool seats are given out by start time on the free chairs."""
        placed: list[tuple[int, Candidates, int, str]] = []  # start slot, candidates, session, seat
        for patient in self.patients:
            if not solver.boolean_value(patient.scheduled):
                continue
            name = patient.request.patient_id
            lid = next(lid for lid, lit in patient.locations.items() if solver.boolean_value(lit))
            found = self.workspace.candidates[(name, lid)]
            for k, variable in enumerate(patient.starts):
                seat = next(
                    (
                        chair
                        for chair in self.pinned[lid]
                        if solver.boolean_value(patient.seats[(k, lid, chair)])
                    ),
                    POOL,
                )
                placed.append((solver.value(variable), found, k, seat))
        pool_free: dict[str, dict[str, int]] = {
            lid: {c: 0 for c in state.chair_index if c not in self.pinned[lid]}
            for lid, state in self.workspace.states.items()
        }
        chosen: dict[tuple[str, int], tuple[int, str]] = {}
        for slot, found, k, seat in sorted(placed, key=lambda item: item[0]):
            chair_id = seat
            if seat == POOL:
                free = pool_free[found.state.location.id]
                chair_id = next(chair for chair, ready in free.items() if ready <= slot)
                free[chair_id] = slot + found.gaps.duration
            chosen[(found.request.patient_id, k)] = (slot, chair_id)
        result: list[Appointment] = []
        for patient in self.patients:
            name = patient.request.patient_id
            if (name, 0) not in chosen:
                continue
            lid = next(lid for lid, lit in patient.locations.items() if solver.boolean_value(lit))
            sessions = [chosen[(name, k)] for k in range(len(patient.starts))]
            result += self.workspace.candidates[(name, lid)].describe(
                [start for start, _ in sessions], [seat for _, seat in sessions]
            )
        return result


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, patients: list[_Patient], began: float, floor_units: int) -> None:
        super().__init__()
        self.patients = patients
        self.began = began
        self.floor_units = floor_units
        self.events: list[SolutionEvent] = []

    def on_solution_callback(self) -> None:
        self.events.append(
            SolutionEvent(
                time_s=time.perf_counter() - self.began,
                objective_h=self.objective_value / UNITS_PER_H,
                bound_h=max(self.best_objective_bound, self.floor_units) / UNITS_PER_H,
                scheduled_patients=sum(self.boolean_value(p.scheduled) for p in self.patients),
            )
        )


def plan_cp_sat(
    problem: BatchProblem,
    policy: SchedulingPolicy | None = None,
    time_limit_s: float = 10.0,
    num_workers: int = 2,
    random_seed: int = 0,
) -> BatchPlan:
    """The best plan found within ``time_limit_s`` in all, with its bound and progress.

    First the greedy plan; column generation on the seats (seats.py) in up to COLUMN_SHARE of
    the time; the queue bound (bound.py), its column generation seeded with the seats' chains,
    by BOUND_SHARE, and the greedy plan guided by its bucket tolls; the seat planner's dive and
    search until SEAT_SHARE of the time; then CP-SAT for the rest of the time, from the
    cheapest of the three plans, knowing the bound. Event times count from the start of this
    call.
    """
    began = time.perf_counter()
    workspace = Workspace(problem, policy or scheduling_policy())
    events: list[SolutionEvent] = []

    def found(appointments: list[Appointment], bound_units: int) -> None:
        events.append(
            SolutionEvent(
                time_s=time.perf_counter() - began,
                objective_h=workspace.cost(appointments) / UNITS_PER_H,
                bound_h=bound_units / UNITS_PER_H,
                scheduled_patients=len({a.patient_id for a in appointments}),
            )
        )

    greedy = greedy_appointments(workspace)
    found(greedy, 0)
    seats, columns = seat_columns(workspace, time_limit_s * COLUMN_SHARE)
    relaxation = Relaxation(workspace)
    left_s = time_limit_s * BOUND_SHARE - (time.perf_counter() - began)
    queue = queue_bound(relaxation, max(left_s, 0.0), start_chains=columns.chains)
    guided = greedy_appointments(workspace, relaxation.guided(queue.tolls))
    if workspace.cost(guided) < workspace.cost(greedy):
        found(guided, queue.units)
    seated = seat_plan(workspace, seats, columns, began + SEAT_SHARE * time_limit_s)
    if workspace.cost(seated) < min(workspace.cost(greedy), workspace.cost(guided)):
        found(seated, queue.units)
    start = min((greedy, guided, seated), key=workspace.cost)
    built = _Model(workspace)
    built.hint(start)
    built.model.add(built.objective >= queue.units)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s - (time.perf_counter() - began), 0.1)
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = random_seed
    # Probing costs seconds on these models before the hinted plan is even reported.
    solver.parameters.cp_model_probing_level = 0
    progress = _Progress(built.patients, began, queue.units)
    status = solver.solve(built.model, progress)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return workspace.plan(
            {id(greedy): "greedy", id(guided): "guided greedy"}.get(id(start), "seats"),
            "cp-sat found no plan in time; greedy plan",
            start,
            bound_units=queue.units,
            solve_time_s=time.perf_counter() - began,
            events=events,
        )
    return workspace.plan(
        "cp-sat",
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        built.appointments(solver),
        bound_units=max(solver.best_objective_bound, queue.units),
        solve_time_s=time.perf_counter() - began,
        events=events + progress.events,
    )
