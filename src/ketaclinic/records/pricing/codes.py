"""The billing codes the clinic may use (``data/codes.toml``): each with its system, the
clinic's description, the published descriptor and its source. A code not in the file is
refused, naming the field; which code a kind of care bills is clinic policy, kept there too."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ketaclinic.core import load_toml
from ketaclinic.records.errors import FieldError, InvalidInput

from .choices import PriceKind

_PACKAGE = "ketaclinic.records.pricing"
DIAGNOSIS_SYSTEM = "ICD-10-CM"


@dataclass(frozen=True)
class BillingCode:
    code: str
    system: str
    description: str
    published: str
    source: str

    @property
    def is_diagnosis(self) -> bool:
        return self.system == DIAGNOSIS_SYSTEM

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "system": self.system,
            "description": self.description,
            "published": self.published,
            "source": self.source,
        }


@dataclass(frozen=True)
class CodeSet:
    version: str
    codes: dict[str, BillingCode]
    by_kind: dict[str, tuple[str, ...]]
    follow_up_visit: tuple[str, ...]
    diagnosis: tuple[str, ...]
    policy_source: str
    initial_more_than_min: int
    additional_hour_more_than_min: int


@cache
def code_set() -> CodeSet:
    data = load_toml(_PACKAGE, "codes.toml")
    codes = {
        str(code): BillingCode(
            code=str(code),
            system=entry["system"],
            description=entry["description"],
            published=entry["published"],
            source=entry["source"],
        )
        for code, entry in data["codes"].items()
    }
    use = data["use"]
    timing = data["infusion_time"]
    return CodeSet(
        version=data["version"],
        codes=codes,
        by_kind={kind.value: tuple(use[kind.value]) for kind in PriceKind},
        follow_up_visit=tuple(use["follow_up_visit"]),
        diagnosis=tuple(use["diagnosis"]),
        policy_source=use["source"],
        initial_more_than_min=int(timing["initial_more_than_min"]["value"]),
        additional_hour_more_than_min=int(timing["additional_hour_more_than_min"]["value"]),
    )


def billing_code(code: str) -> BillingCode | None:
    return code_set().codes.get(code.strip().upper())


def default_codes(kind: PriceKind | str) -> list[str]:
    """The codes a kind of care bills by clinic policy (``[use]`` in codes.toml)."""
    return list(code_set().by_kind[PriceKind(kind).value])


def default_diagnosis() -> list[str]:
    return list(code_set().diagnosis)


def _check(codes: Sequence[str], field: str, *, diagnosis: bool) -> list[str]:
    errors: list[FieldError] = []
    checked: list[str] = []
    wanted = "a diagnosis (ICD-10-CM) code" if diagnosis else "a service (CPT/HCPCS) code"
    for index, raw in enumerate(codes):
        found = billing_code(raw)
        where = f"{field}.{index}"
        if found is None:
            errors.append(
                FieldError(where, f"unknown code {raw!r} (not in the clinic's code list)")
            )
        elif found.is_diagnosis != diagnosis:
            errors.append(FieldError(where, f"{found.code} is not {wanted}"))
        else:
            checked.append(found.code)
    if not codes:
        errors.append(FieldError(field, "needs at least one code"))
    if len(set(checked)) != len(checked):
        errors.append(FieldError(field, "names a code twice"))
    if errors:
        raise InvalidInput(errors)
    return checked


def service_codes(codes: Sequence[str], field: str) -> list[str]:
    """``codes`` as known CPT/HCPCS codes, or ``InvalidInput`` naming each bad one."""
    return _check(codes, field, diagnosis=False)


def diagnosis_codes(codes: Sequence[str], field: str) -> list[str]:
    """``codes`` as known ICD-10-CM codes, or ``InvalidInput`` naming each bad one."""
    return _check(codes, field, diagnosis=True)


def additional_hours(duration_min: float) -> int:
    """Units of "each additional hour" (96366) an infusion of ``duration_min`` bills: one per
    full hour beyond the first, and one more for a remainder of more than 30 minutes."""
    beyond = duration_min - 60 - code_set().additional_hour_more_than_min
    return max(0, math.ceil(beyond / 60))
