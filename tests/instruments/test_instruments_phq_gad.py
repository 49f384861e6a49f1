"""PHQ-9 (Kroenke 2001) and GAD-7 (Spitzer 2006): sums, bands, item 9 alert, bad input."""

from __future__ import annotations

import pytest
from instruments_support import answers_for

from ketaclinic.instruments import InstrumentError, score


def phq9(*values: int) -> dict[str, int]:
    return {f"phq9_{number}": value for number, value in enumerate(values, start=1)}


def gad7(*values: int) -> dict[str, int]:
    return {f"gad7_{number}": value for number, value in enumerate(values, start=1)}


def test_phq9_worked_example() -> None:
    # 1 + 2 + 0 + 3 + 1 + 0 + 1 + 2 + 0 = 10 -> moderate (10–14); item 9 = 0: no alert.
    result = score("phq9", phq9(1, 2, 0, 3, 1, 0, 1, 2, 0))
    assert result.total == 10
    assert result.band is not None
    assert result.band.code == "moderate"
    assert result.valid
    assert result.alerts == ()
    assert not result.urgent
    assert result.subscores == {}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total: int, band: str) -> None:
    # Fill items 1–8 first (max 24) so item 9 stays 0 until the total needs it.
    values = [min(3, max(0, total - 3 * index)) for index in range(9)]
    result = score("phq9", phq9(*values))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_0_is_urgent_whatever_the_total(item9: int) -> None:
    result = score("phq9", phq9(0, 0, 0, 0, 0, 0, 0, 0, item9))
    assert result.band is not None
    assert result.band.code == "minimal"
    assert result.urgent
    (alert,) = result.alerts
    assert (alert.code, alert.severity, alert.item, alert.urgent) == (
        "phq9_item9",
        "urgent",
        "phq9_9",
        True,
    )
    assert f"item 9 answered {item9}" in alert.message
    assert "same-day clinician review" in alert.message


def test_phq9_item9_zero_raises_no_alert_even_when_severe() -> None:
    result = score("phq9", phq9(3, 3, 3, 3, 3, 3, 3, 3, 0))
    assert result.total == 24
    assert result.alerts == ()


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(total: int, band: str) -> None:
    values = [min(3, max(0, total - 3 * index)) for index in range(7)]
    result = score("gad7", gad7(*values))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band
    assert result.alerts == ()


def test_gad7_worked_example() -> None:
    # 2 + 2 + 1 + 1 + 0 + 3 + 1 = 10 -> moderate.
    result = score("gad7", gad7(2, 2, 1, 1, 0, 3, 1))
    assert result.total == 10
    assert result.band is not None
    assert result.band.label == "Moderate"


def test_a_missing_item_is_an_error_naming_it() -> None:
    answers = phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)
    del answers["phq9_4"]
    with pytest.raises(InstrumentError) as caught:
        score("phq9", answers)
    assert caught.value.field == "phq9_4"
    assert "every item of phq9 is required" in str(caught.value)


def test_none_counts_as_missing() -> None:
    with pytest.raises(InstrumentError, match="unanswered: gad7_2, gad7_7") as caught:
        score("gad7", answers_for("gad7", 1, gad7_2=None, gad7_7=None))
    assert caught.value.field == "gad7_2"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (4, "4 is outside the range 0–3"),
        (-1, "-1 is outside the range 0–3"),
        (True, "must be a whole number from 0 to 3, got True"),
        (1.0, "must be a whole number from 0 to 3, got 1.0"),
        ("2", "must be a whole number from 0 to 3, got '2'"),
        ([1, 2], "takes one answer, got a list"),
    ],
)
def test_bad_answers_are_rejected_naming_the_item(value: object, message: str) -> None:
    with pytest.raises(InstrumentError) as caught:
        score("phq9", answers_for("phq9", 0, phq9_3=value))
    assert str(caught.value) == f"phq9_3: {message}"
    assert isinstance(caught.value, ValueError)


def test_an_unknown_item_is_rejected() -> None:
    with pytest.raises(InstrumentError, match="unknown item for instrument phq9") as caught:
        score("phq9", answers_for("phq9", 0, phq9_10=0))
    assert caught.value.field == "phq9_10"


def test_an_unknown_instrument_is_rejected() -> None:
    with pytest.raises(InstrumentError, match="unknown instrument 'phq8'") as caught:
        score("phq8", {})
    assert caught.value.field == "instrument"


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(InstrumentError, match="must be an object"):
        score("phq9", [0] * 9)  # type: ignore[arg-type]
