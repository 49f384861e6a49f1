"""Weight policies: actual, ideal (Devine) or adjusted body weight, with the protocol's cap."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_sourced,
    read_sourced_fields,
    read_table,
    read_text,
)
from ketaclinic.protocols import Protocol

Sex = Literal["female", "male"]
SEXES: tuple[Sex, ...] = ("female", "male")


@dataclass(frozen=True)
class WeightConstants:
    version: str
    base_male_kg: Sourced
    base_female_kg: Sourced
    kg_per_inch: Sourced
    reference_height_in: Sourced
    cm_per_inch: Sourced
    adjusted_factor: Sourced
    use_actual_below_ideal: bool
    use_actual_below_ideal_source: str


@dataclass(frozen=True)
class WeightUsed:
    """The weight a dose is computed from, and why."""

    policy: str
    weight_used_kg: float
    ideal_weight_kg: float | None
    warnings: tuple[str, ...]


@cache
def weight_constants() -> WeightConstants:
    data = load_toml(__package__, "weight_policies.toml")
    devine = read_table(data, "devine", "weight_policies")
    below = read_table(data, "below_ideal", "weight_policies")
    use_actual = below.get("use_actual")
    if not isinstance(use_actual, bool):
        raise DomainInputError("weight_policies.below_ideal.use_actual", "must be true or false")
    return WeightConstants(
        version=read_text(data, "version", "weight_policies"),
        adjusted_factor=read_sourced(
            read_table(data, "adjusted", "weight_policies"), "factor", "adjusted"
        ),
        use_actual_below_ideal=use_actual,
        use_actual_below_ideal_source=read_text(below, "source", "weight_policies.below_ideal"),
        **read_sourced_fields(
            devine,
            (
                "base_male_kg",
                "base_female_kg",
                "kg_per_inch",
                "reference_height_in",
                "cm_per_inch",
            ),
            "weight_policies.devine",
        ),
    )


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine ideal body weight."""
    c = weight_constants()
    base = c.base_male_kg if sex == "male" else c.base_female_kg
    height_in = height_cm / c.cm_per_inch.value
    return base.value + c.kg_per_inch.value * (height_in - c.reference_height_in.value)


def adjusted_body_weight_kg(weight_kg: float, ideal_weight_kg: float) -> float:
    """IBW + factor × (actual − IBW)."""
    return ideal_weight_kg + weight_constants().adjusted_factor.value * (
        weight_kg - ideal_weight_kg
    )


def weight_for_dosing(
    protocol: Protocol, weight_kg: float, height_cm: float | None, sex: Sex | None
) -> WeightUsed:
    """Apply the protocol's weight policy and cap to checked inputs."""
    policy = protocol.weight_policy
    warnings: list[str] = []
    ideal: float | None = None
    used = weight_kg
    if policy != "actual":
        if height_cm is None:
            raise DomainInputError("height_cm", f"is required by the {policy} weight policy")
        if sex not in SEXES:
            raise DomainInputError("sex", f"must be female or male for the {policy} weight policy")
        ideal = ideal_body_weight_kg(height_cm, sex)
        constants = weight_constants()
        if weight_kg < ideal and constants.use_actual_below_ideal:
            warnings.append(
                f"actual weight {weight_kg:g} kg is below ideal {ideal:.1f} kg: actual weight used "
                f"({constants.use_actual_below_ideal_source})"
            )
        elif policy == "ideal":
            used = ideal
        else:
            used = adjusted_body_weight_kg(weight_kg, ideal)
    cap = protocol.weight_cap_kg
    if cap is not None and used > cap.value:
        warnings.append(
            f"weight used capped at {cap.value:g} kg ({cap.source}); policy gave {used:.1f} kg"
        )
        used = cap.value
    return WeightUsed(
        policy=policy, weight_used_kg=used, ideal_weight_kg=ideal, warnings=tuple(warnings)
    )
