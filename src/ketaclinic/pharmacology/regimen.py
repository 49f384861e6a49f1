"""Regimens: boluses, constant-rate infusions and extravascular doses at any times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import PharmacologyError, check_number
from .routes import Route

MAX_DOSES = 1000


@dataclass(frozen=True)
class Dose:
    """One administration. Give ``dose_mg`` or ``dose_mg_per_kg``; an ``iv_infusion``
    runs at constant rate for ``duration_min``. ``f``, ``ka_per_min`` and ``lag_min``
    override the route's absorption defaults (extravascular routes only). ``route`` may also
    be given as its text, e.g. "im". Bad values raise PharmacologyError naming the field.
    """

    route: Route
    start_min: float = 0.0
    dose_mg: float | None = None
    dose_mg_per_kg: float | None = None
    duration_min: float | None = None
    f: float | None = None
    ka_per_min: float | None = None
    lag_min: float | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "route", Route(self.route))
        except ValueError:
            known = ", ".join(route.value for route in Route)
            raise PharmacologyError(
                "route", f"unknown route {self.route!r} (known: {known})"
            ) from None
        check_number("start_min", self.start_min, minimum=0.0)
        if (self.dose_mg is None) == (self.dose_mg_per_kg is None):
            raise PharmacologyError("dose_mg", "give exactly one of dose_mg and dose_mg_per_kg")
        for name in ("dose_mg", "dose_mg_per_kg"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), minimum=0.0, strict=True)
        if self.route is Route.IV_INFUSION:
            if self.duration_min is None:
                raise PharmacologyError("duration_min", "an iv_infusion needs its duration")
            check_number("duration_min", self.duration_min, minimum=0.0, strict=True)
        elif self.duration_min is not None:
            raise PharmacologyError("duration_min", "only an iv_infusion has a duration")
        overrides = {"f": self.f, "ka_per_min": self.ka_per_min, "lag_min": self.lag_min}
        for name, value in overrides.items():
            if value is None:
                continue
            if not self.route.extravascular:
                raise PharmacologyError(name, f"only for extravascular routes, not {self.route}")
            check_number(name, value, minimum=0.0, strict=name != "lag_min")
        if self.f is not None and self.f > 1:
            raise PharmacologyError("f", f"bioavailability {self.f:g} is above 1")

    def amount_mg(self, weight_kg: float) -> float:
        """The dose in mg (before bioavailability) for a patient of this weight."""
        if self.dose_mg is not None:
            return self.dose_mg
        assert self.dose_mg_per_kg is not None
        return self.dose_mg_per_kg * weight_kg

    @property
    def end_min(self) -> float:
        return self.start_min + (self.duration_min or 0.0)

    def as_dict(self) -> dict[str, Any]:
        """The regimen-file form of this dose (unset fields left out)."""
        return {
            key: (str(value) if key == "route" else value)
            for key, value in asdict(self).items()
            if value is not None
        }


Regimen = tuple[Dose, ...]
_FIELDS = tuple(field.name for field in fields(Dose))


def parse_regimen(data: object) -> Regimen:
    """Validate a decoded regimen file: a JSON list of dose objects (see docs/pharmacology.md)."""
    if not isinstance(data, list) or not data:
        raise PharmacologyError("regimen", "must be a non-empty list of doses")
    if len(data) > MAX_DOSES:
        raise PharmacologyError("regimen", f"at most {MAX_DOSES} doses")
    return tuple(_parse_dose(index, item) for index, item in enumerate(data))


def _parse_dose(index: int, item: object) -> Dose:
    where = f"regimen[{index}]"
    if not isinstance(item, Mapping):
        raise PharmacologyError(where, "each dose must be an object")
    unknown = sorted(set(item) - set(_FIELDS))
    if unknown:
        known = ", ".join(_FIELDS)
        raise PharmacologyError(f"{where}.{unknown[0]}", f"unknown field (known: {known})")
    if "route" not in item:
        raise PharmacologyError(f"{where}.route", "required")
    values: dict[str, Any] = {}
    for key, value in item.items():
        if key == "route":
            if not isinstance(value, str):
                raise PharmacologyError(f"{where}.route", "must be text")
            values[key] = value
        elif value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise PharmacologyError(f"{where}.{key}", "must be a number")
            values[key] = float(value)
    try:
        return Dose(**values)
    except PharmacologyError as error:
        raise PharmacologyError(f"{where}.{error.field}", error.message) from None
