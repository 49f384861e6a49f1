"""Outcomes: is it working, for this patient and for the clinic (pure: no Django, no I/O beyond
the packaged rules, no clock — "now" is an argument).

Every function reads plain values: ``ScorePoint`` (a valid current total of an instrument) and
``InfusionEvent`` (a dose given). ``assess_patient`` answers for one patient; ``statistics`` and
``cohort`` summarise many; ``plots`` draws both.
"""

from .boosters import BoosterSuggestion, suggest_booster
from .cohort import (
    DropoutSummary,
    ResponderRate,
    dropout_summary,
    durability_curve,
    responder_rates,
)
from .durability import CENSORED, NOT_APPLICABLE, RETURNED, Durability, durability
from .events import (
    BASELINE,
    CONTEXTS,
    DURING_INFUSION,
    FOLLOW_UP,
    LASTING_CONTEXTS,
    POST_INFUSION,
    PRE_INFUSION,
    InfusionEvent,
    ScorePoint,
)
from .immediate import (
    ImmediatePair,
    ImmediateVsLasting,
    immediate_pairs,
    immediate_vs_lasting,
    lasting_only,
)
from .patient import PatientOutcome, assess_patient
from .responders import (
    IMPROVED,
    MODERATE,
    NOT_REACHED,
    SUBSTANTIAL,
    UNKNOWN,
    ResponderStatus,
    Threshold,
    classify,
    fiqr_thresholds,
    pain_thresholds,
)
from .rules import OutcomeRules, outcome_rules, rules_from_mapping
from .statistics import (
    Interval,
    KaplanMeier,
    MeanEstimate,
    Proportion,
    kaplan_meier,
    mean_estimate,
    mean_from_moments,
    proportion,
    wilson_interval,
)
from .trajectories import Change, Trajectory, build_trajectories, falls_by, percent_fall

__all__ = [
    "BASELINE",
    "CENSORED",
    "CONTEXTS",
    "DURING_INFUSION",
    "FOLLOW_UP",
    "IMPROVED",
    "LASTING_CONTEXTS",
    "MODERATE",
    "NOT_APPLICABLE",
    "NOT_REACHED",
    "POST_INFUSION",
    "PRE_INFUSION",
    "RETURNED",
    "SUBSTANTIAL",
    "UNKNOWN",
    "BoosterSuggestion",
    "Change",
    "DropoutSummary",
    "Durability",
    "ImmediatePair",
    "ImmediateVsLasting",
    "InfusionEvent",
    "Interval",
    "KaplanMeier",
    "MeanEstimate",
    "OutcomeRules",
    "PatientOutcome",
    "Proportion",
    "ResponderRate",
    "ResponderStatus",
    "ScorePoint",
    "Threshold",
    "Trajectory",
    "assess_patient",
    "build_trajectories",
    "classify",
    "dropout_summary",
    "durability",
    "durability_curve",
    "falls_by",
    "fiqr_thresholds",
    "immediate_pairs",
    "immediate_vs_lasting",
    "kaplan_meier",
    "lasting_only",
    "mean_estimate",
    "mean_from_moments",
    "outcome_rules",
    "pain_thresholds",
    "percent_fall",
    "proportion",
    "responder_rates",
    "rules_from_mapping",
    "suggest_booster",
    "wilson_interval",
]
