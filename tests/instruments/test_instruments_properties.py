"""Property tests: totals stay in range, more symptom never lowers a total, bad answers fail."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.instruments import Definition, InstrumentError, Item, default_registry, score

DEFINITIONS = default_registry().definitions()
IDS = [definition.id for definition in DEFINITIONS]
FEW = settings(max_examples=40, deadline=None)


def answer(item: Item) -> st.SearchStrategy[Any]:
    if item.answer.kind == "boolean":
        return st.booleans()
    return st.integers(item.answer.min, item.answer.max)


def complete_answers(definition: Definition) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({item.id: answer(item) for item in definition.items})


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Definition, dict[str, Any]]:
    definition = draw(st.sampled_from(DEFINITIONS))
    return definition, draw(complete_answers(definition))


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers())
def test_complete_answers_score_in_range_with_a_band(
    case: tuple[Definition, dict[str, Any]],
) -> None:
    definition, answers = case
    result = score(definition.id, answers)
    assert result.valid
    assert result.total is not None
    assert definition.total_min <= result.total <= definition.total_max
    if definition.bands:
        assert result.band is not None
        assert result.band.min <= result.total < result.band.max + 1
    else:
        assert result.band is None


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers(), st.data())
def test_raising_one_answer_never_lowers_the_total(
    case: tuple[Definition, dict[str, Any]], data: st.DataObject
) -> None:
    definition, answers = case
    item = data.draw(st.sampled_from(definition.items))
    current = int(answers[item.id])
    if current == item.answer.max:
        return
    raised = answers | {item.id: current + 1}
    before, after = score(definition.id, answers), score(definition.id, raised)
    assert before.total is not None
    assert after.total is not None
    assert after.total >= before.total
    if before.criteria is not None and definition.direction == "higher_is_worse":
        # More pain, symptoms or duration can never take the ACR 2016 criteria away.
        assert after.criteria is not None
        assert after.criteria.met >= before.criteria.met


@FEW
@given(st.data())
def test_phq9_item9_alert_fires_exactly_when_item9_is_above_0(data: st.DataObject) -> None:
    answers = data.draw(complete_answers(default_registry().get("phq9")))
    result = score("phq9", answers)
    assert result.urgent == (answers["phq9_9"] > 0)


@FEW
@given(st.data())
def test_fiqr_total_is_function_over_3_plus_overall_plus_symptoms_over_2(
    data: st.DataObject,
) -> None:
    definition = default_registry().get("fiqr")
    answers = data.draw(complete_answers(definition))
    sums = {
        g.id: sum(answers[i.id] for i in definition.group_items(g.id)) for g in definition.groups
    }
    expected = sums["function"] / 3 + sums["overall_impact"] + sums["symptoms"] / 2
    assert score("fiqr", answers).total == pytest.approx(expected, abs=0.005)


@FEW
@given(st.data())
def test_fiqr_one_missing_function_item_equal_to_the_mean_changes_nothing(
    data: st.DataObject,
) -> None:
    definition = default_registry().get("fiqr")
    answers = data.draw(complete_answers(definition))
    level = data.draw(st.integers(0, 10))
    answers |= {item.id: level for item in definition.group_items("function")}
    dropped = data.draw(st.sampled_from(definition.group_items("function")))
    assert score("fiqr", answers | {dropped.id: None}).total == score("fiqr", answers).total


@FEW
@given(st.data())
def test_out_of_range_answers_are_refused_naming_the_item(data: st.DataObject) -> None:
    definition = data.draw(st.sampled_from(DEFINITIONS))
    answers = data.draw(complete_answers(definition))
    item = data.draw(st.sampled_from(definition.items))
    scale = item.answer
    bad = data.draw(st.integers(max_value=scale.min - 1) | st.integers(min_value=scale.max + 1))
    with pytest.raises(InstrumentError) as caught:
        score(definition.id, answers | {item.id: bad})
    assert caught.value.field == item.id


# Total ranges as the sources state them (clinical.md §1.6, §3, §4, §5).
PUBLISHED_RANGES = {
    "acr2016": (0, 31),
    "fiqr": (0, 100),
    "phq9": (0, 27),
    "gad7": (0, 21),
    "pgic": (1, 7),
    "cadss6": (0, 24),
    "aldrete": (0, 10),
} | {instrument_id: (0, 10) for instrument_id in IDS if instrument_id.startswith("nrs_")}


@pytest.mark.parametrize("instrument_id", IDS)
def test_lowest_and_highest_answers_give_the_published_range(instrument_id: str) -> None:
    definition = default_registry().get(instrument_id)
    low = score(instrument_id, {item.id: item.answer.min for item in definition.items})
    high = score(instrument_id, {item.id: item.answer.max for item in definition.items})
    assert (low.total, high.total) == PUBLISHED_RANGES[instrument_id]
    assert (definition.total_min, definition.total_max) == PUBLISHED_RANGES[instrument_id]
