"""Regimens: parsing, resolution to inputs, and bad input named by field."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ketaclinic.pharmacology import (
    Dose,
    PharmacologyError,
    Route,
    default_model_name,
    parse_regimen,
    regimen_schedule,
    simulate,
    time_grid,
)

EXAMPLE = [
    {"route": "iv_infusion", "dose_mg_per_kg": 0.5, "start_min": 0, "duration_min": 40},
    {"route": "im", "dose_mg": 35, "start_min": 300},
]


def _field(data: object) -> str:
    with pytest.raises(PharmacologyError) as error:
        parse_regimen(data)
    return error.value.field


def test_the_issue_example_parses() -> None:
    regimen = parse_regimen(EXAMPLE)
    assert regimen[0] == Dose(Route.IV_INFUSION, dose_mg_per_kg=0.5, duration_min=40)
    assert regimen[1] == Dose(Route.IM, start_min=300, dose_mg=35)
    assert [d.as_dict() for d in regimen] == [
        {"route": "iv_infusion", "start_min": 0.0, "dose_mg_per_kg": 0.5, "duration_min": 40.0},
        {"route": "im", "start_min": 300.0, "dose_mg": 35.0},
    ]


def test_resolution_applies_weight_route_defaults_and_overrides() -> None:
    regimen = parse_regimen(
        [*EXAMPLE, {"route": "oral", "dose_mg": 100, "start_min": 60, "f": 0.2, "lag_min": 15}]
    )
    schedule, warnings = regimen_schedule(regimen, 80)
    assert warnings == ()
    np.testing.assert_array_equal(schedule.starts_min, [0, 40, 75, 300])
    np.testing.assert_allclose(schedule.rate_mg_per_min, [1.0, 0, 0, 0])  # 40 mg over 40 min
    np.testing.assert_allclose(schedule.ka_per_min, [0.0165, 0.0746])
    np.testing.assert_allclose(schedule.depot_mg[2], [20.0, 0.0])  # oral: F 0.2 x 100 mg
    np.testing.assert_allclose(schedule.depot_mg[3], [0.0, 0.93 * 35])  # IM default F


def test_a_pause_and_a_rate_change_are_consecutive_infusion_segments() -> None:
    regimen = (
        Dose(Route.IV_INFUSION, dose_mg=20, duration_min=20),
        Dose(Route.IV_INFUSION, start_min=30, dose_mg=10, duration_min=20),
    )
    schedule, _ = regimen_schedule(regimen, 70)
    np.testing.assert_array_equal(schedule.starts_min, [0, 20, 30, 50])
    np.testing.assert_allclose(schedule.rate_mg_per_min, [1.0, 0.0, 0.5, 0.0])


def test_overrides_outside_the_literature_range_warn_naming_the_dose() -> None:
    regimen = parse_regimen([{"route": "intranasal", "dose_mg": 50, "f": 0.9, "ka_per_min": 2}])
    _, warnings = regimen_schedule(regimen, 70)
    assert [w.split(":")[0] for w in warnings] == ["regimen[0].f", "regimen[0].ka_per_min"]


@pytest.mark.parametrize(
    ("dose", "field"),
    [
        ({"route": "im", "dose_mg": 0}, "regimen[0].dose_mg"),
        ({"route": "im", "dose_mg": -5}, "regimen[0].dose_mg"),
        ({"route": "im", "dose_mg": math.nan}, "regimen[0].dose_mg"),
        ({"route": "im", "dose_mg": math.inf}, "regimen[0].dose_mg"),
        ({"route": "im", "dose_mg_per_kg": -0.5}, "regimen[0].dose_mg_per_kg"),
        ({"route": "im"}, "regimen[0].dose_mg"),
        ({"route": "im", "dose_mg": 5, "dose_mg_per_kg": 0.1}, "regimen[0].dose_mg"),
        ({"route": "rectal", "dose_mg": 5}, "regimen[0].route"),
        ({"route": 3, "dose_mg": 5}, "regimen[0].route"),
        ({"dose_mg": 5}, "regimen[0].route"),
        ({"route": "iv_infusion", "dose_mg": 5}, "regimen[0].duration_min"),
        ({"route": "iv_infusion", "dose_mg": 5, "duration_min": 0}, "regimen[0].duration_min"),
        ({"route": "iv_bolus", "dose_mg": 5, "duration_min": 10}, "regimen[0].duration_min"),
        ({"route": "im", "dose_mg": 5, "start_min": -1}, "regimen[0].start_min"),
        ({"route": "im", "dose_mg": 5, "start_min": "0"}, "regimen[0].start_min"),
        ({"route": "im", "dose_mg": True}, "regimen[0].dose_mg"),
        ({"route": "im", "dose_mg": 5, "f": 1.5}, "regimen[0].f"),
        ({"route": "im", "dose_mg": 5, "f": 0}, "regimen[0].f"),
        ({"route": "im", "dose_mg": 5, "ka_per_min": 0}, "regimen[0].ka_per_min"),
        ({"route": "im", "dose_mg": 5, "lag_min": -2}, "regimen[0].lag_min"),
        ({"route": "iv_bolus", "dose_mg": 5, "f": 0.5}, "regimen[0].f"),
        ({"route": "im", "dose_mg": 5, "dose": 5}, "regimen[0].dose"),
    ],
)
def test_bad_doses_name_their_field(dose: dict, field: str) -> None:
    assert _field([dose]) == field


def test_the_index_of_the_bad_dose_is_named() -> None:
    assert _field([EXAMPLE[0], {"route": "im", "dose_mg": -1}]) == "regimen[1].dose_mg"


@pytest.mark.parametrize("data", [[], {}, "x", None, [3]])
def test_a_regimen_must_be_a_list_of_objects(data: object) -> None:
    assert _field(data).startswith("regimen")


def test_nan_from_a_json_file_is_refused() -> None:
    assert _field(json.loads('[{"route": "im", "dose_mg": NaN}]')) == "regimen[0].dose_mg"


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="dose_mg"):
        Dose(Route.IM, dose_mg=-1)


def test_the_default_model_follows_the_routes() -> None:
    iv, im = parse_regimen(EXAMPLE)
    assert default_model_name((iv,)) == "domino_1982"
    assert default_model_name((im,)) == "clements_250"
    assert default_model_name((iv, im)) == "clements_250"  # mixed: the extravascular pairing


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"weight_kg": 0}, "weight_kg"),
        ({"weight_kg": math.nan}, "weight_kg"),
        ({"weight_kg": -70}, "weight_kg"),
        ({"model": "nope"}, "model"),
        ({"until_min": 0}, "until_min"),
        ({"until_min": math.inf}, "until_min"),
        ({"step_min": 0}, "step_min"),
        ({"until_min": 10, "step_min": 20}, "step_min"),
        ({"until_min": 1e6, "step_min": 1e-3}, "step_min"),
        ({"times_min": np.array([0.0, -1.0])}, "times_min"),
        ({"times_min": np.array([-1.0, 2.0])}, "times_min"),
        ({"times_min": np.array([0.0, np.nan])}, "times_min"),
        ({"times_min": np.array([1.0, 1.0])}, "times_min"),
        ({"times_min": np.array([1.0]), "step_min": 1}, "times_min"),
        ({"age_years": -3}, "age_years"),
        ({"threshold_mg_per_l": -0.1}, "threshold_mg_per_l"),
    ],
)
def test_bad_simulation_options_name_their_field(options: dict, field: str) -> None:
    arguments = {"weight_kg": 70, **options}
    with pytest.raises(PharmacologyError) as error:
        simulate(parse_regimen(EXAMPLE[:1]), **arguments)
    assert error.value.field == field


def test_time_grid_includes_the_horizon() -> None:
    np.testing.assert_allclose(time_grid(10, 3), [0, 3, 6, 9, 10])
    np.testing.assert_allclose(time_grid(240, 1 / 60)[-1], 240)
    assert len(time_grid(240, 1 / 60)) == 14401
