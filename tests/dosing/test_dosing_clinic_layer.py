"""The clinic layer may tighten hard limits and set soft ones; overrides need reasons."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.core import DomainInputError, load_toml
from ketaclinic.dosing import (
    DoseRequest,
    HardLimitExceeded,
    calculate_dose,
    check_overrides,
    clinic_policy_from_mapping,
    default_clinic_policy,
    effective_limits,
)
from ketaclinic.protocols import LimitStatus, get_protocol

SEED = "ketamine-iv-0.5mgkg-40min"


def _clinic(limits: dict[str, Any]) -> Any:
    data = load_toml("ketaclinic.dosing", "clinic.toml")
    return clinic_policy_from_mapping({**data, "limits": limits})


def _bound(value: float) -> dict[str, Any]:
    return {"value": value, "source": "clinic policy"}


def test_default_layer_adds_the_pump_maximum_to_every_protocol() -> None:
    limits = effective_limits(get_protocol(SEED), default_clinic_policy())
    assert limits["rate_ml_per_h"].hard_max is not None
    assert limits["rate_ml_per_h"].hard_max.value == 999
    assert limits["dose_mg_per_kg"] == get_protocol(SEED).limits["dose_mg_per_kg"]


def test_clinic_tightens_a_hard_limit_for_one_protocol() -> None:
    clinic = _clinic({SEED: {"dose_mg": {"hard_max": _bound(40)}}})
    blocked = calculate_dose(DoseRequest(SEED, weight_kg=90), clinic=clinic)  # 45 mg
    assert [check.limit for check in blocked.hard_exceeded] == ["dose_mg"]
    soft_max = effective_limits(get_protocol(SEED), clinic)["dose_mg"].soft_max
    assert soft_max is not None
    assert soft_max.value == 40  # the protocol's 60 mg soft max moves onto the 40 mg hard max
    other = calculate_dose(DoseRequest("ketamine-iv-0.5mgkg-60min", weight_kg=90), clinic=clinic)
    assert not other.blocked


def test_clinic_sets_soft_limits_for_every_protocol() -> None:
    clinic = _clinic({"*": {"dose_mg": {"soft_max": _bound(30)}}})
    result = calculate_dose(DoseRequest(SEED, weight_kg=70), clinic=clinic)  # 35 mg
    check = next(c for c in result.limit_checks if c.limit == "dose_mg")
    assert check.status is LimitStatus.SOFT_EXCEEDED


def test_per_protocol_layer_applies_after_the_global_one() -> None:
    clinic = _clinic(
        {"*": {"dose_mg": {"soft_max": _bound(30)}}, SEED: {"dose_mg": {"soft_max": _bound(50)}}}
    )
    limits = effective_limits(get_protocol(SEED), clinic)
    assert limits["dose_mg"].soft_max is not None
    assert limits["dose_mg"].soft_max.value == 50


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({SEED: {"dose_mg": {"hard_max": _bound(200)}}}, f"clinic.limits.{SEED}.dose_mg.hard_max"),
        (
            {SEED: {"duration_min": {"hard_min": _bound(10)}}},
            f"clinic.limits.{SEED}.duration_min.hard_min",
        ),
        ({SEED: {"dose_mg": {"soft_max": _bound(500)}}}, f"clinic.limits.{SEED}.dose_mg.hard_max"),
        ({"no-such-protocol": {}}, "clinic.limits.no-such-protocol"),
    ],
)
def test_clinic_cannot_loosen_or_misname(limits: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainInputError) as error:
        effective_limits(get_protocol(SEED), _clinic(limits))
    assert error.value.field == field


def test_soft_exceeded_needs_a_reason() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=70, dose_mg_per_kg=0.6))
    assert [check.limit for check in result.soft_exceeded] == ["dose_mg_per_kg"]
    with pytest.raises(DomainInputError) as error:
        check_overrides(result, {})
    assert error.value.field == "override.dose_mg_per_kg"
    with pytest.raises(DomainInputError):
        check_overrides(result, {"dose_mg_per_kg": "   "})
    check_overrides(result, {"dose_mg_per_kg": "tolerated 0.5 with no relief over 3 sessions"})


def test_override_for_a_limit_that_is_not_exceeded_is_refused() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=70))
    with pytest.raises(DomainInputError) as error:
        check_overrides(result, {"dose_mg": "just in case"})
    assert error.value.field == "override.dose_mg"


def test_hard_limits_cannot_be_overridden() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=70, dose_mg_per_kg=1.5))
    with pytest.raises(HardLimitExceeded) as error:
        check_overrides(result, {"dose_mg_per_kg": "physician insists"})
    assert error.value.field == "dose_mg_per_kg"
    assert "hard max" in str(error.value)
