"""Parameter sets and routes as data: every number sourced, scaled and checked as documented."""

from __future__ import annotations

import math
import tomllib
from importlib.resources import files

import numpy as np
import pytest

from ketaclinic.pharmacology import (
    PharmacologyError,
    Route,
    get_model,
    models,
    modes,
    routes,
    typical_disposition,
)

DATA = files("ketaclinic.pharmacology") / "data"


def _numbers_without_source(table: object, path: str = "") -> list[str]:
    """Every number in a data file sits in a table that also has a non-empty source."""
    missing = []
    if isinstance(table, dict):
        has_source = isinstance(table.get("source"), str) and table["source"].strip()
        for key, value in table.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                if key != "schema" and not has_source:
                    missing.append(f"{path}.{key}")
            else:
                missing += _numbers_without_source(value, f"{path}.{key}")
    return missing


@pytest.mark.parametrize(
    "name", ["models.toml", "routes.toml", "landmarks.toml", "tci.toml", "population.toml"]
)
def test_every_number_in_the_data_files_has_a_source(name: str) -> None:
    table = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    assert _numbers_without_source(table) == []


def test_every_model_and_route_carries_a_version() -> None:
    assert all(model.version for model in models().values())
    assert all(route.version for route in routes().values())


def test_required_parameter_sets_are_present() -> None:
    assert {"domino_1982", "clements_250", "kamp_2020", "herd_2007", "hijazi_2003"} <= set(models())


def test_domino_holds_exactly_the_values_of_the_domain_notes() -> None:
    p = {key: value.value for key, value in get_model("domino_1982").parameters.items()}
    assert p == {
        "v1_l_per_kg": 0.063,
        "k10_per_min": 0.4381,
        "k12_per_min": 0.5921,
        "k13_per_min": 0.5900,
        "k21_per_min": 0.2470,
        "k31_per_min": 0.0146,
    }


def test_domino_derived_volumes_clearances_and_half_lives_match_the_notes() -> None:
    typical = get_model("domino_1982").typical(70)
    assert typical["v1"] == pytest.approx(4.41)
    assert typical["v2"] == pytest.approx(10.57, abs=0.005)
    assert typical["v3"] == pytest.approx(178.2, abs=0.05)
    assert typical["cl"] * 60 == pytest.approx(115.9, abs=0.05)
    assert typical["q2"] == pytest.approx(2.611, abs=5e-4)
    assert typical["q3"] == pytest.approx(2.602, abs=5e-4)
    model_modes = modes(typical_disposition(get_model("domino_1982"), 70))
    half_lives = np.log(2) / -model_modes.rate_per_min[:, 0]
    # As printed in the notes: to the last digit shown.
    assert np.all(np.abs(np.sort(half_lives) - [0.40, 4.57, 114.6]) <= [0.005, 0.005, 0.05])
    np.testing.assert_allclose(
        sorted(model_modes.plasma_per_mg[:, 0], reverse=True),
        [0.2119, 0.01296, 0.001870],
        rtol=5e-4,
    )


def test_only_domino_carries_a_published_ke0_with_its_provenance() -> None:
    domino = get_model("domino_1982")
    assert domino.ke0_per_min is not None
    assert domino.ke0_per_min.value == 0.238
    assert "Navarrete" in domino.ke0_per_min.source
    assert "fitted" in domino.ke0_provenance
    assert all(m.ke0_per_min is None for name, m in models().items() if name != "domino_1982")


def test_micro_constant_models_scale_every_volume_and_clearance_linearly() -> None:
    model = get_model("domino_1982")
    light, heavy = model.typical(50), model.typical(100)
    assert all(heavy[key] == pytest.approx(2 * light[key]) for key in light)


def test_allometric_models_scale_volumes_by_weight_and_clearances_by_the_three_quarter_power() -> (
    None
):
    model = get_model("kamp_2020")
    reference, double = model.typical(70), model.typical(140)
    for key in ("v1", "v2", "v3"):
        assert double[key] == pytest.approx(2 * reference[key])
    for key in ("cl", "q2", "q3"):
        assert double[key] == pytest.approx(2**0.75 * reference[key])
    assert reference["cl"] == pytest.approx(84 / 60)


def test_hijazi_reproduces_its_abstract() -> None:
    model = get_model("hijazi_2003")
    typical = model.typical(70)
    assert typical["cl"] / 70 * 1000 == pytest.approx(36.0, abs=0.05)  # mL/min/kg
    slowest = -modes(typical_disposition(model, 70)).rate_per_min[:, 0].max()
    assert math.log(2) / slowest / 60 == pytest.approx(4.9, abs=0.05)  # terminal t1/2, h
    assert typical["cl"] / slowest / 70 == pytest.approx(15.4, abs=0.05)  # V beta, L/kg


def test_herd_between_subject_variability_is_the_published_one() -> None:
    cv = {key: value.value for key, value in get_model("herd_2007").variability_cv.items()}
    assert cv == {"v1": 0.64, "v2": 0.517, "cl": 0.381, "q2": 0.19}


def test_inside_the_validity_range_there_is_no_warning() -> None:
    assert get_model("domino_1982").check_patient(70, 40) == ()


def test_outside_the_range_a_warning_model_warns_loudly_naming_the_field() -> None:
    (warning,) = get_model("domino_1982").check_patient(170)
    assert warning.startswith("weight_kg:")
    assert "EXTRAPOLATING" in warning


def test_outside_the_range_a_refusing_model_refuses() -> None:
    with pytest.raises(PharmacologyError) as error:
        get_model("herd_2007").check_patient(70)
    assert error.value.field == "weight_kg"
    with pytest.raises(PharmacologyError) as error:
        get_model("herd_2007").check_patient(30, age_years=40)
    assert error.value.field == "age_years"


def test_unknown_model_names_the_field_and_lists_the_known_ones() -> None:
    with pytest.raises(PharmacologyError, match="domino_1982") as error:
        get_model("marsh")
    assert error.value.field == "model"
    assert isinstance(error.value, ValueError)


def test_routes_pair_iv_with_domino_and_extravascular_with_a_larger_v1() -> None:
    pairing = {route: defaults.default_model for route, defaults in routes().items()}
    assert pairing[Route.IV_BOLUS] == pairing[Route.IV_INFUSION] == "domino_1982"
    extravascular = [r for r in Route if r.extravascular]
    assert {pairing[r] for r in extravascular} == {"clements_250"}
    assert not get_model("domino_1982").suits_extravascular
    assert get_model("clements_250").suits_extravascular


def test_extravascular_defaults_lie_inside_their_literature_ranges() -> None:
    for route in Route:
        absorption = routes()[route].absorption
        assert (absorption is None) == (not route.extravascular)
        if absorption is not None:
            assert absorption.f_range.contains(absorption.f.value)
            assert absorption.ka_per_min_range.contains(absorption.ka_per_min.value)
            assert 0 < absorption.f.value <= 1
