"""The medical-history flags a patient record may carry: the screening rules' vocabulary."""

from __future__ import annotations

from functools import cache


@cache
def known_history_flags() -> frozenset[str]:
    from ketaclinic.screening import known_condition_ids

    return known_condition_ids()


@cache
def history_flag_labels() -> dict[str, str]:
    from ketaclinic.screening import conditions

    return {condition.id: condition.label for condition in conditions()}
