"""The rating scales, PGIC, CADSS-6 and the Modified Aldrete score."""

from __future__ import annotations

import pytest
from instruments_support import answers_for

from ketaclinic.instruments import (
    InstrumentError,
    default_registry,
    load_registry,
    packaged_toml,
    score,
)

NRS_IDS = (
    "nrs_pain_average",
    "nrs_pain_worst",
    "nrs_pain_now",
    "nrs_fatigue",
    "nrs_sleep_quality",
    "nrs_cognition",
    "nrs_mood",
)


@pytest.mark.parametrize("instrument_id", NRS_IDS)
def test_each_nrs_has_one_item_named_like_it_scored_0_to_10(instrument_id: str) -> None:
    definition = default_registry().get(instrument_id)
    (item,) = definition.items
    assert item.id == instrument_id
    assert (item.answer.min, item.answer.max) == (0, 10)
    assert definition.direction == "higher_is_worse"
    assert score(instrument_id, {instrument_id: 7}).total == 7
    with pytest.raises(InstrumentError, match="11 is outside the range 0–10"):
        score(instrument_id, {instrument_id: 11})


def test_nrs_have_no_bands_because_the_sources_give_none() -> None:
    result = score("nrs_pain_average", {"nrs_pain_average": 9})
    assert result.band is None
    assert result.valid


def test_one_loinc_code_names_one_pain_measure() -> None:
    """LOINC 72514-3 is a point-in-time 0–10 rating: it codes pain right now; the 24-hour
    average and worst carry only their local codes, so a receiver keying on LOINC never merges
    three measures."""
    codes = {
        instrument_id: {c.code for c in default_registry().get(instrument_id).codes}
        for instrument_id in ("nrs_pain_average", "nrs_pain_worst", "nrs_pain_now")
    }
    assert codes == {
        "nrs_pain_average": {"nrs_pain_average"},
        "nrs_pain_worst": {"nrs_pain_worst"},
        "nrs_pain_now": {"nrs_pain_now", "72514-3"},
    }


def test_pain_now_asks_about_this_moment_not_the_past_24_hours() -> None:
    now = default_registry().get("nrs_pain_now")
    average = default_registry().get("nrs_pain_average")
    assert now.recall_period == "now"
    assert now.title == "Pain right now (NRS 0–10)"
    (item,) = now.items
    assert "right now" in item.label
    assert "24 hours" not in item.label
    assert [a.label for a in item.answer.anchors] == [
        a.label for a in average.items[0].answer.anchors
    ]
    assert now.source == average.source
    assert score("nrs_pain_now", {"nrs_pain_now": 0}).total == 0
    assert score("nrs_pain_now", {"nrs_pain_now": 10}).total == 10
    with pytest.raises(InstrumentError) as error:
        score("nrs_pain_now", {"nrs_pain_now": 11})
    assert error.value.field == "nrs_pain_now"


@pytest.mark.parametrize(
    ("answer", "band"),
    [
        (1, "substantial_improvement"),
        (2, "moderate_improvement"),
        (3, "minimal_improvement"),
        (4, "no_change"),
        (5, "worse"),
        (7, "worse"),
    ],
)
def test_pgic_bands(answer: int, band: str) -> None:
    result = score("pgic", {"pgic": answer})
    assert result.total == answer
    assert result.band is not None
    assert result.band.code == band


def test_pgic_has_seven_labelled_answers() -> None:
    (item,) = default_registry().get("pgic").items
    assert [anchor.value for anchor in item.answer.anchors] == [1, 2, 3, 4, 5, 6, 7]
    assert item.answer.anchors[3].label == "No change"
    with pytest.raises(InstrumentError):
        score("pgic", {"pgic": 0})


def test_cadss6_uses_cadss_items_1_2_6_7_15_22_and_sums_to_24() -> None:
    definition = default_registry().get("cadss6")
    assert [item.number for item in definition.items] == ["1", "2", "6", "7", "15", "22"]
    assert definition.wording.status == "project"
    # 1 + 2 + 0 + 3 + 4 + 1 = 11.
    values = dict(zip([item.id for item in definition.items], [1, 2, 0, 3, 4, 1], strict=True))
    assert score("cadss6", values).total == 11
    assert score("cadss6", answers_for("cadss6", 4)).total == 24


def aldrete(**values: int) -> dict[str, int]:
    return answers_for("aldrete", 2) | values


def test_aldrete_10_is_ready_for_discharge() -> None:
    result = score("aldrete", aldrete())
    assert result.total == 10
    assert result.criteria is not None
    assert result.criteria.met
    assert result.criteria.reasons == ("total 10 meets total ≥ 9",)


def test_aldrete_9_is_ready_and_8_is_not() -> None:
    ready = score("aldrete", aldrete(circulation=1))
    assert ready.criteria is not None
    assert ready.criteria.met
    waiting = score("aldrete", aldrete(circulation=1, consciousness=1))
    assert waiting.total == 8
    assert waiting.criteria is not None
    assert not waiting.criteria.met
    assert waiting.criteria.reasons == ("total ≥ 9 not met: total 8 is below 9",)
    assert "responsible adult" in waiting.criteria.note


def test_aldrete_higher_is_better() -> None:
    assert default_registry().get("aldrete").direction == "higher_is_better"


def test_aldrete_alternative_rule_can_be_loaded_as_clinic_data() -> None:
    # "some: ≥8 with 2 on respiration and SpO2" (clinical.md §1.6), as a clinic override.
    text = packaged_toml()["aldrete.toml"]
    text = text.replace('version = "1.0.0"', 'version = "1.0.0-clinic"')
    text += "\n[[instruments.scoring.criteria.rules]]\ntotal_min = 8\n"
    text += "item_min = { respiration = 2, oxygen_saturation = 2 }\n"
    registry = load_registry([text])
    ready = score("aldrete", aldrete(circulation=1, consciousness=1), registry)
    assert ready.version == "1.0.0-clinic"
    assert ready.criteria is not None
    assert ready.criteria.met
    assert ready.criteria.reasons == (
        "total 8 meets total ≥ 8 and respiration ≥ 2 and oxygen_saturation ≥ 2",
    )
    waiting = score("aldrete", aldrete(circulation=1, respiration=1), registry)
    assert waiting.criteria is not None
    assert not waiting.criteria.met
    assert waiting.criteria.reasons[1] == (
        "total ≥ 8 and respiration ≥ 2 and oxygen_saturation ≥ 2 not met: respiration 1 is below 2"
    )
