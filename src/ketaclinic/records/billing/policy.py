"""The billing rules: data/billing.toml (who must confirm what), and the rules billing shares
with pricing, read from pricing's data (one threshold, one source): the CPT infusion time
rules, the diagnosis code and the estimate's dispute threshold."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ketaclinic.core import load_toml, read_text
from ketaclinic.records.pricing.codes import additional_hours, billing_code, code_set
from ketaclinic.records.pricing.codes import default_diagnosis as diagnosis_codes
from ketaclinic.records.pricing.estimates import notices

from .choices import EntryKind


@dataclass(frozen=True)
class BillingPolicy:
    version: str
    second_person_for: frozenset[EntryKind]


@cache
def _data() -> dict[str, Any]:
    return load_toml(__package__, "billing.toml")


@cache
def billing_policy() -> BillingPolicy:
    data = _data()
    return BillingPolicy(
        version=read_text(data, "version", "billing"),
        second_person_for=frozenset(
            EntryKind(kind) for kind in data["second_person"]["required_for"]
        ),
    )


def infusion_hours(duration_min: float) -> tuple[int, int]:
    """(initial hours, additional hours) billed for an infusion of ``duration_min``: (0, 0)
    for a push-length infusion (CPT 96374, not an infusion); else 96365 once and 96366 for
    each later hour the infusion ran more than 30 minutes into (pricing's codes.toml)."""
    if duration_min <= code_set().initial_more_than_min:
        return 0, 0
    return 1, additional_hours(duration_min)


def diagnoses() -> list[tuple[str, str]]:
    """The diagnosis codes a superbill prints, with their descriptions."""
    found = [(code, billing_code(code)) for code in diagnosis_codes()]
    return [(code, known.description if known else "") for code, known in found]


def overrun_threshold_cents() -> int:
    """Billed charges this far above a Good Faith Estimate are disputable (45 CFR 149.620)."""
    return notices().dispute_threshold_cents
