"""Disposition parameter sets (data/models.toml) and their scaling to a patient."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ketaclinic.core import (
    Sourced,
    SourcedInterval,
    load_toml,
    read_interval,
    read_sourced,
    read_sourced_fields,
    read_sourced_setting,
)

from .arrays import FloatArray
from .errors import PharmacologyError

MINUTES_PER_HOUR = 60.0
VOLUMES = ("v1", "v2", "v3")
CLEARANCES = ("cl", "q2", "q3")
_KEYS = {
    ("micro", 2): ("v1_l_per_kg", "k10_per_min", "k12_per_min", "k21_per_min"),
    ("micro", 3): (
        *("v1_l_per_kg", "k10_per_min", "k12_per_min", "k21_per_min"),
        *("k13_per_min", "k31_per_min"),
    ),
    ("allometric", 2): ("v1_l", "v2_l", "cl_l_per_h", "q2_l_per_h"),
    ("allometric", 3): ("v1_l", "v2_l", "v3_l", "cl_l_per_h", "q2_l_per_h", "q3_l_per_h"),
}
_ALLOMETRIC_SCALING = ("reference_weight_kg", "volume_exponent", "clearance_exponent")


@dataclass(frozen=True)
class Model:
    """One published parameter set, as stored in models.toml."""

    name: str
    version: str
    title: str
    citation: str
    population: str
    form: str
    compartments: int
    parameters: Mapping[str, Sourced]
    ke0_per_min: Sourced | None
    ke0_provenance: str
    weight_kg: SourcedInterval
    age_years: SourcedInterval
    extrapolation: str
    extrapolation_source: str
    suits_extravascular: bool
    suits_extravascular_source: str
    variability_cv: Mapping[str, Sourced]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the volumes and clearances, e.g. v1, v2, cl, q2 for two compartments."""
        n = self.compartments
        return VOLUMES[:n] + CLEARANCES[:n]

    def typical(self, weight_kg: float) -> dict[str, float]:
        """Volumes (L) and clearances (L/min) of the typical patient of this weight."""
        p = {key: entry.value for key, entry in self.parameters.items()}
        n = self.compartments
        if self.form == "micro":
            v1 = p["v1_l_per_kg"] * weight_kg
            values = {"v1": v1, "cl": p["k10_per_min"] * v1}
            for i in range(2, n + 1):
                q = p[f"k1{i}_per_min"] * v1
                values[f"q{i}"] = q
                values[f"v{i}"] = q / p[f"k{i}1_per_min"]
            return values
        size = weight_kg / p["reference_weight_kg"]
        volume_factor = size ** p["volume_exponent"]
        clearance_factor = size ** p["clearance_exponent"] / MINUTES_PER_HOUR
        values = {f"v{i}": p[f"v{i}_l"] * volume_factor for i in range(1, n + 1)}
        values["cl"] = p["cl_l_per_h"] * clearance_factor
        values.update({f"q{i}": p[f"q{i}_l_per_h"] * clearance_factor for i in range(2, n + 1)})
        return values

    def check_patient(self, weight_kg: float, age_years: float | None = None) -> tuple[str, ...]:
        """Warnings for a patient outside the validity ranges; raises where refused."""
        checks = [("weight_kg", weight_kg, self.weight_kg, "kg")]
        if age_years is not None:
            checks.append(("age_years", age_years, self.age_years, "years"))
        warnings = []
        for field, value, valid, unit in checks:
            if valid.contains(value):
                continue
            message = (
                f"{value:g} {unit} is outside the validity range of model {self.name} "
                f"({valid.min:g}-{valid.max:g} {unit}; {valid.source})"
            )
            if self.extrapolation == "refuse":
                raise PharmacologyError(field, f"{message}; this model refuses to extrapolate")
            warnings.append(f"{field}: {message}; EXTRAPOLATING")
        return tuple(warnings)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description with every value's source."""

        def entry(value: Sourced) -> dict[str, Any]:
            return {"value": value.value, "source": value.source}

        def valid(value: SourcedInterval) -> dict[str, Any]:
            return {"min": value.min, "max": value.max, "source": value.source}

        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "citation": self.citation,
            "population": self.population,
            "compartments": self.compartments,
            "form": self.form,
            "parameters": {key: entry(value) for key, value in self.parameters.items()},
            "ke0_per_min": None
            if self.ke0_per_min is None
            else {**entry(self.ke0_per_min), "provenance": self.ke0_provenance},
            "validity": {
                "weight_kg": valid(self.weight_kg),
                "age_years": valid(self.age_years),
                "extrapolation": self.extrapolation,
                "extrapolation_source": self.extrapolation_source,
            },
            "suits_extravascular": self.suits_extravascular,
            "variability_cv": {key: entry(value) for key, value in self.variability_cv.items()},
        }


@dataclass(frozen=True)
class Disposition:
    """Volumes and clearances of N patients; arrays have the patients on the last axis."""

    volumes_l: FloatArray
    clearance_l_per_min: FloatArray
    intercompartmental_l_per_min: FloatArray
    ke0_per_min: float | None

    @property
    def n_patients(self) -> int:
        return int(self.clearance_l_per_min.shape[0])

    @classmethod
    def from_values(
        cls, values: Mapping[str, FloatArray | float], ke0_per_min: float | None
    ) -> Disposition:
        """Build from named volumes and clearances (scalars or one value per patient)."""
        n = sum(1 for name in VOLUMES if name in values)
        names = VOLUMES[:n] + CLEARANCES[:n]
        columns = np.broadcast_arrays(*(np.atleast_1d(np.asarray(values[k], float)) for k in names))
        table = np.array(columns, dtype=float)
        return cls(
            volumes_l=table[:n],
            clearance_l_per_min=table[n],
            intercompartmental_l_per_min=table[n + 1 :],
            ke0_per_min=ke0_per_min,
        )


def typical_disposition(model: Model, weight_kg: float) -> Disposition:
    """The typical patient of this weight (no validity check: see Model.check_patient)."""
    ke0 = None if model.ke0_per_min is None else model.ke0_per_min.value
    return Disposition.from_values(model.typical(weight_kg), ke0)


@cache
def models() -> Mapping[str, Model]:
    """Every parameter set in models.toml, by name."""
    table = load_toml(__package__, "models.toml")
    defaults = load_toml(__package__, "population.toml")["default_cv"]
    return {
        name: _model(name, entry, defaults)
        for name, entry in table.items()
        if isinstance(entry, Mapping)
    }


def get_model(name: str) -> Model:
    try:
        return models()[name]
    except KeyError:
        known = ", ".join(sorted(models()))
        raise PharmacologyError("model", f"unknown model {name!r} (known: {known})") from None


def _model(name: str, entry: Mapping[str, Any], default_cv: Mapping[str, Any]) -> Model:
    form = entry["form"]
    compartments = 3 if "k13_per_min" in entry or "v3_l" in entry else 2
    if (form, compartments) not in _KEYS:
        raise ValueError(f"models.toml {name}: unknown form {form!r}")
    keys = _KEYS[form, compartments] + (_ALLOMETRIC_SCALING if form == "allometric" else ())
    parameters = read_sourced_fields(entry, keys, name)
    ke0 = read_sourced(entry, "ke0_per_min", name) if "ke0_per_min" in entry else None
    validity = entry["validity"]
    extrapolation, extrapolation_source = read_sourced_setting(validity, "extrapolation", name, str)
    if extrapolation not in ("warn", "refuse"):
        raise ValueError(f"models.toml {name}: extrapolation must be warn or refuse")
    suits, suits_source = read_sourced_setting(entry, "suits_extravascular", name, bool)
    own_cv = entry.get("variability", {})
    names = VOLUMES[:compartments] + CLEARANCES[:compartments]
    variability = {
        key: read_sourced(own_cv if key in own_cv else default_cv, key, name) for key in names
    }
    if any(math.isnan(p.value) or p.value <= 0 for p in parameters.values()):
        raise ValueError(f"models.toml {name}: parameters must be positive")
    return Model(
        name=name,
        version=str(entry["version"]),
        title=entry["title"],
        citation=entry["citation"],
        population=entry["population"],
        form=form,
        compartments=compartments,
        parameters=parameters,
        ke0_per_min=ke0,
        ke0_provenance=entry["ke0_per_min"].get("provenance", "") if ke0 else "",
        weight_kg=read_interval(validity, "weight_kg", name),
        age_years=read_interval(validity, "age_years", name),
        extrapolation=extrapolation,
        extrapolation_source=extrapolation_source,
        suits_extravascular=suits,
        suits_extravascular_source=suits_source,
        variability_cv=variability,
    )
