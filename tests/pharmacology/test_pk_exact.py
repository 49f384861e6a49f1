"""The exact solution: closed forms, a tight ODE reference, and the laws of linear systems."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pk_support import ode_reference

from ketaclinic.pharmacology import (
    Disposition,
    Dose,
    InputSchedule,
    Route,
    Solution,
    build_schedule,
    get_model,
    models,
    modes,
    regimen_schedule,
    simulate,
    typical_disposition,
)

V_L, CL_L_PER_MIN, KE0 = 50.0, 1.0, 0.3
K = CL_L_PER_MIN / V_L


def _one_compartment(ke0: float | None = None) -> Disposition:
    return Disposition.from_values({"v1": V_L, "cl": CL_L_PER_MIN}, ke0)


def _solution(disposition: Disposition, schedule: InputSchedule) -> Solution:
    return Solution(modes(disposition), schedule)


TIMES = np.linspace(0, 300, 301)


def test_one_compartment_bolus() -> None:
    solution = _solution(_one_compartment(), build_schedule(boluses=[(0.0, 20.0)]))
    expected = 20 / V_L * np.exp(-K * TIMES)
    np.testing.assert_allclose(solution.plasma(TIMES)[:, 0], expected, rtol=1e-14)


def test_one_compartment_infusion_and_its_steady_state() -> None:
    rate = 2.0
    solution = _solution(_one_compartment(), build_schedule(infusions=[(0.0, 1e6, rate)]))
    expected = rate / CL_L_PER_MIN * -np.expm1(-K * TIMES)
    np.testing.assert_allclose(solution.plasma(TIMES)[:, 0], expected, rtol=1e-14)
    assert solution.plasma(np.array([5000.0]))[0, 0] == pytest.approx(rate / CL_L_PER_MIN)


@pytest.mark.parametrize("name", sorted(models()))
def test_steady_state_of_every_model_is_rate_over_clearance(name: str) -> None:
    disposition = typical_disposition(get_model(name), 70)
    solution = _solution(disposition, build_schedule(infusions=[(0.0, 1e6, 1.5)]))
    expected = 1.5 / disposition.clearance_l_per_min[0]
    assert solution.plasma(np.array([50_000.0]))[0, 0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("ka", [0.2, K])  # K: absorption exactly as fast as elimination
def test_one_compartment_depot_is_the_bateman_function(ka: float) -> None:
    solution = _solution(_one_compartment(), build_schedule(depots=[(0.0, 30.0, ka)]))
    if ka == K:
        expected = 30 / V_L * ka * TIMES * np.exp(-K * TIMES)
    else:
        expected = 30 / V_L * ka / (ka - K) * (np.exp(-K * TIMES) - np.exp(-ka * TIMES))
    np.testing.assert_allclose(solution.plasma(TIMES)[:, 0], expected, rtol=1e-13, atol=1e-18)


@pytest.mark.parametrize("ke0", [KE0, K])  # K: effect site as fast as elimination
def test_one_compartment_effect_site_after_a_bolus(ke0: float) -> None:
    solution = _solution(_one_compartment(ke0), build_schedule(boluses=[(0.0, 20.0)]))
    if ke0 == K:
        expected = 20 / V_L * K * TIMES * np.exp(-K * TIMES)
    else:
        expected = 20 / V_L * ke0 / (ke0 - K) * (np.exp(-K * TIMES) - np.exp(-ke0 * TIMES))
    np.testing.assert_allclose(solution.effect_site(TIMES)[:, 0], expected, rtol=1e-13)


def test_a_bolus_jumps_plasma_and_left_limits_see_the_time_before_it() -> None:
    solution = _solution(_one_compartment(KE0), build_schedule(boluses=[(10.0, 20.0)]))
    at = np.array([10.0])
    assert solution.plasma(at, left=True)[0, 0] == 0.0
    assert solution.plasma(at)[0, 0] == pytest.approx(20 / V_L)
    assert solution.effect_site(at)[0, 0] == 0.0  # the effect site is continuous


# Random regimens for the ODE comparison and the laws below.
doses = st.builds(
    lambda route, start, amount, duration, ka: Dose(
        route,
        start_min=start,
        dose_mg=amount,
        duration_min=duration if route is Route.IV_INFUSION else None,
        ka_per_min=ka if route.extravascular else None,
    ),
    route=st.sampled_from(list(Route)),
    start=st.floats(min_value=0, max_value=300).map(lambda t: round(t, 2)),
    amount=st.floats(min_value=0.5, max_value=100),
    duration=st.floats(min_value=0.5, max_value=120),
    ka=st.sampled_from([0.01, 0.0746, 0.3, 1.2]),
)
regimens = st.lists(doses, min_size=1, max_size=4).map(tuple)
model_names = st.sampled_from(sorted(models()))


def _disposition(name: str) -> Disposition:
    # Herd is evaluated at 70 kg as in the notes' comparison table.
    return typical_disposition(get_model(name), 70)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regimen=regimens, name=model_names)
def test_agrees_with_a_tight_ode_solution_on_random_regimens(regimen: tuple, name: str) -> None:
    schedule, _ = regimen_schedule(regimen, 70)
    disposition = _disposition(name)
    times = np.union1d(np.linspace(0, 500, 97), schedule.starts_min)
    solution = _solution(disposition, schedule)
    plasma, effect = ode_reference(disposition, schedule, times)
    peak = plasma.max()
    np.testing.assert_allclose(solution.plasma(times)[:, 0], plasma, rtol=1e-9, atol=1e-12 * peak)
    if effect is not None:
        np.testing.assert_allclose(
            solution.effect_site(times)[:, 0], effect, rtol=1e-9, atol=1e-12 * peak
        )


def test_agrees_with_the_ode_when_absorption_matches_a_disposition_rate_exactly() -> None:
    disposition = _disposition("domino_1982")
    rate = float(-modes(disposition).rate_per_min[1, 0])
    schedule = build_schedule(depots=[(0.0, 30.0, rate)], infusions=[(5.0, 45.0, 1.0)])
    times = np.linspace(0, 400, 81)
    plasma, effect = ode_reference(disposition, schedule, times)
    solution = _solution(disposition, schedule)
    assert effect is not None
    np.testing.assert_allclose(solution.plasma(times)[:, 0], plasma, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(solution.effect_site(times)[:, 0], effect, rtol=1e-9, atol=1e-15)


def _plasma(regimen: tuple, name: str, times: np.ndarray) -> np.ndarray:
    schedule, _ = regimen_schedule(regimen, 70)
    return _solution(_disposition(name), schedule).plasma(times)[:, 0]


GRID = np.linspace(0, 600, 121)


@settings(max_examples=30, deadline=None)
@given(first=regimens, second=regimens, name=model_names)
def test_superposition(first: tuple, second: tuple, name: str) -> None:
    together = _plasma(first + second, name, GRID)
    apart = _plasma(first, name, GRID) + _plasma(second, name, GRID)
    np.testing.assert_allclose(together, apart, rtol=1e-11, atol=1e-14 * together.max())


@settings(max_examples=30, deadline=None)
@given(regimen=regimens, name=model_names, shift=st.floats(min_value=0.5, max_value=500))
def test_time_invariance(regimen: tuple, name: str, shift: float) -> None:
    shifted = tuple(
        Dose(**{**d.as_dict(), "route": d.route, "start_min": d.start_min + shift}) for d in regimen
    )
    np.testing.assert_allclose(
        _plasma(shifted, name, GRID + shift),
        _plasma(regimen, name, GRID),
        rtol=1e-10,
        atol=1e-14,
    )


@settings(max_examples=30, deadline=None)
@given(regimen=regimens, name=model_names, factor=st.floats(min_value=0.1, max_value=10))
def test_linearity_in_dose(regimen: tuple, name: str, factor: float) -> None:
    scaled = tuple(
        Dose(**{**d.as_dict(), "route": d.route, "dose_mg": d.amount_mg(70) * factor})
        for d in regimen
    )
    np.testing.assert_allclose(
        _plasma(scaled, name, GRID), factor * _plasma(regimen, name, GRID), rtol=1e-12, atol=1e-16
    )


@settings(max_examples=30, deadline=None)
@given(regimen=regimens, name=model_names)
def test_mass_balance_clearance_times_auc_is_the_absorbed_dose(regimen: tuple, name: str) -> None:
    schedule, _ = regimen_schedule(regimen, 70)
    disposition = _disposition(name)
    absorbed = (
        schedule.bolus_mg.sum()
        + schedule.depot_mg.sum()
        + np.sum(schedule.rate_mg_per_min[:-1] * np.diff(schedule.starts_min))
    )
    # Long enough for every model's slowest mode and the slowest absorption to vanish.
    auc = _solution(disposition, schedule).auc(1e5)[0]
    assert disposition.clearance_l_per_min[0] * auc == pytest.approx(absorbed, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(regimen=regimens)
def test_concentrations_are_never_negative(regimen: tuple) -> None:
    schedule, _ = regimen_schedule(regimen, 70)
    solution = _solution(_disposition("domino_1982"), schedule)
    assert np.all(solution.plasma(GRID) >= 0)
    assert np.all(solution.effect_site(GRID) >= 0)


def test_auc_matches_quadrature_of_the_curve() -> None:
    regimen = (
        Dose(Route.IV_INFUSION, dose_mg=35, duration_min=40),
        Dose(Route.IM, start_min=100, dose_mg=20),
    )
    result = simulate(regimen, 70, model="clements_250", until_min=400, step_min=0.01)
    assert result.summary.auc_mg_min_per_l == pytest.approx(
        np.trapezoid(result.plasma_mg_per_l, result.time_min), rel=1e-8
    )


def test_summary_of_a_one_compartment_bolus_is_exact_off_the_grid() -> None:
    solution = _solution(_one_compartment(), build_schedule(depots=[(0.0, 30.0, 0.2)]))
    from ketaclinic.pharmacology.summary import summarise

    summary = summarise(solution, np.arange(0, 301, 10.0), threshold_mg_per_l=0.2)
    tmax = math.log(0.2 / K) / (0.2 - K)
    assert summary.tmax_min == pytest.approx(tmax, rel=1e-10)
    assert summary.cmax_mg_per_l == pytest.approx(30 / V_L * math.exp(-K * tmax), rel=1e-10)
    assert summary.auc_mg_min_per_l == pytest.approx(
        30 / CL_L_PER_MIN * (1 - (0.2 * math.exp(-K * 300) - K * math.exp(-0.2 * 300)) / (0.2 - K)),
        rel=1e-12,
    )
    dense = np.linspace(0, 300, 3_000_001)
    above = solution.plasma(dense)[:, 0] > 0.2
    assert summary.time_above_threshold_min == pytest.approx(above.mean() * 300, abs=2e-4)


def test_time_above_a_threshold_after_a_bolus_is_the_log_ratio_over_k() -> None:
    from ketaclinic.pharmacology.summary import summarise

    solution = _solution(_one_compartment(), build_schedule(boluses=[(0.0, 20.0)]))
    summary = summarise(solution, np.arange(0, 301, 25.0), threshold_mg_per_l=0.1)
    assert summary.time_above_threshold_min == pytest.approx(math.log(0.4 / 0.1) / K, rel=1e-12)
    assert summary.cmax_mg_per_l == pytest.approx(0.4)
    assert summary.tmax_min == 0.0
