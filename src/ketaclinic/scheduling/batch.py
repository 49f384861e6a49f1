"""The batch problem (many patients, several locations) and the plan a batch planner returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .bookings import Appointment, Booking
from .errors import PlanVerificationError, SchedulingInputError
from .grid import Grid, LocationState
from .intervals import clip, merge
from .objective import UNITS_PER_H, Coefficients
from .policy import SchedulingPolicy
from .resources import Location
from .search import Candidates, Reason
from .series import SeriesRequest
from .times import to_epoch_s
from .verify import find_violations


@dataclass(frozen=True)
class BatchProblem:
    """Locations, the series to place (one per patient) and what is already booked."""

    locations: tuple[Location, ...]
    requests: tuple[SeriesRequest, ...]
    bookings: tuple[Booking, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "locations", tuple(self.locations))
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "bookings", tuple(self.bookings))
        if not self.requests:
            raise SchedulingInputError("patients", "no series to plan")
        location_ids = [location.id for location in self.locations]
        if len(set(location_ids)) != len(location_ids):
            raise SchedulingInputError("locations", "location ids repeat")
        chairs = [chair for location in self.locations for chair in location.chair_ids]
        if len(set(chairs)) != len(chairs):
            raise SchedulingInputError("locations", "chair ids repeat across locations")
        for number, booking in enumerate(self.bookings):
            if booking.chair_id not in chairs:
                raise SchedulingInputError(
                    f"bookings[{number}].chair_id", f"{booking.chair_id!r} is not a known chair"
                )
        patients = set()
        for number, request in enumerate(self.requests):
            unknown = set(request.location_ids) - set(location_ids)
            if unknown:
                raise SchedulingInputError(
                    f"patients[{number}].locations", f"unknown locations {sorted(unknown)}"
                )
            if request.patient_id in patients:
                raise SchedulingInputError(
                    f"patients[{number}].id", f"{request.patient_id!r} has a second series here"
                )
            patients.add(request.patient_id)

    def allowed(self, request: SeriesRequest) -> tuple[Location, ...]:
        return tuple(
            location
            for location in self.locations
            if not request.location_ids or location.id in request.location_ids
        )

    def own_bookings(self, request: SeriesRequest) -> list[Booking]:
        return [b for b in self.bookings if b.patient_id == request.patient_id]

    def grid(self, policy: SchedulingPolicy) -> Grid:
        return Grid.covering(
            min(to_epoch_s(r.not_before) for r in self.requests),
            max(to_epoch_s(r.not_after) for r in self.requests),
            policy.slot_min,
        )

    def states(self, grid: Grid) -> dict[str, LocationState]:
        """Each location on ``grid`` with only the existing bookings taken."""
        return {
            location.id: LocationState(
                location, grid, [b for b in self.bookings if b.chair_id in location.chair_ids]
            )
            for location in self.locations
        }


@dataclass(frozen=True)
class SolutionEvent:
    """An improving solution: solver time, its objective and the bound then, patients placed."""

    time_s: float
    objective_h: float
    bound_h: float
    scheduled_patients: int


@dataclass(frozen=True)
class Unscheduled:
    patient_id: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class BatchPlan:
    """A batch plan: appointments, patients left out with reasons, objective and bound.

    The objective is in hours-equivalent (lower is better); ``bound_h`` is the solver's proof
    that no plan scores below it (None for the greedy baseline).
    """

    method: str
    status: str
    appointments: tuple[Appointment, ...]
    unscheduled: tuple[Unscheduled, ...]
    objective_h: float
    bound_h: float | None
    solve_time_s: float | None
    events: tuple[SolutionEvent, ...]
    policy_version: str

    @property
    def gap(self) -> float | None:
        """(objective − bound) / objective; 0 when proved optimal, None without a bound."""
        if self.bound_h is None:
            return None
        if self.objective_h <= 0:
            return 0.0
        return max(0.0, (self.objective_h - self.bound_h) / self.objective_h)


class Workspace:
    """What every batch planner shares: the grid, the locations with their existing bookings,
    and each request's candidates at each of its locations."""

    def __init__(self, problem: BatchProblem, policy: SchedulingPolicy) -> None:
        self.problem = problem
        self.policy = policy
        self.coefficients = Coefficients.of(policy)
        self.grid = problem.grid(policy)
        self.states = problem.states(self.grid)
        self.candidates = {
            (request.patient_id, location.id): Candidates(
                self.states[location.id], request, problem.own_bookings(request), policy.slot_min
            )
            for request in problem.requests
            for location in problem.allowed(request)
        }

    def slot(self, appointment: Appointment) -> int:
        return (to_epoch_s(appointment.start) - self.grid.origin_s) // self.grid.slot_s

    def cost(self, appointments: Sequence[Appointment]) -> int:
        """The objective of ``appointments`` in units."""
        by_patient: dict[str, list[Appointment]] = {}
        for appointment in appointments:
            by_patient.setdefault(appointment.patient_id, []).append(appointment)
        total = 0
        for request in self.problem.requests:
            sessions = sorted(by_patient.get(request.patient_id, []), key=lambda a: a.session)
            if not sessions:
                total += self.coefficients.unscheduled
                continue
            found = self.candidates[(request.patient_id, sessions[0].location_id)]
            chain = np.array([self.slot(a) for a in sessions], dtype=np.int64)
            total += found.cost(chain, self.coefficients)
        return total

    def why_unscheduled(self, request: SeriesRequest, planned: int, proved: bool) -> Unscheduled:
        """Why ``request`` is left out: why it fails alone, or that it fits only alone."""
        reasons: list[Reason] = []
        for location in self.problem.allowed(request):
            found = self.candidates[(request.patient_id, location.id)]
            chain, notes = found.earliest(self.coefficients)
            if chain is not None:
                limit = "" if proved else "; a longer time limit may find room"
                message = (
                    f"a series fits at {location.id!r} on its own (first session "
                    f"{found.local(int(chain[0]))}), but not alongside the {planned} patients "
                    f"planned{limit}"
                )
                return Unscheduled(request.patient_id, (Reason("capacity", message),))
            reasons += notes
        return Unscheduled(request.patient_id, tuple(reasons))

    def plan(
        self,
        method: str,
        status: str,
        appointments: Sequence[Appointment],
        bound_units: float | None = None,
        solve_time_s: float | None = None,
        events: Sequence[SolutionEvent] = (),
    ) -> BatchPlan:
        """Verify ``appointments`` on exact times and wrap them up as a plan."""
        problem = self.problem
        placed = {a.patient_id for a in appointments}
        rules = {r.patient_id: r.series for r in problem.requests if r.patient_id in placed}
        violations = find_violations(problem.locations, appointments, problem.bookings, rules)
        if violations:
            raise PlanVerificationError(
                f"{method} produced a plan breaking {len(violations)} hard rules, e.g. "
                f"{violations[0].code}: {violations[0].message}"
            )
        proved = status == "optimal"
        unscheduled = tuple(
            self.why_unscheduled(request, len(placed), proved)
            for request in problem.requests
            if request.patient_id not in placed
        )
        ordered = sorted(appointments, key=lambda a: (a.start, a.location_id, a.chair_id))
        return BatchPlan(
            method=method,
            status=status,
            appointments=tuple(ordered),
            unscheduled=unscheduled,
            objective_h=self.cost(appointments) / UNITS_PER_H,
            bound_h=None if bound_units is None else bound_units / UNITS_PER_H,
            solve_time_s=solve_time_s,
            events=tuple(events),
            policy_version=self.policy.version,
        )


def chair_utilisation(problem: BatchProblem, plan: BatchPlan) -> dict[str, float]:
    """Per location: chair time booked (existing and planned) over chair time open, in the
    planning horizon."""
    start = min(to_epoch_s(r.not_before) for r in problem.requests)
    end = max(to_epoch_s(r.not_after) for r in problem.requests)
    busy = [*problem.bookings, *(a.as_booking() for a in plan.appointments)]
    result = {}
    for location in problem.locations:
        open_spans = location.calendar.open_spans(start, end)
        open_s = sum(e - s for s, e in open_spans) * len(location.chairs)
        booked_s = 0
        for chair in location.chair_ids:
            spans = merge(
                (to_epoch_s(b.start), to_epoch_s(b.end)) for b in busy if b.chair_id == chair
            )
            booked_s += sum(e - s for s, e in clip(spans, start, end))
        result[location.id] = booked_s / open_s if open_s else 0.0
    return result
