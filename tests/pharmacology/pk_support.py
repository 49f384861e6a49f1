"""Independent references for the pharmacology tests: a tight ODE solution and exact
divided differences in 60-digit decimal arithmetic."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, localcontext

import numpy as np
from scipy.integrate import solve_ivp

from ketaclinic.pharmacology import Disposition, InputSchedule


def ode_reference(
    disposition: Disposition, schedule: InputSchedule, times_min: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cp and Ce of patient 0 by integrating the amounts with LSODA (rtol 1e-13) between
    input changes, restarting at each one; a generic solver, unlike the engine."""
    volumes = disposition.volumes_l[:, 0]
    flows = disposition.intercompartmental_l_per_min[:, 0]
    clearance = disposition.clearance_l_per_min[0]
    ke0 = disposition.ke0_per_min
    n, depots = len(volumes), len(schedule.ka_per_min)
    size = n + depots + (ke0 is not None)
    matrix = np.zeros((size, size))
    matrix[0, 0] = -(clearance + flows.sum()) / volumes[0]
    for j in range(1, n):
        matrix[0, j] = flows[j - 1] / volumes[j]
        matrix[j, 0] = flows[j - 1] / volumes[0]
        matrix[j, j] = -flows[j - 1] / volumes[j]
    for g, ka in enumerate(schedule.ka_per_min):
        matrix[n + g, n + g] = -ka
        matrix[0, n + g] = ka
    if ke0 is not None:
        matrix[-1, 0] = ke0 / volumes[0]
        matrix[-1, -1] = -ke0
    state = np.zeros(size)
    starts = [*schedule.starts_min, np.inf]
    plasma = np.zeros(len(times_min))
    effect = np.zeros(len(times_min))
    for k in range(len(schedule.starts_min)):
        state[0] += schedule.bolus_mg[k]
        state[n : n + depots] += schedule.depot_mg[k]
        inflow = np.zeros(size)
        inflow[0] = schedule.rate_mg_per_min[k]
        inside = (times_min >= starts[k]) & (times_min < starts[k + 1])
        end = starts[k + 1] if np.isfinite(starts[k + 1]) else max(times_min.max(), starts[k])
        if end <= starts[k]:
            continue
        evaluated = np.union1d(times_min[inside], [end])
        solution = solve_ivp(
            lambda _t, x, inflow=inflow: matrix @ x + inflow,
            (starts[k], end),
            state,
            method="LSODA",
            rtol=1e-13,
            atol=1e-18,
            t_eval=evaluated,
        )
        rows = np.searchsorted(evaluated, times_min[inside])
        plasma[inside] = solution.y[0, rows] / volumes[0]
        effect[inside] = solution.y[-1, rows]
        state = solution.y[:, -1].copy()
    return plasma, (effect if ke0 is not None else None)


def decimal_divided_difference(nodes: Sequence[float], tau: float) -> float:
    """f[nodes](tau) of f(x) = exp(x tau), in 60-digit arithmetic (confluent nodes allowed)."""
    with localcontext() as context:
        context.prec = 60
        t = Decimal(tau)
        xs = sorted(Decimal(x) for x in nodes)

        def difference(points: list[Decimal]) -> Decimal:
            if len(points) == 1:
                return (points[0] * t).exp()
            if points[0] == points[-1]:  # all equal: f^(m)(x) / m!
                m = len(points) - 1
                return t**m * (points[0] * t).exp() / Decimal(math.factorial(m))
            return (difference(points[1:]) - difference(points[:-1])) / (points[-1] - points[0])

        return float(difference(xs))
