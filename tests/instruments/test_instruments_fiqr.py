"""FIQR scoring (fiqr.info, clinical.md §4): domains, proration, validity rules, bands."""

from __future__ import annotations

import pytest
from instruments_support import answers_for

from ketaclinic.instruments import InstrumentError, default_registry, score

FUNCTION = tuple(item.id for item in default_registry().get("fiqr").group_items("function"))
OVERALL = ("goals_prevented", "overwhelmed")
SYMPTOMS = tuple(item.id for item in default_registry().get("fiqr").group_items("symptoms"))


def fiqr(function: list[int], overall: list[int], symptoms: list[int]) -> dict[str, object]:
    values = [*function, *overall, *symptoms]
    return dict(zip(FUNCTION + OVERALL + SYMPTOMS, values, strict=True))


def test_domains_are_in_source_order_with_9_2_10_items() -> None:
    definition = default_registry().get("fiqr")
    assert [group.id for group in definition.groups] == ["function", "overall_impact", "symptoms"]
    assert (len(FUNCTION), len(OVERALL), len(SYMPTOMS)) == (9, 2, 10)
    assert definition.items[0].id == "brush_hair"
    assert definition.items[-1].id == "sensitivity"


def test_worked_example() -> None:
    # Function 2+4+6+3+5+7+4+2+3 = 36 -> /3 = 12; overall 6+4 = 10 -> 10;
    # symptoms 7+6+5+8+3+4+5+6+2+4 = 50 -> /2 = 25. Total 47 -> moderate (41–63).
    result = score(
        "fiqr", fiqr([2, 4, 6, 3, 5, 7, 4, 2, 3], [6, 4], [7, 6, 5, 8, 3, 4, 5, 6, 2, 4])
    )
    assert result.subscores == {"function": 12, "overall_impact": 10, "symptoms": 25}
    assert result.total == 47
    assert result.valid
    assert result.band is not None
    assert result.band.code == "moderate"


def test_fractional_domain_scores_are_exact_then_rounded() -> None:
    # Function 10 -> 3.333…; symptoms 5 -> 2.5; total 3.333… + 1 + 2.5 = 6.8333…
    result = score("fiqr", fiqr([10, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0], [5] + [0] * 9))
    assert result.subscores == {"function": 3.33, "overall_impact": 1, "symptoms": 2.5}
    assert result.total == 6.83


def test_extremes_are_0_and_100() -> None:
    assert score("fiqr", answers_for("fiqr", 0)).total == 0
    top = score("fiqr", answers_for("fiqr", 10))
    assert top.subscores == {"function": 30, "overall_impact": 20, "symptoms": 50}
    assert top.total == 100
    assert top.band is not None
    assert top.band.code == "very_severe"


def test_one_missing_function_item_is_prorated() -> None:
    # 8 answered function items sum 40 -> 40 × 9/8 = 45 -> /3 = 15.
    answers = answers_for("fiqr", 5) | {"climb_stairs": None}
    result = score("fiqr", answers)
    assert result.valid
    assert result.subscores["function"] == 15
    assert result.answers["climb_stairs"] is None


def test_proration_weights_by_items_over_answered() -> None:
    # Answered function items 1..8 sum 36 -> 36 × 9/8 = 40.5 -> /3 = 13.5.
    answers = fiqr([1, 2, 3, 4, 5, 6, 7, 8, 0], [0, 0], [0] * 10)
    del answers["go_shopping"]
    assert score("fiqr", answers).subscores["function"] == 13.5


def test_two_missing_function_items_make_it_invalid() -> None:
    answers = answers_for("fiqr", 5) | {"brush_hair": None, "go_shopping": None}
    result = score("fiqr", answers)
    assert not result.valid
    assert result.total is None
    assert result.band is None
    assert result.subscores["function"] is None
    assert result.subscores["symptoms"] == 25
    assert result.invalid_reasons == (
        "Function: 2 of 9 items unanswered (brush_hair, go_shopping); at most 1 may be unanswered",
    )


@pytest.mark.parametrize("item_id", ["goals_prevented", "overwhelmed", "pain", "sensitivity"])
def test_any_missing_overall_or_symptom_item_makes_it_invalid(item_id: str) -> None:
    answers = answers_for("fiqr", 3)
    del answers[item_id]
    result = score("fiqr", answers)
    assert not result.valid
    assert result.total is None
    assert item_id in result.invalid_reasons[0]
    assert "none may be unanswered" in result.invalid_reasons[0]


def test_multiple_answers_on_3_items_make_it_invalid() -> None:
    answers = answers_for("fiqr", 4) | {"brush_hair": [3, 4], "go_shopping": [1, 2], "pain": [5, 6]}
    result = score("fiqr", answers)
    assert not result.valid
    assert result.invalid_reasons[-1] == (
        "several answers marked on 3 items (brush_hair, go_shopping, pain); invalid at 3 or more"
    )


def test_multiple_answers_on_one_function_item_count_as_unanswered() -> None:
    with_double = score("fiqr", answers_for("fiqr", 4) | {"brush_hair": [3, 4]})
    without = score("fiqr", answers_for("fiqr", 4) | {"brush_hair": None})
    assert with_double.valid
    assert with_double.total == without.total


def test_multiple_answers_must_each_be_in_range() -> None:
    with pytest.raises(InstrumentError, match="outside the range") as caught:
        score("fiqr", answers_for("fiqr", 4) | {"pain": [3, 11]})
    assert caught.value.field == "pain"


def test_nothing_answered_is_invalid_not_an_error() -> None:
    result = score("fiqr", {})
    assert not result.valid
    assert len(result.invalid_reasons) == 3


def spread(total: int, count: int) -> list[int]:
    """``count`` answers of at most 10 that add up to ``total``, fullest first."""
    return [min(10, max(0, total - 10 * index)) for index in range(count)]


@pytest.mark.parametrize(
    ("symptom_sum", "total", "band"),
    [
        # All function items 0, overall 10 + 10 = 20, so total = 20 + symptom sum / 2.
        (6, 23, "remission"),
        (7, 23.5, "remission"),  # between 0–23 and 24–40: the lower band until 24
        (8, 24, "mild"),
        (40, 40, "mild"),
        (42, 41, "moderate"),
        (86, 63, "moderate"),
        (88, 64, "severe"),
    ],
)
def test_band_boundaries(symptom_sum: int, total: float, band: str) -> None:
    result = score("fiqr", fiqr([0] * 9, [10, 10], spread(symptom_sum, 10)))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band


@pytest.mark.parametrize(
    ("function_sum", "total", "band"),
    [(36, 82, "severe"), (37, 82.33, "severe"), (39, 83, "very_severe")],
)
def test_band_boundary_82_83(function_sum: int, total: float, band: str) -> None:
    # Overall 20 + symptoms 100 / 2 = 70, plus function sum / 3.
    result = score("fiqr", fiqr(spread(function_sum, 9), [10, 10], [10] * 10))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band
