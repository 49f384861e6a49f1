"""Target-controlled infusion: reaching and holding targets, limits, and a peer's rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.pharmacology import (
    PharmacologyError,
    Solution,
    get_model,
    modes,
    plan_tci,
    regimen_schedule,
    typical_disposition,
)

TARGET = 0.3


def test_plasma_targeting_reaches_the_target_after_one_interval_and_holds_it() -> None:
    plan = plan_tci(TARGET, 60, 70)
    assert plan.interval_min == pytest.approx(10 / 60)
    np.testing.assert_allclose(plan.plasma_mg_per_l[1:], TARGET, rtol=1e-12)
    assert plan.plasma_mg_per_l[0] == 0.0
    assert np.all(plan.rate_mg_per_min >= 0)


def test_between_pump_updates_plasma_stays_within_one_percent_of_the_target() -> None:
    plan = plan_tci(TARGET, 15, 70)
    schedule, _ = regimen_schedule(plan.regimen(), 70)
    solution = Solution(modes(typical_disposition(get_model(plan.model), 70)), schedule)
    every_second = np.arange(60, 15 * 60 + 1) / 60
    held = solution.plasma(every_second)[:, 0]
    assert np.all(np.abs(held / TARGET - 1) < 0.01)


def test_a_pump_limit_caps_the_rate_and_delays_the_target() -> None:
    plan = plan_tci(TARGET, 30, 70, max_rate_mg_per_min=3.0)
    assert plan.rate_mg_per_min.max() <= 3.0
    reached = plan.time_min[np.argmax(plan.plasma_mg_per_l >= TARGET * (1 - 1e-9))]
    assert reached > plan.interval_min
    after = plan.time_min >= reached
    np.testing.assert_allclose(plan.plasma_mg_per_l[after], TARGET, rtol=1e-9)


def test_a_target_that_rises_then_falls_is_followed() -> None:
    plan = plan_tci([(0, 0.2), (20, 0.4), (40, 0.1)], 80, 70)
    at = {t: plan.plasma_mg_per_l[np.argmin(np.abs(plan.time_min - t))] for t in (10, 30, 79)}
    assert at[10] == pytest.approx(0.2, rel=1e-12)
    assert at[30] == pytest.approx(0.4, rel=1e-12)
    assert at[79] == pytest.approx(0.1, rel=1e-9)
    # While Cp cannot fall to the new target within an interval, the pump waits (no
    # negative infusion).
    overshoot = plan.plasma_mg_per_l[1:] > 0.1 * (1 + 1e-9)
    descending = (plan.time_min[:-1] >= 40) & overshoot
    assert descending.sum() > 10
    assert np.all(plan.rate_mg_per_min[:-1][descending] == 0)


def test_effect_site_targeting_reaches_the_target_and_holds_it_within_one_percent() -> None:
    plan = plan_tci(TARGET, 15, 70, effect_site=True)
    effect = plan.effect_site_mg_per_l
    assert effect is not None
    reached = np.argmax(effect >= TARGET * 0.99)
    assert 0 < plan.time_min[reached] < 10
    assert np.all(np.abs(effect[reached:] / TARGET - 1) <= 0.01)


def test_the_van_poucke_limit_caps_plasma_overshoot() -> None:
    limited = plan_tci(TARGET, 10, 70, effect_site=True)  # cp_limit_ratio 1.2 from tci.toml
    free = plan_tci(TARGET, 10, 70, effect_site=True, cp_limit_ratio=math.inf)
    assert limited.plasma_mg_per_l.max() <= 1.2 * TARGET * (1 + 1e-12)
    assert free.plasma_mg_per_l.max() > 1.0  # Domino's small V1: Cp far above a 0.3 target
    effect = free.effect_site_mg_per_l
    assert effect is not None
    assert effect.max() <= TARGET * (1 + 1e-9)  # the peak just reaches the target


def _pytci_domino(keo: float) -> object:
    from PyTCI.models.base import Three

    class Domino(Three):
        def __init__(self) -> None:
            self.v1 = 0.063 * 70
            self.k10, self.k12, self.k13 = 0.4381, 0.5921, 0.5900
            self.k21, self.k31 = 0.2470, 0.0146
            self.keo = keo
            self.setup()
            self.set_integrator("exact")

    return Domino()


def test_plasma_rates_match_pytci() -> None:
    peer = _pytci_domino(0.238)
    reference = np.array(peer.plasma_infusion(TARGET, 600, 10)) * 60  # type: ignore[attr-defined]
    np.testing.assert_allclose(plan_tci(TARGET, 10, 70).rate_mg_per_min, reference, rtol=1e-12)


def test_unrestricted_effect_site_rates_match_pytci() -> None:
    peer = _pytci_domino(0.238)
    reference = np.array(peer.effect_target(TARGET, 120, 10)) * 60  # type: ignore[attr-defined]
    plan = plan_tci(TARGET, 2, 70, effect_site=True, cp_limit_ratio=math.inf)
    np.testing.assert_allclose(plan.rate_mg_per_min, reference, rtol=1e-9, atol=1e-9)
    assert plan.rate_mg_per_min[1:11].max() == 0  # the first bolus alone carries Ce to target


@settings(max_examples=20, deadline=None)
@given(
    target=st.floats(min_value=0.01, max_value=2.0),
    interval=st.sampled_from([5.0, 10.0, 30.0]),
    max_rate=st.one_of(st.none(), st.floats(min_value=0.5, max_value=50)),
    effect_site=st.booleans(),
)
def test_rates_are_never_negative_nor_above_the_pump_limit(
    target: float, interval: float, max_rate: float | None, effect_site: bool
) -> None:
    plan = plan_tci(
        target, 2, 70, effect_site=effect_site, interval_s=interval, max_rate_mg_per_min=max_rate
    )
    assert np.all(plan.rate_mg_per_min >= 0)
    if max_rate is not None:
        assert np.all(plan.rate_mg_per_min <= max_rate)
    assert plan.total_dose_mg == pytest.approx(
        sum(d.amount_mg(70) for d in plan.regimen()), rel=1e-12
    )


def test_json_form() -> None:
    data = plan_tci(TARGET, 1, 70, effect_site=True).as_dict()
    assert data["targeting"] == "effect_site"
    assert data["time_min"][:2] == [0.0, pytest.approx(1 / 6)]
    keys = ("rate_mg_per_min", "plasma_mg_per_l", "effect_site_mg_per_l", "target_mg_per_l")
    assert all(len(data[key]) == len(data["time_min"]) == 6 for key in keys)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"target_mg_per_l": -0.1}, "target_mg_per_l"),
        ({"target_mg_per_l": math.nan}, "target_mg_per_l"),
        ({"target_mg_per_l": [(5, 0.2)]}, "target_start_min"),
        ({"target_mg_per_l": []}, "target_mg_per_l"),
        ({"duration_min": 0}, "duration_min"),
        ({"weight_kg": -1}, "weight_kg"),
        ({"interval_s": 0}, "interval_s"),
        ({"interval_s": 1e-4, "duration_min": 1e4}, "interval_s"),
        ({"max_rate_mg_per_min": 0}, "max_rate_mg_per_min"),
        ({"cp_limit_ratio": 0.9, "effect_site": True}, "cp_limit_ratio"),
        ({"cp_limit_ratio": 1.5}, "cp_limit_ratio"),
        ({"model": "kamp_2020", "effect_site": True}, "model"),
        ({"model": "herd_2007"}, "weight_kg"),
    ],
)
def test_bad_tci_input_names_the_field(arguments: dict, field: str) -> None:
    options = {"target_mg_per_l": TARGET, "duration_min": 10, "weight_kg": 70, **arguments}
    with pytest.raises(PharmacologyError) as error:
        plan_tci(**options)
    assert error.value.field == field
