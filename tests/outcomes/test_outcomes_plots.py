"""The plots render as SVG and PNG, with and without data, and refuse what cannot be drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.core import DomainInputError
from ketaclinic.outcomes import (
    InfusionEvent,
    PatientOutcome,
    ScorePoint,
    assess_patient,
    kaplan_meier,
    mean_estimate,
    outcome_rules,
    pain_thresholds,
    responder_rates,
)
from ketaclinic.outcomes.plots import ChangeRow, Scale, cohort_plot, trajectory_plot

T0 = datetime(2025, 3, 3, 14, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")


def _outcome(with_scores: bool = True) -> PatientOutcome:
    points = (
        [
            ScorePoint("nrs_pain_average", T0, 8, "baseline"),
            ScorePoint("nrs_pain_average", T0 + timedelta(days=9), 3, "post_infusion"),
            ScorePoint("nrs_pain_average", T0 + timedelta(days=30), 5, "follow_up"),
            ScorePoint("fiqr", T0, 60, "baseline"),
        ]
        if with_scores
        else []
    )
    infusions = [
        InfusionEvent(1, T0 + timedelta(days=9), 35, "iv_infusion", "ketamine-iv-0.5mgkg-40min", 40)
    ]
    return assess_patient(points, infusions, protocol=None, now=T0 + timedelta(days=31))


def test_trajectory_plot_as_svg_and_png() -> None:
    scales = {"nrs_pain_average": Scale("Average pain", 0, 10), "fiqr": Scale("FIQR", 0, 100)}
    svg = trajectory_plot(_outcome(), scales, ZONE)
    assert svg.lstrip().startswith(b"<?xml")
    assert b"Average pain" in svg
    assert b"35 mg" in svg  # the dose on the pain panel
    png = trajectory_plot(_outcome(), scales, ZONE, image_format="png")
    assert png.startswith(b"\x89PNG")


def test_trajectory_plot_refuses_nothing_to_draw_and_unknown_formats() -> None:
    with pytest.raises(DomainInputError):
        trajectory_plot(_outcome(with_scores=False), {}, ZONE)
    with pytest.raises(DomainInputError):
        trajectory_plot(_outcome(), {}, ZONE, image_format="gif")


def test_cohort_plot_with_and_without_data() -> None:
    thresholds = pain_thresholds(outcome_rules())
    rates = [
        (f"Pain {t.category}", r)
        for t, r in zip(thresholds, responder_rates({"moderate": 3}, 10, thresholds), strict=True)
    ]
    curve = kaplan_meier([5, 10, 20], [True, False, True])
    svg = cohort_plot(rates, [ChangeRow("Pain", mean_estimate([-2, -1, 0]), 10)], curve)
    assert b"3/10" in svg
    assert b"Pain moderate" in svg
    empty = cohort_plot([], [], kaplan_meier([], []))
    assert b"no infusions with a later" in empty
