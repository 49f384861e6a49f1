"""The formulary: stocked vials, preparations, and what a prepared dose says to do."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.core import DomainInputError, load_toml
from ketaclinic.dosing import (
    DoseRequest,
    calculate_dose,
    default_formulary,
    formulary_from_mapping,
)


def test_stocked_vial_strengths() -> None:
    strengths = sorted(v.concentration_mg_per_ml.value for v in default_formulary().vials)
    assert strengths == [10, 50, 100]
    hundred = next(v for v in default_formulary().vials if v.concentration_mg_per_ml.value == 100)
    assert hundred.dilute_before_iv


def test_bag_preparation_steps() -> None:
    result = calculate_dose(DoseRequest("ketamine-iv-0.5mgkg-40min", weight_kg=70))
    made = result.preparation
    # 35 mg from a 10 mg/mL 20 mL vial: draw 3.5 mL, add 31.5 mL diluent, waste 165 mg.
    assert (made.stock_volume_ml, made.diluent_volume_ml, made.units_opened) == (3.5, 31.5, 1)
    assert made.waste_mg == pytest.approx(165)
    assert "Draw 3.50 mL (35 mg)." in made.steps
    assert any("witness" in step for step in made.steps)


def test_more_vials_when_one_is_not_enough() -> None:
    # 2 mg/kg x 120 kg cap = 240 mg from 50 mg/mL 10 mL (500 mg) vials: one vial.
    big = calculate_dose(
        DoseRequest(
            "ketamine-iv-0.5mgkgh-240min",
            weight_kg=200,
            height_cm=200,
            sex="male",
            dose_mg_per_kg=4,
        )
    )
    assert big.prescribed_dose_mg == 480
    assert big.preparation.units_opened == 1
    more = calculate_dose(
        DoseRequest("ketamine-iv-0.5mgkg-40min", weight_kg=120, concentration_mg_per_ml=10)
    )
    assert more.preparation.units_opened == 1  # 60 mg from a 200 mg vial


def _formulary_data() -> dict[str, Any]:
    return load_toml("ketaclinic.dosing", "formulary.toml")


def test_undiluted_100mg_per_ml_iv_is_refused() -> None:
    data = _formulary_data()
    data["preparation"].append(
        {
            "id": "iv-neat-100",
            "route": "iv_infusion",
            "kind": "undiluted",
            "container": "syringe",
            "stock": "ketamine-100mg-per-ml",
            "concentration_mg_per_ml": {"value": 100, "source": "x"},
            "container_max_ml": {"value": 5, "source": "x"},
            "volume_precision_ml": {"value": 0.1, "source": "x"},
        }
    )
    with pytest.raises(DomainInputError) as error:
        formulary_from_mapping(data)
    assert error.value.field == "formulary.preparation.iv-neat-100.stock"


def test_dilution_must_lower_the_concentration() -> None:
    data = _formulary_data()
    data["preparation"][0]["concentration_mg_per_ml"] = {"value": 20, "source": "x"}
    with pytest.raises(DomainInputError) as error:
        formulary_from_mapping(data)
    assert error.value.field.endswith("concentration_mg_per_ml")


def test_unknown_stock_is_refused() -> None:
    data = _formulary_data()
    data["preparation"][0]["stock"] = "ketamine-5mg-per-ml"
    with pytest.raises(DomainInputError, match="must name a vial"):
        formulary_from_mapping(data)
