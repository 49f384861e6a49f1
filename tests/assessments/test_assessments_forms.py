"""Forms generated from definitions read back exactly what was answered; sparklines stay
inside their box."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.instruments import default_registry
from ketaclinic.web.instrument_forms import answers_from_post, questionnaire
from ketaclinic.web.sparkline import HEIGHT, WIDTH, sparkline

DEFINITIONS = default_registry().definitions()


@st.composite
def answered(draw: Any) -> tuple[Any, dict[str, int]]:
    definition = draw(st.sampled_from(DEFINITIONS))
    answers = {
        item.id: draw(st.integers(item.answer.min, item.answer.max)) for item in definition.items
    }
    return definition, answers


def _as_browser_posts(definition: Any, answers: dict[str, int]) -> QueryDict:
    """A ticked box or a chosen radio is sent; an unticked box is not."""
    kinds = {q.id: q.kind for s in questionnaire(definition, {}, {}) for q in s.questions}
    post = QueryDict(mutable=True)
    for item_id, value in answers.items():
        if kinds[item_id] != "checkbox" or value:
            post[item_id] = str(value)
    post["csrfmiddlewaretoken"] = "x"
    return post


@given(answered())
def test_what_a_browser_posts_reads_back_as_the_answers(case: tuple[Any, dict[str, int]]) -> None:
    definition, answers = case
    assert answers_from_post(definition, _as_browser_posts(definition, answers)) == answers


@given(answered())
def test_every_answer_is_offered_and_a_given_one_is_shown_again(
    case: tuple[Any, dict[str, int]],
) -> None:
    definition, answers = case
    for section in questionnaire(definition, answers, {}):
        for question in section.questions:
            item = definition.item(question.id)
            offered = {choice.value for choice in question.choices}
            if question.kind == "checkbox":
                assert offered == {item.answer.max}
            else:
                assert offered == set(range(item.answer.min, item.answer.max + 1))
            assert question.value == str(answers[item.id])


def test_layouts_follow_the_scale() -> None:
    kinds = {
        definition.id: {q.kind for s in questionnaire(definition, {}, {}) for q in s.questions}
        for definition in DEFINITIONS
    }
    assert kinds["phq9"] == {"labelled"}
    assert kinds["acr2016"] == {"checkbox", "labelled"}
    assert kinds["fiqr"] == kinds["nrs_mood"] == {"numeric"}
    sections = questionnaire(default_registry().get("acr2016"), {}, {})
    assert [s.checklist for s in sections] == [True] * 5 + [False, False]
    assert [len(s.questions) for s in sections] == [4, 4, 3, 3, 5, 6, 1]


def test_blank_is_unanswered_and_text_goes_to_the_service_as_sent() -> None:
    definition = default_registry().get("phq9")
    post = QueryDict("phq9_1=2&phq9_2=&phq9_3=often&phq9_4= 3 ")
    assert answers_from_post(definition, post) == {"phq9_1": 2, "phq9_3": "often", "phq9_4": 3}


@given(
    values=st.lists(st.floats(-50, 150, allow_nan=False), min_size=1, max_size=12),
    low=st.integers(0, 10),
    span=st.integers(0, 100),
)
def test_a_sparkline_stays_inside_its_box(values: list[float], low: int, span: int) -> None:
    line = sparkline(values, low, low + span)
    points = [tuple(map(float, pair.split(","))) for pair in line.points.split()]
    assert len(points) == len(values)
    assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in points)
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    assert (line.last_x, line.last_y) == points[-1]


@pytest.mark.parametrize(("value", "y"), [(0, HEIGHT - 3), (10, 3)])
def test_higher_values_are_drawn_higher(value: int, y: float) -> None:
    assert sparkline([value], 0, 10).last_y == y
