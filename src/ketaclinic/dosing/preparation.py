"""Making up a dose from the formulary: what to draw, dilute, label and waste."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ketaclinic.core import DomainInputError
from ketaclinic.protocols import Drug, Route

from .formulary import Device, Formulary, PreparationSpec, Vial
from .precision import round_to_step

# Relative slack when comparing concentrations and device multiples computed in floats.
_SLACK = 1e-9


@dataclass(frozen=True)
class Preparation:
    """A prepared dose: ``volume_ml`` is what is given (None for nasal devices)."""

    preparation_id: str
    container: str
    concentration_mg_per_ml: float | None
    volume_ml: float | None
    dose_mg: float
    stock_volume_ml: float | None
    diluent_volume_ml: float | None
    units_opened: int
    """Vials opened, or nasal devices used."""
    waste_mg: float
    steps: tuple[str, ...]


def choose_preparation(
    formulary: Formulary,
    route: Route,
    drug: Drug,
    dose_mg: float,
    concentration_mg_per_ml: float | None,
) -> PreparationSpec:
    """The first formulary preparation for the route (and concentration, if given) that fits."""
    candidates = formulary.preparations_for(route, drug)
    if not candidates:
        raise DomainInputError("protocol", f"the formulary has no {drug} preparation for {route}")
    if concentration_mg_per_ml is not None:
        allowed = formulary.concentrations_for(route, drug)
        if not allowed:
            raise DomainInputError("concentration_mg_per_ml", f"does not apply to {route}")
        candidates = tuple(
            spec
            for spec in candidates
            if spec.concentration_mg_per_ml is not None
            and math.isclose(spec.concentration_mg_per_ml.value, concentration_mg_per_ml)
        )
        if not candidates:
            raise DomainInputError(
                "concentration_mg_per_ml",
                f"{concentration_mg_per_ml:g} mg/mL is not in the formulary for {route}; "
                f"choose one of {', '.join(f'{c:g}' for c in allowed)}",
            )
    for spec in candidates:
        if _fits(spec, dose_mg):
            return spec
    raise DomainInputError(
        "concentration_mg_per_ml",
        f"{dose_mg:.1f} mg does not fit the container of any allowed preparation; "
        "choose a higher concentration",
    )


def _fits(spec: PreparationSpec, dose_mg: float) -> bool:
    if spec.concentration_mg_per_ml is None or spec.container_max_ml is None:
        return True
    return dose_mg / spec.concentration_mg_per_ml.value <= spec.container_max_ml.value


def make_up(spec: PreparationSpec, dose_mg: float) -> Preparation:
    """Volume, vials, diluent, waste and written steps for ``dose_mg`` made up as ``spec``."""
    if isinstance(spec.stock, Device):
        return _from_devices(spec, spec.stock, dose_mg)
    return _from_vials(spec, spec.stock, dose_mg)


def _from_devices(spec: PreparationSpec, device: Device, dose_mg: float) -> Preparation:
    units = round(dose_mg / device.dose_mg.value)
    if units < 1 or not math.isclose(units * device.dose_mg.value, dose_mg, rel_tol=_SLACK):
        raise DomainInputError(
            "dose_mg", f"must be a whole number of {device.dose_mg.value:g} mg devices"
        )
    total_mg = units * device.dose_mg.value
    return Preparation(
        preparation_id=spec.id,
        container=spec.container,
        concentration_mg_per_ml=None,
        volume_ml=None,
        dose_mg=total_mg,
        stock_volume_ml=None,
        diluent_volume_ml=None,
        units_opened=units,
        waste_mg=0.0,
        steps=(f"Use {units} x {device.label} ({total_mg:g} mg in total).",),
    )


def _from_vials(spec: PreparationSpec, vial: Vial, prescribed_mg: float) -> Preparation:
    assert spec.concentration_mg_per_ml is not None
    assert spec.volume_precision_ml is not None
    concentration = spec.concentration_mg_per_ml.value
    volume_ml = round_to_step(prescribed_mg / concentration, spec.volume_precision_ml.value)
    if volume_ml <= 0:
        raise DomainInputError("dose_mg", "is too small to measure with this preparation")
    dose_mg = volume_ml * concentration
    stock_volume_ml = dose_mg / vial.concentration_mg_per_ml.value
    units = math.ceil(dose_mg / vial.content_mg - _SLACK)
    waste_mg = units * vial.content_mg - dose_mg
    steps = [
        f"Take {units} vial(s) of {vial.label} ({vial.volume_ml.value:g} mL each).",
        f"Draw {stock_volume_ml:.2f} mL ({dose_mg:.4g} mg).",
    ]
    diluent_volume_ml = None
    if spec.kind == "diluted":
        diluent_volume_ml = volume_ml - stock_volume_ml
        steps.append(
            f"Add {diluent_volume_ml:.2f} mL of {spec.diluent} for {volume_ml:g} mL in total "
            f"({concentration:g} mg/mL); container: {spec.container}."
        )
    else:
        steps.append(f"Give it undiluted ({concentration:g} mg/mL); container: {spec.container}.")
    steps.append(
        f"Label: {vial.drug} {dose_mg:.4g} mg in {volume_ml:g} mL ({concentration:g} mg/mL)."
    )
    if waste_mg > _SLACK:
        steps.append(
            f"Waste {waste_mg:.4g} mg left in the vial(s) with a witness and record it "
            "in the controlled-substance ledger."
        )
    return Preparation(
        preparation_id=spec.id,
        container=spec.container,
        concentration_mg_per_ml=concentration,
        volume_ml=volume_ml,
        dose_mg=dose_mg,
        stock_volume_ml=stock_volume_ml,
        diluent_volume_ml=diluent_volume_ml,
        units_opened=units,
        waste_mg=max(waste_mg, 0.0),
        steps=tuple(steps),
    )
