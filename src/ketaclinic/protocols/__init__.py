"""Ketamine therapy protocols as versioned data: definitions, limits, titration and boosters."""

from .boosters import BoosterDecision, evaluate_booster
from .catalog import get_protocol, protocol_ids, protocols
from .checks import check_input, check_optional_input, input_ranges
from .definition import DoseQuantity, Drug, Protocol, Route, WeightPolicy
from .errors import DomainInputError
from .limits import LIMIT_QUANTITIES, LimitRange, LimitStatus, check_ordered, read_limits
from .rules import (
    SEVERITIES,
    BoosterRule,
    Severity,
    TitrationRule,
    booster_rule,
    rules_version,
    titration_rule,
)
from .sourced import CLINIC_POLICY, Sourced, read_sourced
from .titration import (
    SessionResponse,
    SessionTolerance,
    TitrationAction,
    TitrationProposal,
    propose_titration,
    titration_range,
)

__all__ = [
    "CLINIC_POLICY",
    "LIMIT_QUANTITIES",
    "SEVERITIES",
    "BoosterDecision",
    "BoosterRule",
    "DomainInputError",
    "DoseQuantity",
    "Drug",
    "LimitRange",
    "LimitStatus",
    "Protocol",
    "Route",
    "SessionResponse",
    "SessionTolerance",
    "Severity",
    "Sourced",
    "TitrationAction",
    "TitrationProposal",
    "TitrationRule",
    "WeightPolicy",
    "booster_rule",
    "check_input",
    "check_optional_input",
    "check_ordered",
    "evaluate_booster",
    "get_protocol",
    "input_ranges",
    "propose_titration",
    "protocol_ids",
    "protocols",
    "read_limits",
    "read_sourced",
    "rules_version",
    "titration_range",
    "titration_rule",
]
