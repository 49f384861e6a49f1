"""Eligibility screening for ketamine therapy: pure rules as data."""

from .conditions import Condition, conditions, conditions_version, known_condition_ids

__all__ = ["Condition", "conditions", "conditions_version", "known_condition_ids"]
