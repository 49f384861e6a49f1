"""Divided differences of exp: exact to rounding for separate, close and coincident nodes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pk_support import decimal_divided_difference

from ketaclinic.pharmacology.divided import SERIES_LIMIT, exp_divided_difference

# Zero, or at least 1e-6 in size: the 60-digit reference cannot resolve gaps much finer.
rates = st.one_of(st.just(0.0), st.floats(min_value=-3.0, max_value=-1e-6))
times = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=300.0))
# Relative perturbations that make nodes coincide exactly or nearly.
nearness = st.sampled_from([0.0, 1e-15, 1e-12, 1e-8, 1e-4, 1e-2, 0.5])


def _close(value: float, reference: float, tau: float, nodes: list[float]) -> None:
    # exp(x tau) itself carries a relative error of about |x| tau ulps; below 1e-290 the
    # floats are subnormal and carry no relative precision (and no clinical meaning).
    scale = 1 + max(abs(x) for x in nodes) * tau
    assert value == pytest.approx(reference, rel=64 * scale * 2.2e-16, abs=1e-290)


@settings(max_examples=200, deadline=None)
@given(nodes=st.lists(rates, min_size=1, max_size=3), tau=times, near=nearness)
def test_matches_decimal_reference(nodes: list[float], tau: float, near: float) -> None:
    if len(nodes) > 1:
        nodes[1] = nodes[0] * (1 + near)
    value = float(exp_divided_difference(nodes, np.array([tau]))[0])
    _close(value, decimal_divided_difference(nodes, tau), tau, nodes)


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ((-0.3, -0.3), lambda t: t * np.exp(-0.3 * t)),
        ((-0.3, -0.3, -0.3), lambda t: t * t / 2 * np.exp(-0.3 * t)),
        ((0.0, 0.0), lambda t: t),
        ((-0.5, 0.0), lambda t: -np.expm1(-0.5 * t) / 0.5),
    ],
)
def test_confluent_limits(nodes: tuple[float, ...], expected: object) -> None:
    tau = np.array([0.0, 0.01, 1.0, 10.0, 200.0])
    assert callable(expected)
    np.testing.assert_allclose(exp_divided_difference(nodes, tau), expected(tau), rtol=1e-14)


def test_series_and_direct_branches_agree_at_the_switch() -> None:
    alpha = -1.0
    tau = np.array([SERIES_LIMIT * (1 - 1e-9), SERIES_LIMIT * (1 + 1e-9)])
    value = exp_divided_difference((alpha, -0.4, 0.0), tau)
    reference = [decimal_divided_difference((alpha, -0.4, 0.0), float(t)) for t in tau]
    np.testing.assert_allclose(value, reference, rtol=1e-14)


def test_broadcasts_patients_against_times() -> None:
    rates_per_patient = np.array([-0.1, -0.2, -0.2])
    tau = np.array([[1.0], [2.0]])
    value = exp_divided_difference((rates_per_patient, -0.2), tau)
    assert value.shape == (2, 3)
    assert value[1, 2] == pytest.approx(2.0 * np.exp(-0.4), rel=1e-15)


def test_refuses_four_nodes() -> None:
    with pytest.raises(ValueError, match="nodes"):
        exp_divided_difference((-1.0, -2.0, -3.0, -4.0), np.array([1.0]))
