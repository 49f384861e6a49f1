"""The greedy baseline: patients in order of ``not_before`` (the least flexible first among
equals), each given the series the interactive planner would propose against everything booked
before them."""

from __future__ import annotations

from collections.abc import Callable

from .batch import BatchPlan, BatchProblem, Workspace
from .bookings import Appointment
from .chains import Slots
from .objective import Coefficients
from .policy import SchedulingPolicy, scheduling_policy
from .search import Candidates
from .series import SeriesRequest

# Picks a series for one patient at one location: (rank, chain), the lowest rank wins.
Choice = Callable[[Candidates], tuple[int, Slots] | None]


def earliest(coefficients: Coefficients) -> Choice:
    """The interactive planner's series, ranked by its cost."""

    def choose(found: Candidates) -> tuple[int, Slots] | None:
        chain, _ = found.earliest(coefficients)
        return None if chain is None else (found.cost(chain, coefficients), chain)

    return choose


def greedy_appointments(workspace: Workspace, choose: Choice | None = None) -> list[Appointment]:
    """Patients one by one, each placed where ``choose`` (by default the earliest series)
    ranks best, given everything placed before them."""
    problem, policy = workspace.problem, workspace.policy
    choose = choose or earliest(workspace.coefficients)
    states = problem.states(workspace.grid)
    appointments: list[Appointment] = []

    def flexibility(request: SeriesRequest) -> int:
        return sum(
            workspace.candidates[(request.patient_id, location.id)].starts().size
            for location in problem.allowed(request)
        )

    order = sorted(problem.requests, key=lambda r: (r.not_before, flexibility(r), r.patient_id))
    for request in order:
        own = problem.own_bookings(request)
        best: tuple[int, Candidates, Slots] | None = None
        for location in problem.allowed(request):
            found = Candidates(states[location.id], request, own, policy.slot_min)
            picked = choose(found)
            if picked is not None and (best is None or picked[0] < best[0]):
                best = (picked[0], found, picked[1])
        if best is not None:
            appointments += best[1].place(best[2])
    return appointments


def plan_greedy(problem: BatchProblem, policy: SchedulingPolicy | None = None) -> BatchPlan:
    """The greedy baseline plan (no bound: it proves nothing about how good it is)."""
    workspace = Workspace(problem, policy or scheduling_policy())
    return workspace.plan("greedy", "feasible", greedy_appointments(workspace))
