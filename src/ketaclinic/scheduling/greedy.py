"""The greedy baseline: patients in order of ``not_before`` (the least flexible first among
equals), each given the series the interactive planner would propose against everything booked
before them."""

from __future__ import annotations

from .batch import BatchPlan, BatchProblem, Workspace
from .bookings import Appointment
from .policy import SchedulingPolicy, scheduling_policy
from .search import Candidates
from .series import SeriesRequest


def greedy_appointments(workspace: Workspace) -> list[Appointment]:
    problem, policy = workspace.problem, workspace.policy
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
        best = None
        for location in problem.allowed(request):
            found = Candidates(states[location.id], request, own, policy.slot_min)
            chain, _ = found.earliest(workspace.coefficients)
            if chain is not None:
                cost = found.cost(chain, workspace.coefficients)
                if best is None or cost < best[0]:
                    best = (cost, found, chain)
        if best is not None:
            appointments += best[1].place(best[2])
    return appointments


def plan_greedy(problem: BatchProblem, policy: SchedulingPolicy | None = None) -> BatchPlan:
    """The greedy baseline plan (no bound: it proves nothing about how good it is)."""
    workspace = Workspace(problem, policy or scheduling_policy())
    return workspace.plan("greedy", "feasible", greedy_appointments(workspace))
