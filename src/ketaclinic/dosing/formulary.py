"""The clinic's formulary: vials, devices and the preparations a dose may be made up as."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_optional_sourced,
    read_sourced,
    read_text,
)
from ketaclinic.protocols import Drug, Route

PreparationKind = Literal["diluted", "undiluted", "device"]


@dataclass(frozen=True)
class Vial:
    id: str
    drug: str
    label: str
    concentration_mg_per_ml: Sourced
    volume_ml: Sourced
    dilute_before_iv: bool

    @property
    def content_mg(self) -> float:
        return self.concentration_mg_per_ml.value * self.volume_ml.value


@dataclass(frozen=True)
class Device:
    id: str
    drug: str
    label: str
    dose_mg: Sourced


@dataclass(frozen=True)
class PreparationSpec:
    """How a dose for one route is made up; ``stock`` is a vial, or a device for kind "device"."""

    id: str
    route: str
    kind: PreparationKind
    container: str
    stock: Vial | Device
    diluent: str | None
    concentration_mg_per_ml: Sourced | None
    container_max_ml: Sourced | None
    volume_precision_ml: Sourced | None

    @property
    def drug(self) -> str:
        return self.stock.drug


@dataclass(frozen=True)
class Formulary:
    version: str
    vials: tuple[Vial, ...]
    devices: tuple[Device, ...]
    preparations: tuple[PreparationSpec, ...]

    def preparations_for(self, route: Route, drug: Drug) -> tuple[PreparationSpec, ...]:
        return tuple(p for p in self.preparations if p.route == route and p.drug == drug)

    def concentrations_for(self, route: Route, drug: Drug) -> tuple[float, ...]:
        return tuple(
            p.concentration_mg_per_ml.value
            for p in self.preparations_for(route, drug)
            if p.concentration_mg_per_ml is not None
        )


def _vial(data: Mapping[str, Any]) -> Vial:
    where = f"formulary.vial.{data.get('id')}"
    dilute = data.get("dilute_before_iv")
    if not isinstance(dilute, bool):
        raise DomainInputError(f"{where}.dilute_before_iv", "must be true or false")
    return Vial(
        id=read_text(data, "id", where),
        drug=read_text(data, "drug", where),
        label=read_text(data, "label", where),
        concentration_mg_per_ml=read_sourced(data, "concentration_mg_per_ml", where),
        volume_ml=read_sourced(data, "volume_ml", where),
        dilute_before_iv=dilute,
    )


def _device(data: Mapping[str, Any]) -> Device:
    where = f"formulary.device.{data.get('id')}"
    return Device(
        id=read_text(data, "id", where),
        drug=read_text(data, "drug", where),
        label=read_text(data, "label", where),
        dose_mg=read_sourced(data, "dose_mg", where),
    )


def _preparation(data: Mapping[str, Any], stocks: Mapping[str, Vial | Device]) -> PreparationSpec:
    where = f"formulary.preparation.{data.get('id')}"
    kind = read_text(data, "kind", where)
    if read_text(data, "route", where) not in get_args(Route):
        raise DomainInputError(f"{where}.route", f"must be one of {', '.join(get_args(Route))}")
    stock = stocks.get(read_text(data, "stock", where))
    if kind == "device":
        if not isinstance(stock, Device):
            raise DomainInputError(f"{where}.stock", "must name a device")
        return PreparationSpec(
            id=read_text(data, "id", where),
            route=read_text(data, "route", where),
            kind="device",
            container=read_text(data, "container", where),
            stock=stock,
            diluent=None,
            concentration_mg_per_ml=None,
            container_max_ml=None,
            volume_precision_ml=None,
        )
    if kind not in ("diluted", "undiluted"):
        raise DomainInputError(f"{where}.kind", "must be diluted, undiluted or device")
    if not isinstance(stock, Vial):
        raise DomainInputError(f"{where}.stock", "must name a vial")
    spec = PreparationSpec(
        id=read_text(data, "id", where),
        route=read_text(data, "route", where),
        kind="diluted" if kind == "diluted" else "undiluted",
        container=read_text(data, "container", where),
        stock=stock,
        diluent=read_text(data, "diluent", where) if kind == "diluted" else None,
        concentration_mg_per_ml=read_sourced(data, "concentration_mg_per_ml", where),
        container_max_ml=read_sourced(data, "container_max_ml", where),
        volume_precision_ml=read_optional_sourced(data, "volume_precision_ml", where),
    )
    _check_preparation(spec, where)
    return spec


def _check_preparation(spec: PreparationSpec, where: str) -> None:
    assert isinstance(spec.stock, Vial)
    assert spec.concentration_mg_per_ml is not None
    final = spec.concentration_mg_per_ml.value
    stock = spec.stock.concentration_mg_per_ml.value
    if spec.kind == "undiluted" and final != stock:
        raise DomainInputError(f"{where}.concentration_mg_per_ml", "must equal the vial's")
    if spec.kind == "diluted" and not 0 < final < stock:
        raise DomainInputError(f"{where}.concentration_mg_per_ml", "must be below the vial's")
    if spec.kind == "undiluted" and spec.route == "iv_infusion" and spec.stock.dilute_before_iv:
        raise DomainInputError(f"{where}.stock", "this vial must be diluted before IV use")
    if spec.volume_precision_ml is None or spec.volume_precision_ml.value <= 0:
        raise DomainInputError(f"{where}.volume_precision_ml", "must be a positive number")


def formulary_from_mapping(data: Mapping[str, Any]) -> Formulary:
    """Build a formulary from parsed TOML (a clinic may supply its own)."""
    vials = tuple(_vial(item) for item in data.get("vial", []))
    devices = tuple(_device(item) for item in data.get("device", []))
    stocks: dict[str, Vial | Device] = {vial.id: vial for vial in vials}
    stocks.update((device.id, device) for device in devices)
    return Formulary(
        version=read_text(data, "version", "formulary"),
        vials=vials,
        devices=devices,
        preparations=tuple(_preparation(item, stocks) for item in data.get("preparation", [])),
    )


@cache
def default_formulary() -> Formulary:
    return formulary_from_mapping(load_toml(__package__, "formulary.toml"))
