"""Making up a dose from the vials a location actually holds: the formulary names one stock
vial per preparation, but a cabinet may hold another strength of the same drug."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from .formulary import PreparationSpec, Vial

_SLACK = 1e-9


def stocked_spec(spec: PreparationSpec, stocked: Sequence[Vial]) -> PreparationSpec | None:
    """``spec`` made from a stocked vial, or None when none fits.

    The spec's own strength if stocked; else, for a diluted preparation, the weakest stocked
    vial of the drug at or above the final concentration (the least volume error when drawn);
    an undiluted preparation needs a vial of exactly its concentration.
    """
    if not isinstance(spec.stock, Vial) or spec.concentration_mg_per_ml is None:
        return spec
    final = spec.concentration_mg_per_ml.value
    same_drug = [v for v in stocked if v.drug == spec.drug]
    own = spec.stock.concentration_mg_per_ml.value
    for vial in same_drug:
        if math.isclose(vial.concentration_mg_per_ml.value, own, rel_tol=_SLACK):
            return replace(spec, stock=vial)
    if spec.kind != "diluted":
        exact = [
            v
            for v in same_drug
            if math.isclose(v.concentration_mg_per_ml.value, final, rel_tol=_SLACK)
        ]
        return replace(spec, stock=exact[0]) if exact else None
    strong_enough = [
        v for v in same_drug if v.concentration_mg_per_ml.value >= final * (1 - _SLACK)
    ]
    if not strong_enough:
        return None
    weakest = min(strong_enough, key=lambda v: v.concentration_mg_per_ml.value)
    return replace(spec, stock=weakest)
