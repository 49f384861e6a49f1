"""Routes of administration and their default absorption parameters (data/routes.toml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from ketaclinic.core import (
    Sourced,
    SourcedInterval,
    load_toml,
    read_interval,
    read_sourced,
    read_sourced_setting,
)


class Route(StrEnum):
    IV_BOLUS = "iv_bolus"
    IV_INFUSION = "iv_infusion"
    IM = "im"
    INTRANASAL = "intranasal"
    ORAL = "oral"
    SUBLINGUAL = "sublingual"

    @property
    def extravascular(self) -> bool:
        """Absorbed from a depot with bioavailability F, rate ka and a lag."""
        return self not in (Route.IV_BOLUS, Route.IV_INFUSION)


@dataclass(frozen=True)
class Absorption:
    """Defaults and literature ranges for an extravascular route."""

    f: Sourced
    f_range: SourcedInterval
    ka_per_min: Sourced
    ka_per_min_range: SourcedInterval
    lag_min: Sourced


@dataclass(frozen=True)
class RouteDefaults:
    route: Route
    version: str
    default_model: str
    default_model_source: str
    absorption: Absorption | None

    def as_dict(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "route": str(self.route),
            "version": self.version,
            "default_model": self.default_model,
            "default_model_source": self.default_model_source,
        }
        if self.absorption is not None:
            a = self.absorption
            for name, value, valid in (
                ("f", a.f, a.f_range),
                ("ka_per_min", a.ka_per_min, a.ka_per_min_range),
            ):
                described[name] = {"value": value.value, "source": value.source}
                described[f"{name}_range"] = {
                    "min": valid.min,
                    "max": valid.max,
                    "source": valid.source,
                }
            described["lag_min"] = {"value": a.lag_min.value, "source": a.lag_min.source}
        return described


@cache
def routes() -> Mapping[Route, RouteDefaults]:
    table = load_toml(__package__, "routes.toml")
    return {route: _route(route, table[route.value]) for route in Route}


@cache
def mixed_regimen_model() -> tuple[str, str]:
    """The model for a regimen whose routes pair with different models, and its source."""
    table = load_toml(__package__, "routes.toml")
    return read_sourced_setting(table, "mixed_regimen_model", "routes.toml", str)


def _route(route: Route, entry: Mapping[str, Any]) -> RouteDefaults:
    where = f"routes.toml {route}"
    model, model_source = read_sourced_setting(entry, "default_model", where, str)
    absorption = None
    if route.extravascular:
        absorption = Absorption(
            f=read_sourced(entry, "f", where),
            f_range=read_interval(entry, "f_range", where),
            ka_per_min=read_sourced(entry, "ka_per_min", where),
            ka_per_min_range=read_interval(entry, "ka_per_min_range", where),
            lag_min=read_sourced(entry, "lag_min", where),
        )
    return RouteDefaults(
        route=route,
        version=str(entry["version"]),
        default_model=model,
        default_model_source=model_source,
        absorption=absorption,
    )
