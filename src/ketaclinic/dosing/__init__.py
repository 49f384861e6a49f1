"""Dose calculation with smart-pump style limits: weight policies, formulary, orders, checks."""

from .calculator import DoseRequest, DoseResult, LimitCheck, calculate_dose, check_limits
from .clinic import (
    ClinicPolicy,
    clinic_policy_from_mapping,
    default_clinic_policy,
    effective_limits,
)
from .double_check import DoubleCheckResult, compare_double_check
from .formulary import (
    Device,
    Formulary,
    PreparationSpec,
    Vial,
    default_formulary,
    formulary_from_mapping,
)
from .orders import WeightReading, WeightRecheckRequired, derive_order, weight_recheck_reasons
from .overrides import HardLimitExceeded, check_overrides
from .precision import round_to_step
from .preparation import Preparation, choose_preparation, make_up
from .weights import (
    SEXES,
    Sex,
    WeightUsed,
    adjusted_body_weight_kg,
    ideal_body_weight_kg,
    weight_constants,
    weight_for_dosing,
)

__all__ = [
    "SEXES",
    "ClinicPolicy",
    "Device",
    "DoseRequest",
    "DoseResult",
    "DoubleCheckResult",
    "Formulary",
    "HardLimitExceeded",
    "LimitCheck",
    "Preparation",
    "PreparationSpec",
    "Sex",
    "Vial",
    "WeightReading",
    "WeightRecheckRequired",
    "WeightUsed",
    "adjusted_body_weight_kg",
    "calculate_dose",
    "check_limits",
    "check_overrides",
    "choose_preparation",
    "clinic_policy_from_mapping",
    "compare_double_check",
    "default_clinic_policy",
    "default_formulary",
    "derive_order",
    "effective_limits",
    "formulary_from_mapping",
    "ideal_body_weight_kg",
    "make_up",
    "round_to_step",
    "weight_constants",
    "weight_for_dosing",
    "weight_recheck_reasons",
]
