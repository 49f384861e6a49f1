"""A regimen turned into piecewise-constant inputs: the engine's only view of dosing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray
from .regimen import Regimen
from .routes import routes


@dataclass(frozen=True)
class InputSchedule:
    """Inputs change only at segment starts; within a segment they are constant.

    At ``starts_min[k]`` the amount ``bolus_mg[k]`` enters V1 and ``depot_mg[k, g]`` (already
    multiplied by F) enters depot g, which empties into V1 at rate ``ka_per_min[g]``; during
    segment k, ``rate_mg_per_min[k]`` is infused into V1. The first segment starts at 0.
    """

    starts_min: FloatArray
    bolus_mg: FloatArray
    rate_mg_per_min: FloatArray
    depot_mg: FloatArray
    ka_per_min: FloatArray
    infusion_ends_min: FloatArray

    @property
    def last_change_min(self) -> float:
        return float(self.starts_min[-1])


def build_schedule(
    boluses: Sequence[tuple[float, float]] = (),
    infusions: Sequence[tuple[float, float, float]] = (),
    depots: Sequence[tuple[float, float, float]] = (),
) -> InputSchedule:
    """From (time, mg) boluses, (start, end, mg/min) infusions and (time, mg absorbed, ka)."""
    ka_values = sorted({ka for _, _, ka in depots})
    starts = np.unique(
        np.array(
            [0.0, *(t for t, _ in boluses), *(t for s, e, _ in infusions for t in (s, e))]
            + [t for t, _, _ in depots]
        )
    )
    bolus = np.zeros(len(starts))
    for time, amount in boluses:
        bolus[np.searchsorted(starts, time)] += amount
    depot = np.zeros((len(starts), len(ka_values)))
    for time, amount, ka in depots:
        depot[np.searchsorted(starts, time), ka_values.index(ka)] += amount
    rate = np.zeros(len(starts))
    for start, end, mg_per_min in infusions:
        rate[(starts >= start) & (starts < end)] += mg_per_min
    return InputSchedule(
        starts_min=starts,
        bolus_mg=bolus,
        rate_mg_per_min=rate,
        depot_mg=depot,
        ka_per_min=np.array(ka_values, dtype=float),
        infusion_ends_min=np.array(sorted(end for _, end, _ in infusions), dtype=float),
    )


def regimen_schedule(regimen: Regimen, weight_kg: float) -> tuple[InputSchedule, tuple[str, ...]]:
    """Resolve mg/kg and route defaults; warn about overrides outside literature ranges."""
    boluses, infusions, depots, warnings = [], [], [], []
    defaults = routes()
    for index, dose in enumerate(regimen):
        amount = dose.amount_mg(weight_kg)
        absorption = defaults[dose.route].absorption
        if absorption is None:
            if dose.duration_min is None:
                boluses.append((dose.start_min, amount))
            else:
                infusions.append((dose.start_min, dose.end_min, amount / dose.duration_min))
            continue
        f = absorption.f.value if dose.f is None else dose.f
        ka = absorption.ka_per_min.value if dose.ka_per_min is None else dose.ka_per_min
        lag = absorption.lag_min.value if dose.lag_min is None else dose.lag_min
        for name, value, valid in (
            ("f", f, absorption.f_range),
            ("ka_per_min", ka, absorption.ka_per_min_range),
        ):
            if not valid.contains(value):
                warnings.append(
                    f"regimen[{index}].{name}: {value:g} is outside the literature range "
                    f"{valid.min:g}-{valid.max:g} for {dose.route} ({valid.source})"
                )
        depots.append((dose.start_min + lag, f * amount, ka))
    return build_schedule(boluses, infusions, depots), tuple(warnings)
