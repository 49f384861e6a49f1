"""A preparation made from the vials a location holds, not the formulary's default vial."""

from __future__ import annotations

from dataclasses import replace

from ketaclinic.core import Sourced
from ketaclinic.dosing import PreparationSpec, Vial, default_formulary, make_up
from ketaclinic.dosing.stock import stocked_spec


def _spec(preparation_id: str) -> PreparationSpec:
    return next(p for p in default_formulary().preparations if p.id == preparation_id)


def _vial(mg_per_ml: float, volume_ml: float = 10, drug: str = "ketamine") -> Vial:
    return Vial(
        id=f"v{mg_per_ml}",
        drug=drug,
        label=f"{drug} {mg_per_ml:g} mg/mL (stock)",
        concentration_mg_per_ml=Sourced(mg_per_ml, "test"),
        volume_ml=Sourced(volume_ml, "test"),
        dilute_before_iv=False,
    )


def test_a_diluted_bag_uses_the_stocked_50_mg_per_ml_vial() -> None:
    spec = _spec("iv-bag-1mg-per-ml")  # the formulary's vial: 10 mg/mL
    made_from = stocked_spec(spec, [_vial(50)])
    assert made_from is not None
    made = make_up(made_from, 35)
    assert made.steps[0].startswith("Take 1 vial(s) of ketamine 50 mg/mL (stock)")
    assert made.steps[1] == "Draw 0.70 mL (35 mg)."
    assert made.volume_ml == 35


def test_the_weakest_strong_enough_vial_is_chosen_and_the_own_strength_first() -> None:
    spec = _spec("iv-bag-2mg-per-ml")  # the formulary's vial: 50 mg/mL
    chosen = stocked_spec(spec, [_vial(100, 5), _vial(10, 20)])
    assert chosen is not None
    assert isinstance(chosen.stock, Vial)
    assert chosen.stock.concentration_mg_per_ml.value == 10
    own = stocked_spec(spec, [_vial(10, 20), _vial(50)])
    assert own is not None
    assert isinstance(own.stock, Vial)
    assert own.stock.concentration_mg_per_ml.value == 50


def test_an_undiluted_syringe_needs_its_exact_strength() -> None:
    spec = _spec("iv-syringe-10mg-per-ml")
    assert stocked_spec(spec, [_vial(50)]) is None
    assert stocked_spec(spec, [_vial(10, 5)]) is not None


def test_another_drug_or_no_stock_does_not_fit() -> None:
    spec = _spec("iv-bag-1mg-per-ml")
    assert stocked_spec(spec, []) is None
    assert stocked_spec(spec, [_vial(1, drug="midazolam")]) is None
    weak = replace(_vial(0.5), id="weak")
    assert stocked_spec(spec, [weak]) is None
