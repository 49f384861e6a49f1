"""Eligibility screening for ketamine therapy: pure rules as data."""

from .conditions import Condition, conditions, conditions_version, known_condition_ids
from .medications import ClassMatch, Medication, classify, medication_catalog
from .patient import SEXES, ScreeningInput, Vitals, age_on, screening_input_from_mapping
from .rules import FindingOutcome, Outcome, rule_set
from .screen import Finding, RequiredTest, ScreeningResult, screen

__all__ = [
    "SEXES",
    "ClassMatch",
    "Condition",
    "Finding",
    "FindingOutcome",
    "Medication",
    "Outcome",
    "RequiredTest",
    "ScreeningInput",
    "ScreeningResult",
    "Vitals",
    "age_on",
    "classify",
    "conditions",
    "conditions_version",
    "known_condition_ids",
    "medication_catalog",
    "rule_set",
    "screen",
    "screening_input_from_mapping",
]
