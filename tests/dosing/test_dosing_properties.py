"""Dose arithmetic over many weights, heights and concentrations (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ketaclinic.dosing import (
    DoseRequest,
    adjusted_body_weight_kg,
    calculate_dose,
    default_clinic_policy,
    default_formulary,
    ideal_body_weight_kg,
    round_to_step,
)
from ketaclinic.protocols import get_protocol

IV_PROTOCOLS = ("ketamine-iv-0.5mgkg-40min", "ketamine-iv-0.5mgkg-60min")
IV_CONCENTRATIONS = default_formulary().concentrations_for("iv_infusion", "ketamine")
CONTAINER_MAX_ML = {
    spec.concentration_mg_per_ml.value: spec.container_max_ml.value
    for spec in default_formulary().preparations_for("iv_infusion", "ketamine")
    if spec.concentration_mg_per_ml and spec.container_max_ml
}
RATE_STEP = default_clinic_policy().rate_precision_ml_per_h.value

weights = st.floats(30, 300)
heights = st.floats(140, 210)
sexes = st.sampled_from(("female", "male"))


@settings(max_examples=300, deadline=None)
@given(
    protocol_id=st.sampled_from(IV_PROTOCOLS),
    weight_kg=weights,
    dose_mg_per_kg=st.floats(0.1, 1.0),
    concentration=st.sampled_from(IV_CONCENTRATIONS),
)
def test_rate_times_duration_is_volume_times_concentration_is_dose(
    protocol_id: str, weight_kg: float, dose_mg_per_kg: float, concentration: float
) -> None:
    volume_ml = min(weight_kg, 120) * dose_mg_per_kg / concentration
    assume(volume_ml <= CONTAINER_MAX_ML[concentration] - 0.05)  # larger doses are refused
    result = calculate_dose(
        DoseRequest(
            protocol_id,
            weight_kg=weight_kg,
            dose_mg_per_kg=dose_mg_per_kg,
            concentration_mg_per_ml=concentration,
        )
    )
    assert result.rate_ml_per_h is not None
    assert result.volume_ml is not None
    # rate x duration = volume, and volume x concentration = dose
    assert math.isclose(result.rate_ml_per_h * result.duration_min / 60, result.volume_ml)
    assert math.isclose(result.volume_ml * concentration, result.dose_mg)
    # rounding moves the dose by at most half a volume step, the rate by half a pump step
    volume_step = 0.1
    assert abs(result.dose_mg - result.prescribed_dose_mg) <= volume_step / 2 * concentration + 1e-9
    exact_rate = result.volume_ml * 60 / result.nominal_duration_min
    assert abs(result.rate_ml_per_h - exact_rate) <= RATE_STEP / 2 + 1e-9
    # the prescription itself is weight used x mg/kg, with the weight capped
    assert math.isclose(result.prescribed_dose_mg, result.weight_used_kg * dose_mg_per_kg)
    assert result.weight_used_kg == min(weight_kg, 120)


@settings(max_examples=200, deadline=None)
@given(weight_kg=weights, height_cm=heights, sex=sexes)
def test_adjusted_weight_lies_between_ideal_and_actual(
    weight_kg: float, height_cm: float, sex: str
) -> None:
    ideal = ideal_body_weight_kg(height_cm, sex)  # type: ignore[arg-type]
    adjusted = adjusted_body_weight_kg(weight_kg, ideal)
    assert min(ideal, weight_kg) - 1e-9 <= adjusted <= max(ideal, weight_kg) + 1e-9
    assert math.isclose(adjusted - ideal, 0.4 * (weight_kg - ideal), abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(weight_kg=weights, height_cm=heights, sex=sexes)
def test_chronic_pain_dose_uses_the_adjusted_weight_and_cap(
    weight_kg: float, height_cm: float, sex: str
) -> None:
    protocol = get_protocol("ketamine-iv-0.5mgkgh-240min")
    result = calculate_dose(
        DoseRequest(protocol.id, weight_kg=weight_kg, height_cm=height_cm, sex=sex)  # type: ignore[arg-type]
    )
    ideal = ideal_body_weight_kg(height_cm, sex)  # type: ignore[arg-type]
    expected = weight_kg if weight_kg < ideal else adjusted_body_weight_kg(weight_kg, ideal)
    assert math.isclose(result.weight_used_kg, min(expected, 120))
    assert result.weight_used_kg <= weight_kg + 1e-9
    assert result.volume_ml is not None
    assert math.isclose(result.volume_ml * result.concentration_mg_per_ml, result.dose_mg)  # type: ignore[operator]


def test_ideal_body_weight_by_hand() -> None:
    # Devine: 60 in (152.4 cm) gives the base weights; each inch adds 2.3 kg.
    assert math.isclose(ideal_body_weight_kg(152.4, "male"), 50)
    assert math.isclose(ideal_body_weight_kg(152.4, "female"), 45.5)
    assert math.isclose(ideal_body_weight_kg(177.8, "male"), 50 + 2.3 * 10)


@settings(max_examples=200, deadline=None)
@given(value=st.floats(0, 1000), step=st.sampled_from((0.01, 0.1, 1.0)))
def test_round_to_step_is_nearest_multiple(value: float, step: float) -> None:
    rounded = round_to_step(value, step)
    assert abs(rounded - value) <= step / 2 + 1e-9
    assert math.isclose(rounded / step, round(rounded / step), abs_tol=1e-6)


def test_round_to_step_halves_go_up() -> None:
    assert round_to_step(52.45, 0.1) == 52.5
    assert round_to_step(18.525, 0.1) == 18.5
    assert round_to_step(18.525, 0.01) == 18.53
    assert round_to_step(0.705, 0.01) == 0.71
