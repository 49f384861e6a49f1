"""ACR 2016 criteria at their edges (clinical.md §3), worked by hand from the rules."""

from __future__ import annotations

import pytest
from instruments_support import acr_answers

from ketaclinic.instruments import InstrumentError, score

# One area in each region that counts toward the generalized-pain rule.
ONE_PER_REGION = (
    "wpi_shoulder_left",
    "wpi_shoulder_right",
    "wpi_hip_left",
    "wpi_hip_right",
    "wpi_neck",
)
MORE_AREAS = ("wpi_upper_arm_left", "wpi_upper_arm_right", "wpi_upper_leg_left", "wpi_lower_back")


def test_wpi_7_with_sss_5_meets_the_criteria() -> None:
    # WPI 7 (5 regions + 2 more areas); SSS 2 + 2 + 1 = 5. FS 12 -> "mild" (6–15).
    result = score("acr2016", acr_answers(ONE_PER_REGION + MORE_AREAS[:2], severity=(2, 2, 1)))
    assert result.subscores == {"wpi": 7, "sss": 5, "regions": 5}
    assert result.total == 12
    assert result.band is not None
    assert result.band.code == "mild"
    assert result.criteria is not None
    assert result.criteria.met
    assert "WPI ≥7 with SSS ≥5" in result.criteria.reasons[0]


def test_wpi_7_with_sss_4_does_not_meet() -> None:
    result = score("acr2016", acr_answers(ONE_PER_REGION + MORE_AREAS[:2], severity=(2, 1, 1)))
    assert result.criteria is not None
    assert not result.criteria.met
    assert result.criteria.reasons == (
        "WPI 7 with SSS 4 meets no score rule (needs WPI ≥7 with SSS ≥5; or WPI 4–6 with SSS ≥9)",
    )


def test_wpi_6_with_sss_8_does_not_meet() -> None:
    result = score("acr2016", acr_answers(ONE_PER_REGION + MORE_AREAS[:1], severity=(3, 3, 2)))
    assert result.subscores["wpi"] == 6
    assert result.subscores["sss"] == 8
    assert result.criteria is not None
    assert not result.criteria.met
    assert "WPI 6 with SSS 8 meets no score rule" in result.criteria.reasons[0]


def test_wpi_6_with_sss_9_meets() -> None:
    answers = acr_answers(
        ONE_PER_REGION + MORE_AREAS[:1], severity=(3, 3, 2), somatic=(True, False, False)
    )
    result = score("acr2016", answers)
    assert result.criteria is not None
    assert result.criteria.met


def test_wpi_4_with_sss_9_meets_when_4_regions_have_pain() -> None:
    # WPI 4 across 4 counted regions; SSS 3 + 3 + 2 + 1 (headaches) = 9; FS 13.
    answers = acr_answers(ONE_PER_REGION[:4], severity=(3, 3, 2), somatic=(True, False, False))
    result = score("acr2016", answers)
    assert result.subscores == {"wpi": 4, "sss": 9, "regions": 4}
    assert result.total == 13
    assert result.criteria is not None
    assert result.criteria.met
    assert "WPI 4–6 with SSS ≥9" in result.criteria.reasons[0]


def test_wpi_3_does_not_meet_even_with_maximal_sss() -> None:
    # 2016 rule is WPI 4–6 (not the 2010/2011 "3–6").
    answers = acr_answers(ONE_PER_REGION[:3], severity=(3, 3, 3), somatic=(True, True, True))
    result = score("acr2016", answers)
    assert result.subscores["sss"] == 12
    assert result.criteria is not None
    assert not result.criteria.met
    assert "generalized pain not met: pain in 3 of 5 regions" in result.criteria.reasons[1]


def test_pain_in_only_3_regions_fails_generalized_pain_whatever_the_scores() -> None:
    areas = (
        "wpi_shoulder_left",
        "wpi_upper_arm_left",
        "wpi_lower_arm_left",
        "wpi_shoulder_right",
        "wpi_upper_arm_right",
        "wpi_lower_arm_right",
        "wpi_neck",
        "wpi_upper_back",
        "wpi_lower_back",
    )
    result = score("acr2016", acr_answers(areas, severity=(3, 3, 3)))
    assert result.subscores == {"wpi": 9, "sss": 9, "regions": 3}
    assert result.criteria is not None
    assert not result.criteria.met
    assert result.criteria.reasons == (
        "generalized pain not met: pain in 3 of 5 regions (needs 4; left jaw, right jaw, "
        "chest, abdomen do not count toward regions)",
    )


def test_jaw_chest_and_abdomen_count_toward_wpi_but_not_regions() -> None:
    # Pain in all 5 regions, but regions 1, 2 and 5 only through jaw, chest and abdomen.
    areas = (
        "wpi_jaw_left",
        "wpi_jaw_right",
        "wpi_chest",
        "wpi_abdomen",
        "wpi_hip_left",
        "wpi_upper_leg_left",
        "wpi_hip_right",
    )
    result = score("acr2016", acr_answers(areas, severity=(2, 2, 1)))
    assert result.subscores == {"wpi": 7, "sss": 5, "regions": 2}
    assert result.criteria is not None
    assert not result.criteria.met
    assert len(result.criteria.reasons) == 1
    assert "pain in 2 of 5 regions" in result.criteria.reasons[0]


def test_symptoms_under_3_months_do_not_meet() -> None:
    answers = acr_answers(ONE_PER_REGION + MORE_AREAS, severity=(3, 3, 3), three_months=False)
    result = score("acr2016", answers)
    assert result.criteria is not None
    assert not result.criteria.met
    assert result.criteria.reasons == (
        "duration not met: 'Symptoms generally present for at least 3 months' answered no",
    )


def test_every_failed_condition_is_reported() -> None:
    result = score("acr2016", acr_answers(("wpi_neck",), three_months=False))
    assert result.criteria is not None
    assert len(result.criteria.reasons) == 3


def test_note_says_valid_irrespective_of_other_diagnoses() -> None:
    result = score("acr2016", acr_answers(ONE_PER_REGION + MORE_AREAS, severity=(3, 3, 3)))
    assert result.criteria is not None
    assert "irrespective of other diagnoses" in result.criteria.note


@pytest.mark.parametrize(
    ("areas", "severity", "somatic", "band"),
    [
        (0, (2, 2, 1), (False, False, False), "remission"),  # FS 5
        (1, (2, 2, 1), (False, False, False), "mild"),  # FS 6
        (9, (2, 2, 2), (False, False, False), "mild"),  # FS 15
        (10, (2, 2, 2), (False, False, False), "moderate"),  # FS 16
        (11, (3, 3, 3), (False, False, False), "moderate"),  # FS 20
        (12, (3, 3, 3), (False, False, False), "severe"),  # FS 21
        (13, (3, 3, 3), (True, True, True), "severe"),  # FS 25
        (14, (3, 3, 3), (True, True, True), "very_severe"),  # FS 26
        (19, (3, 3, 3), (True, True, True), "very_severe"),  # FS 31
    ],
)
def test_severity_score_bands_at_their_boundaries(
    areas: int, severity: tuple[int, int, int], somatic: tuple[bool, bool, bool], band: str
) -> None:
    from ketaclinic.instruments import default_registry

    wpi_ids = [item.id for item in default_registry().get("acr2016").items][:areas]
    result = score("acr2016", acr_answers(wpi_ids, severity=severity, somatic=somatic))
    assert result.total == areas + sum(severity) + sum(somatic)
    assert result.band is not None
    assert result.band.code == band


def test_boolean_items_accept_1_and_0() -> None:
    answers = {key: int(value) for key, value in acr_answers(ONE_PER_REGION).items()}
    assert score("acr2016", answers).subscores["wpi"] == 5


def test_a_missing_area_names_the_item() -> None:
    answers = acr_answers(ONE_PER_REGION)
    del answers["wpi_chest"]
    with pytest.raises(InstrumentError, match="wpi_chest") as caught:
        score("acr2016", answers)
    assert caught.value.field == "wpi_chest"


def test_an_area_answered_2_is_rejected() -> None:
    with pytest.raises(InstrumentError, match="must be true or false") as caught:
        score("acr2016", acr_answers() | {"wpi_neck": 2})
    assert caught.value.field == "wpi_neck"
