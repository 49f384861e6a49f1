"""Plots: PNG and SVG bytes with curves, bands and the landmark ranges with their sources."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from ketaclinic.pharmacology import (
    Dose,
    PharmacologyError,
    Route,
    landmarks,
    render_plot,
    simulate,
    simulate_population,
)

IV = (Dose(Route.IV_INFUSION, dose_mg_per_kg=0.5, duration_min=40),)
IM = (Dose(Route.IM, dose_mg_per_kg=0.5),)


@pytest.fixture(scope="module")
def curves() -> list:
    return [
        simulate_population(IV, 70, 200, 1, until_min=240, step_min=2),
        simulate(IM, 70, until_min=240, step_min=2),
    ]


def test_png(curves: list) -> None:
    image = render_plot(curves, labels=["IV 40 min", "IM"])
    assert image.startswith(b"\x89PNG\r\n\x1a\n")


def test_svg_names_the_landmarks_with_their_sources(curves: list) -> None:
    image = render_plot(curves, labels=["IV 40 min", "IM"], image_format="svg")
    ElementTree.fromstring(image)  # well-formed
    text = image.decode()
    for landmark in landmarks():
        if landmark.low_mg_per_l.value < 0.35:  # the bands inside the plotted range
            assert landmark.label in text
            assert landmark.citation.split()[0] in text
    assert "5th-95th percentile" in text


def test_the_same_input_gives_the_same_bytes(curves: list) -> None:
    assert render_plot(curves, image_format="svg") == render_plot(curves, image_format="svg")


def test_long_horizons_are_drawn_in_hours() -> None:
    series = tuple(
        Dose(Route.IV_INFUSION, start_min=day * 1440, dose_mg_per_kg=0.5, duration_min=40)
        for day in (0, 2, 4)
    )
    image = render_plot([simulate(series, 70, step_min=10)], image_format="svg")
    assert "time (h)" in image.decode()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"image_format": "gif"}, "image_format"), ({"labels": ["a", "b", "c"]}, "labels")],
)
def test_bad_plot_input_names_the_field(curves: list, arguments: dict, field: str) -> None:
    with pytest.raises(PharmacologyError) as error:
        render_plot(curves, **arguments)
    assert error.value.field == field


def test_nothing_to_plot() -> None:
    with pytest.raises(PharmacologyError, match="curves"):
        render_plot([])
