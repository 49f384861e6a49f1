"""The dose calculator against hand calculations, and its bad-input errors."""

from __future__ import annotations

import pytest

from ketaclinic.core import DomainInputError
from ketaclinic.dosing import DoseRequest, DoseResult, calculate_dose
from ketaclinic.protocols import LimitStatus

SEED = "ketamine-iv-0.5mgkg-40min"


def test_seed_regimen_for_70_kg_by_hand() -> None:
    # 70 kg x 0.5 mg/kg = 35 mg; at 1 mg/mL 35 mL; 35 mL / (40/60) h = 52.5 mL/h.
    result = calculate_dose(DoseRequest(SEED, weight_kg=70))
    assert result.as_dict() == {
        "protocol": SEED,
        "version": "2025.1",
        "weight_policy": "actual",
        "weight_used_kg": 70.0,
        "dose_mg": 35.0,
        "dose_mg_per_kg": 0.5,
        "duration_min": 40.0,
        "volume_ml": 35.0,
        "rate_ml_per_h": 52.5,
        "limit_checks": [
            {"limit": "dose_mg_per_kg", "value": 0.5, "status": "ok"},
            {"limit": "dose_mg", "value": 35.0, "status": "ok"},
            {"limit": "rate_mg_per_kg_per_h", "value": 0.75, "status": "ok"},
            {"limit": "duration_min", "value": 40.0, "status": "ok"},
            {"limit": "rate_ml_per_h", "value": 52.5, "status": "ok"},
            {"limit": "series_dose_mg", "value": 35.0, "status": "ok"},
        ],
        "warnings": [],
    }
    assert not result.blocked


def test_sixty_minute_variant_by_hand() -> None:
    result = calculate_dose(DoseRequest("ketamine-iv-0.5mgkg-60min", weight_kg=80))
    assert (result.dose_mg, result.volume_ml, result.rate_ml_per_h) == (40.0, 40.0, 40.0)


def test_chosen_concentration_changes_volume_and_rate() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=80, concentration_mg_per_ml=2))
    assert (result.volume_ml, result.rate_ml_per_h) == (20.0, 30.0)
    assert result.preparation.preparation_id == "iv-bag-2mg-per-ml"


def test_rounding_to_pump_resolution_by_hand() -> None:
    # 70.3 x 0.5 = 35.15 mg -> 35.2 mL at 1 mg/mL (0.1 mL steps) -> 35.2 mg given;
    # 35.2 / (40/60) = 52.8 mL/h exactly.
    result = calculate_dose(DoseRequest(SEED, weight_kg=70.3))
    assert result.prescribed_dose_mg == pytest.approx(35.15)
    assert (result.dose_mg, result.volume_ml, result.rate_ml_per_h) == (35.2, 35.2, 52.8)
    assert any("35.2 mg given" in warning for warning in result.warnings)


def test_rate_rounding_changes_the_run_time() -> None:
    # 10 mg/mL syringe: 35 mg = 3.5 mL; 3.5 / (40/60) = 5.25 -> 5.3 mL/h; 3.5 / 5.3 h = 39.62 min.
    result = calculate_dose(DoseRequest(SEED, weight_kg=70, concentration_mg_per_ml=10))
    assert result.rate_ml_per_h == 5.3
    assert result.duration_min == pytest.approx(3.5 / 5.3 * 60)
    assert result.nominal_duration_min == 40
    assert any("runs 39.6 min" in warning for warning in result.warnings)


def test_adjusted_weight_by_hand() -> None:
    # Female 165 cm = 64.9606 in; IBW = 45.5 + 2.3 x 4.9606 = 56.9094 kg.
    # Adjusted = 56.9094 + 0.4 x (100 - 56.9094) = 74.1457 kg; 2 mg/kg = 148.29 mg.
    # 148.29 mg > 100 mL bag at 1 mg/mL, so 2 mg/mL: 74.1 mL; 74.1 / 4 h = 18.525 -> 18.5 mL/h.
    result = calculate_dose(
        DoseRequest("ketamine-iv-0.5mgkgh-240min", weight_kg=100, height_cm=165, sex="female")
    )
    assert result.weight_policy == "adjusted"
    assert result.weight_used_kg == pytest.approx(74.1457, abs=1e-4)
    assert result.prescribed_dose_mg == pytest.approx(148.293, abs=1e-2)
    assert result.concentration_mg_per_ml == 2
    assert (result.volume_ml, result.rate_ml_per_h) == (74.1, 18.5)


def test_weight_cap() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=150))
    assert result.weight_used_kg == 120
    assert result.dose_mg == 60
    assert any("capped at 120 kg" in warning for warning in result.warnings)


def test_weight_below_ideal_uses_actual() -> None:
    # Male 190 cm: IBW = 50 + 2.3 x (74.8 - 60) = 84.04 kg > 60 kg actual.
    result = calculate_dose(
        DoseRequest("ketamine-iv-0.5mgkgh-240min", weight_kg=60, height_cm=190, sex="male")
    )
    assert result.weight_used_kg == 60
    assert any("below ideal" in warning for warning in result.warnings)


def test_im_injection_by_hand() -> None:
    # 70 kg x 0.5 = 35 mg of 50 mg/mL = 0.70 mL; no pump rate.
    result = calculate_dose(DoseRequest("ketamine-im-0.5mgkg", weight_kg=70))
    assert (result.dose_mg, result.volume_ml, result.rate_ml_per_h) == (35.0, 0.7, None)
    assert result.duration_min == 0
    with_100 = calculate_dose(
        DoseRequest("ketamine-im-0.5mgkg", weight_kg=70, concentration_mg_per_ml=100)
    )
    assert with_100.volume_ml == 0.35


def test_intranasal_esketamine_uses_devices() -> None:
    result = calculate_dose(DoseRequest("esketamine-in-56mg", weight_kg=70))
    assert (result.dose_mg, result.volume_ml, result.rate_ml_per_h) == (56.0, None, None)
    assert result.preparation.units_opened == 2
    assert result.dose_mg_per_kg == pytest.approx(0.8)
    assert calculate_dose(DoseRequest("esketamine-in-56mg", 70, dose_mg=84)).dose_mg == 84


def test_personalised_dose_and_duration() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=60, dose_mg_per_kg=0.4, duration_min=50))
    assert (result.dose_mg, result.duration_min, result.rate_ml_per_h) == (24.0, 50.0, 28.8)


def test_pk_doses_use_the_computed_dose() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=70))
    assert result.pk_doses() == [
        {"route": "iv_infusion", "dose_mg": 35.0, "start_min": 0.0, "duration_min": 40.0}
    ]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (DoseRequest("nope", weight_kg=70), "protocol"),
        (DoseRequest(SEED, weight_kg=12), "weight_kg"),
        (DoseRequest(SEED, weight_kg=301), "weight_kg"),
        (DoseRequest(SEED, weight_kg=float("nan")), "weight_kg"),
        (DoseRequest(SEED, weight_kg=70, height_cm=80), "height_cm"),
        (DoseRequest("ketamine-iv-0.5mgkgh-240min", weight_kg=70, sex="female"), "height_cm"),
        (DoseRequest("ketamine-iv-0.5mgkgh-240min", weight_kg=70, height_cm=170), "sex"),
        (DoseRequest(SEED, weight_kg=70, sex="other"), "sex"),  # type: ignore[arg-type]
        (DoseRequest(SEED, weight_kg=70, concentration_mg_per_ml=5), "concentration_mg_per_ml"),
        (DoseRequest(SEED, 70, concentration_mg_per_ml=100), "concentration_mg_per_ml"),
        (
            DoseRequest("esketamine-in-56mg", 70, concentration_mg_per_ml=1),
            "concentration_mg_per_ml",
        ),
        (DoseRequest(SEED, weight_kg=70, dose_mg=35), "dose_mg"),
        (DoseRequest("esketamine-in-56mg", 70, dose_mg_per_kg=0.8), "dose_mg_per_kg"),
        (DoseRequest("esketamine-in-56mg", 70, dose_mg=50), "dose_mg"),
        (DoseRequest(SEED, weight_kg=70, dose_mg_per_kg=0), "dose_mg_per_kg"),
        (DoseRequest(SEED, weight_kg=70, dose_mg_per_kg=-0.5), "dose_mg_per_kg"),
        (DoseRequest(SEED, weight_kg=70, duration_min=0), "duration_min"),
        (DoseRequest("ketamine-im-0.5mgkg", 70, duration_min=10), "duration_min"),
        (DoseRequest(SEED, weight_kg=70, protocol_version="2020.1"), "protocol_version"),
        # 3 mg/kg x 70 kg = 210 mg = 210 mL at 1 mg/mL: more than the 100 mL bag holds.
        (
            DoseRequest(SEED, 70, dose_mg_per_kg=3, concentration_mg_per_ml=1),
            "concentration_mg_per_ml",
        ),
    ],
)
def test_bad_input_names_the_field(request_: DoseRequest, field: str) -> None:
    with pytest.raises(DomainInputError) as error:
        calculate_dose(request_)
    assert error.value.field == field
    assert isinstance(error.value, ValueError)


def test_negative_series_total_is_bad_input() -> None:
    with pytest.raises(DomainInputError) as error:
        calculate_dose(DoseRequest(SEED, 70), series_dose_mg_given=-1)
    assert error.value.field == "series_dose_mg_given"


def _status(result: DoseResult, limit: str) -> LimitStatus:
    return next(check.status for check in result.limit_checks if check.limit == limit)


@pytest.mark.parametrize(
    ("dose_mg_per_kg", "status"),
    [
        (0.1, LimitStatus.OK),
        (0.0999, LimitStatus.SOFT_EXCEEDED),
        (0.5, LimitStatus.OK),
        (0.5001, LimitStatus.SOFT_EXCEEDED),
        (1.0, LimitStatus.SOFT_EXCEEDED),
        (1.0001, LimitStatus.HARD_EXCEEDED),
    ],
)
def test_dose_per_kg_limits_at_their_edges(dose_mg_per_kg: float, status: LimitStatus) -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=50, dose_mg_per_kg=dose_mg_per_kg))
    assert _status(result, "dose_mg_per_kg") is status
    assert result.blocked == (status is LimitStatus.HARD_EXCEEDED)


@pytest.mark.parametrize(
    ("duration_min", "status"),
    [
        (30, LimitStatus.SOFT_EXCEEDED),  # hard min 30 holds, soft min 40 does not
        (29.99, LimitStatus.HARD_EXCEEDED),
        (40, LimitStatus.OK),
        (60, LimitStatus.OK),
        (60.01, LimitStatus.SOFT_EXCEEDED),
        (120, LimitStatus.SOFT_EXCEEDED),
        (120.01, LimitStatus.HARD_EXCEEDED),
    ],
)
def test_duration_limits_at_their_edges(duration_min: float, status: LimitStatus) -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=70, duration_min=duration_min))
    assert _status(result, "duration_min") is status


def test_rate_hard_limit_at_its_edge() -> None:
    # 1 mg/kg over 30 min = 2 mg/kg/h: the hard maximum exactly.
    at_edge = calculate_dose(DoseRequest(SEED, 50, dose_mg_per_kg=1.0, duration_min=30))
    assert _status(at_edge, "rate_mg_per_kg_per_h") is LimitStatus.SOFT_EXCEEDED
    beyond = calculate_dose(DoseRequest(SEED, 50, dose_mg_per_kg=1.0, duration_min=29.99))
    assert _status(beyond, "rate_mg_per_kg_per_h") is LimitStatus.HARD_EXCEEDED


def test_dose_mg_limits_at_their_edges() -> None:
    # 0.5 mg/kg x 120 kg (the cap) = 60 mg: the soft max exactly.
    assert _status(calculate_dose(DoseRequest(SEED, 120)), "dose_mg") is LimitStatus.OK
    above = calculate_dose(DoseRequest(SEED, 120.1, dose_mg_per_kg=0.5001))
    assert _status(above, "dose_mg") is LimitStatus.SOFT_EXCEEDED


def test_chronic_pain_minimum_dose_is_a_soft_limit() -> None:
    # 35 kg is below IBW (150 cm female: 42.7 kg), so actual weight: 2 x 35 = 70 mg < 80 mg.
    result = calculate_dose(
        DoseRequest("ketamine-iv-0.5mgkgh-240min", weight_kg=35, height_cm=150, sex="female")
    )
    assert _status(result, "dose_mg") is LimitStatus.SOFT_EXCEEDED
    assert any("80" in warning and "override" in warning for warning in result.warnings)


def test_series_limit_counts_earlier_sessions() -> None:
    # 35 mg now; soft max 360 mg and hard max 720 mg for the series.
    ok = calculate_dose(DoseRequest(SEED, 70), series_dose_mg_given=325)
    assert _status(ok, "series_dose_mg") is LimitStatus.OK
    soft = calculate_dose(DoseRequest(SEED, 70), series_dose_mg_given=325.01)
    assert _status(soft, "series_dose_mg") is LimitStatus.SOFT_EXCEEDED
    hard = calculate_dose(DoseRequest(SEED, 70), series_dose_mg_given=685.01)
    assert hard.blocked
    assert hard.hard_exceeded[0].limit == "series_dose_mg"


def test_im_dose_hard_limit() -> None:
    # 1 mg/kg x 120 kg = 120 mg exceeds the dose hard max 100 mg (and is 2.4 mL at 50 mg/mL).
    result = calculate_dose(DoseRequest("ketamine-im-0.5mgkg", 120, dose_mg_per_kg=1.0))
    assert [check.limit for check in result.hard_exceeded] == ["dose_mg"]


def test_hard_limit_warning_says_blocked() -> None:
    result = calculate_dose(DoseRequest(SEED, weight_kg=70, dose_mg_per_kg=1.2))
    assert result.blocked
    assert any(w.startswith("hard limit: dose_mg_per_kg 1.2") for w in result.warnings)


@pytest.mark.parametrize(
    "request_",
    [
        DoseRequest(SEED, weight_kg=70),
        DoseRequest("ketamine-im-0.5mgkg", weight_kg=70),
        DoseRequest("esketamine-in-56mg", weight_kg=70),
    ],
    ids=lambda r: r.protocol_id,
)
def test_pk_doses_are_accepted_by_the_pharmacology_engine(request_: DoseRequest) -> None:
    from ketaclinic.pharmacology import Dose
    from ketaclinic.protocols import get_protocol

    for dose in calculate_dose(request_).pk_doses():
        assert Dose(**dose).amount_mg(70) == dose["dose_mg"]
    for dose in get_protocol(request_.protocol_id).pk_doses():
        Dose(**dose)
