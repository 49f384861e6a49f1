"""Answer builders the instrument tests share (importable as ``instruments_support``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ketaclinic.instruments import default_registry

ACR_SEVERITY = ("sss_fatigue", "sss_unrefreshed", "sss_cognitive")
ACR_SOMATIC = ("sss_headaches", "sss_lower_abdomen", "sss_depression")


def answers_for(instrument_id: str, value: Any = 0, **overrides: Any) -> dict[str, Any]:
    """Every item of the instrument answered ``value``, then ``overrides`` applied."""
    definition = default_registry().get(instrument_id)
    return {item.id: value for item in definition.items} | overrides


def acr_answers(
    areas: Iterable[str] = (),
    severity: tuple[int, int, int] = (0, 0, 0),
    somatic: tuple[bool, bool, bool] = (False, False, False),
    three_months: bool = True,
) -> dict[str, Any]:
    """ACR 2016 answers: pain in ``areas`` (item ids), the SSS parts, and the duration answer."""
    answers: dict[str, Any] = answers_for("acr2016", False)
    unknown = set(areas) - set(answers)
    assert not unknown, unknown
    answers.update(dict.fromkeys(areas, True))
    answers.update(zip(ACR_SEVERITY, severity, strict=True))
    answers.update(zip(ACR_SOMATIC, somatic, strict=True))
    answers["symptoms_3_months"] = three_months
    return answers
