"""Virtual populations: reproducible, memory-bounded percentile bands that converge with N."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from ketaclinic.pharmacology import (
    MAX_PATIENTS,
    Dose,
    PharmacologyError,
    Route,
    Solution,
    get_model,
    modes,
    percentile_bands,
    regimen_schedule,
    sample_disposition,
    simulate,
    simulate_population,
)

INFUSION = (Dose(Route.IV_INFUSION, dose_mg_per_kg=0.5, duration_min=40),)
BOLUS_MG = 20.0


def test_a_seed_gives_the_same_population_and_another_seed_another() -> None:
    first = simulate_population(INFUSION, 70, 500, seed=7, until_min=120, step_min=5)
    again = simulate_population(INFUSION, 70, 500, seed=7, until_min=120, step_min=5)
    other = simulate_population(INFUSION, 70, 500, seed=8, until_min=120, step_min=5)
    for key in ("5", "50", "95"):
        np.testing.assert_array_equal(
            first.percentiles_mg_per_l[key], again.percentiles_mg_per_l[key]
        )
    assert not np.array_equal(first.percentiles_mg_per_l["50"], other.percentiles_mg_per_l["50"])


def test_bands_do_not_depend_on_block_size_or_threads() -> None:
    model = get_model("domino_1982")
    cv = {name: value.value for name, value in model.variability_cv.items()}
    schedule, _ = regimen_schedule(INFUSION, 70)
    solution = Solution(modes(sample_disposition(model, 70, 3000, 1, cv)), schedule)
    times = np.linspace(0, 240, 97)
    default = percentile_bands(solution, times)
    whole = np.percentile(solution.plasma(times), [5, 50, 95], axis=1)
    for block_values, workers in ((3000, 1), (7 * 3000 + 5, 2), (10**9, 1)):
        bands = percentile_bands(solution, times, block_values=block_values, workers=workers)
        for j, key in enumerate(("5", "50", "95")):
            np.testing.assert_array_equal(bands[key], default[key])
            np.testing.assert_array_equal(bands[key], whole[j])


def test_bands_are_ordered_and_surround_the_typical_patient() -> None:
    result = simulate_population(INFUSION, 70, 2000, seed=3, until_min=240, step_min=10)
    low, mid, high = (result.percentiles_mg_per_l[k] for k in ("5", "50", "95"))
    assert np.all(low <= mid)
    assert np.all(mid <= high)
    inside = (result.typical.plasma_mg_per_l >= low) & (result.typical.plasma_mg_per_l <= high)
    assert inside[1:].all()
    assert (
        result.typical.plasma_mg_per_l.tolist()
        == simulate(INFUSION, 70, until_min=240, step_min=10).plasma_mg_per_l.tolist()
    )


def _bolus_error(n_patients: int, seed: int) -> float:
    """Largest relative error of the 5/50/95th percentiles of Cp right after a bolus, where
    Cp = dose / V1 is exactly log-normal (only V1 varies, CV 30%)."""
    cv = {"v1": 0.3, "v2": 0.0, "v3": 0.0, "cl": 0.0, "q2": 0.0, "q3": 0.0}
    result = simulate_population(
        (Dose(Route.IV_BOLUS, dose_mg=BOLUS_MG),),
        70,
        n_patients,
        seed,
        times_min=np.array([0.0]),
        variability_cv=cv,
    )
    omega = math.sqrt(math.log1p(0.3**2))
    typical = BOLUS_MG / get_model("domino_1982").typical(70)["v1"]
    errors = [
        abs(
            result.percentiles_mg_per_l[f"{q}"][0]
            / (typical * math.exp(omega * NormalDist().inv_cdf(q / 100)))
            - 1
        )
        for q in (5, 50, 95)
    ]
    return max(errors)


def test_percentile_bands_converge_to_the_exact_log_normal_quantiles() -> None:
    small = [_bolus_error(100, seed) for seed in range(5)]
    large = [_bolus_error(100_000, seed) for seed in range(5)]
    assert max(large) < 0.01
    assert np.mean(large) < np.mean(small) / 5  # error shrinks about as 1 / sqrt(N)


def test_variability_can_be_switched_off() -> None:
    cv = dict.fromkeys(("v1", "v2", "v3", "cl", "q2", "q3"), 0.0)
    result = simulate_population(INFUSION, 70, 50, 1, until_min=100, step_min=10, variability_cv=cv)
    for band in result.percentiles_mg_per_l.values():
        np.testing.assert_allclose(band, result.typical.plasma_mg_per_l, rtol=1e-12, atol=1e-18)


def test_models_use_their_published_variability() -> None:
    result = simulate_population(
        INFUSION, 30, 10, 1, model="herd_2007", until_min=60, step_min=30, age_years=8
    )
    assert result.variability_cv == {"v1": 0.64, "v2": 0.517, "cl": 0.381, "q2": 0.19}


def test_json_form_aligns_percentiles_with_times() -> None:
    data = simulate_population(INFUSION, 70, 100, 1, until_min=60, step_min=15).as_dict()
    assert set(data["percentiles"]) == {"5", "50", "95"}
    assert all(len(band) == len(data["time_min"]) == 5 for band in data["percentiles"].values())
    assert data["population"]["n_patients"] == 100


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"n_patients": 0}, "n_patients"),
        ({"n_patients": MAX_PATIENTS + 1}, "n_patients"),
        ({"n_patients": 10.5}, "n_patients"),
        ({"n_patients": True}, "n_patients"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"variability_cv": {"ka": 0.3}}, "variability_cv.ka"),
        ({"variability_cv": {"v1": -0.3}}, "variability_cv.v1"),
        ({"percentiles": (5, 150)}, "percentiles"),
    ],
)
def test_bad_population_input_names_the_field(arguments: dict, field: str) -> None:
    options = {"n_patients": 10, "seed": 1, **arguments}
    with pytest.raises(PharmacologyError) as error:
        simulate_population(INFUSION, 70, until_min=60, **options)
    assert error.value.field == field
