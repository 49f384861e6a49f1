"""Answer builders the assessment tests share (importable as ``assessments_support``)."""

from __future__ import annotations

from typing import Any

from ketaclinic.instruments import default_registry

NRS_SET = (
    "nrs_pain_average",
    "nrs_pain_worst",
    "nrs_fatigue",
    "nrs_sleep_quality",
    "nrs_cognition",
    "nrs_mood",
)
# Pain in 9 areas over all 5 regions (jaw, chest, abdomen aside), SSS 2+2+2+1+0+0 = 7.
ACR_MET = {
    "wpi_shoulder_left": 1,
    "wpi_upper_arm_left": 1,
    "wpi_shoulder_right": 1,
    "wpi_upper_arm_right": 1,
    "wpi_hip_left": 1,
    "wpi_hip_right": 1,
    "wpi_neck": 1,
    "wpi_upper_back": 1,
    "wpi_lower_back": 1,
    "sss_fatigue": 2,
    "sss_unrefreshed": 2,
    "sss_cognitive": 2,
    "sss_headaches": 1,
    "symptoms_3_months": 1,
}


def every_item(instrument_id: str, value: Any = 0, **overrides: Any) -> dict[str, Any]:
    """Every item of the instrument answered ``value``, then ``overrides`` applied."""
    definition = default_registry().get(instrument_id)
    return {item.id: value for item in definition.items} | overrides


def phq9(item9: int = 0, others: int = 1) -> dict[str, Any]:
    return every_item("phq9", others, phq9_9=item9)


def acr_met() -> dict[str, Any]:
    return every_item("acr2016", 0) | ACR_MET
