"""Rescue drugs: their controlled-substance schedules, the PRN order set a plan is signed
with, and the limits a dose given against a PRN order is checked with (the same soft/hard
machinery as the ketamine dose: a hard limit refuses, a soft one needs a reason)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ketaclinic.core import DomainInputError, Sourced, load_toml, read_sourced, read_text
from ketaclinic.protocols import LimitRange

from .calculator import LimitCheck, limit_check

ALL_PROTOCOLS = "*"
RESCUE_ROUTES = ("iv", "im", "sc", "oral", "sublingual", "intranasal", "inhaled")
SCHEDULES = ("CIII", "CIV")


@dataclass(frozen=True)
class Drug:
    id: str
    label: str
    schedule: str | None
    """The controlled-substance schedule (CIII, CIV), or None when not controlled."""
    schedule_source: str


@dataclass(frozen=True)
class PrnSpec:
    """One as-needed order of a protocol's order set."""

    drug: str
    route: str
    indication: str
    indication_source: str
    dose_mg: Sourced
    dose_hard_max_mg: Sourced
    max_per_session_mg: Sourced


@dataclass(frozen=True)
class RescueFormulary:
    version: str
    drugs: Mapping[str, Drug]
    order_sets: Mapping[str, tuple[PrnSpec, ...]]

    def order_set_for(self, protocol_id: str) -> tuple[PrnSpec, ...]:
        return self.order_sets.get(protocol_id, self.order_sets.get(ALL_PROTOCOLS, ()))

    def schedule_of(self, drug: str) -> str | None:
        known = self.drugs.get(drug)
        return known.schedule if known else None

    def controlled_drugs(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.drugs.values() if d.schedule is not None)


def rescue_formulary_from_mapping(data: Mapping[str, Any]) -> RescueFormulary:
    drugs: dict[str, Drug] = {}
    for index, item in enumerate(data.get("drug", [])):
        where = f"rescue.drug[{index}]"
        schedule = item.get("schedule")
        if schedule is not None and schedule not in SCHEDULES:
            raise DomainInputError(f"{where}.schedule", f"must be one of {', '.join(SCHEDULES)}")
        drug = Drug(
            id=read_text(item, "id", where),
            label=read_text(item, "label", where),
            schedule=schedule,
            schedule_source=read_text(item, "schedule_source", where) if schedule else "",
        )
        drugs[drug.id] = drug
    order_sets: dict[str, tuple[PrnSpec, ...]] = {}
    for protocol_id, items in data.get("order_set", {}).items():
        order_sets[protocol_id] = tuple(
            _prn(item, drugs, f"rescue.order_set.{protocol_id}[{index}]")
            for index, item in enumerate(items)
        )
    return RescueFormulary(
        version=read_text(data, "version", "rescue"), drugs=drugs, order_sets=order_sets
    )


def _prn(item: Mapping[str, Any], drugs: Mapping[str, Drug], where: str) -> PrnSpec:
    drug = read_text(item, "drug", where)
    if drug not in drugs:
        raise DomainInputError(f"{where}.drug", "names no drug of the rescue formulary")
    route = read_text(item, "route", where)
    if route not in RESCUE_ROUTES:
        raise DomainInputError(f"{where}.route", f"must be one of {', '.join(RESCUE_ROUTES)}")
    spec = PrnSpec(
        drug=drug,
        route=route,
        indication=read_text(item, "indication", where),
        indication_source=read_text(item, "indication_source", where),
        dose_mg=read_sourced(item, "dose_mg", where),
        dose_hard_max_mg=read_sourced(item, "dose_hard_max_mg", where),
        max_per_session_mg=read_sourced(item, "max_per_session_mg", where),
    )
    if not 0 < spec.dose_mg.value <= spec.dose_hard_max_mg.value <= spec.max_per_session_mg.value:
        raise DomainInputError(
            f"{where}.dose_mg", "needs 0 < dose_mg ≤ dose_hard_max_mg ≤ max_per_session_mg"
        )
    return spec


@cache
def default_rescue_formulary() -> RescueFormulary:
    return rescue_formulary_from_mapping(load_toml(__package__, "rescue.toml"))


def rescue_limits(
    dose_mg: Sourced, dose_hard_max_mg: Sourced, max_per_session_mg: Sourced
) -> tuple[LimitRange, LimitRange]:
    """The limits of one dose (soft at the ordered dose) and of the session's total."""
    return (
        LimitRange("dose_mg", soft_max=dose_mg, hard_max=dose_hard_max_mg),
        LimitRange("session_dose_mg", hard_max=max_per_session_mg),
    )


def check_rescue_dose(
    limits: tuple[LimitRange, LimitRange], dose_mg: float, given_before_mg: float
) -> tuple[LimitCheck, ...]:
    """This dose, and the session's total with it, against the PRN order's limits."""
    if dose_mg <= 0:
        raise DomainInputError("dose_mg", "must be positive")
    if given_before_mg < 0:
        raise DomainInputError("given_before_mg", "cannot be negative")
    single, session = limits
    return (limit_check(single, dose_mg), limit_check(session, given_before_mg + dose_mg))
