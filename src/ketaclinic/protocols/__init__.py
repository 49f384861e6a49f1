"""Ketamine therapy protocols as versioned data: definitions, limits, titration and boosters."""

from .boosters import BoosterDecision, evaluate_booster
from .catalog import get_protocol, protocol_ids, protocols
from .definition import DoseQuantity, Drug, Protocol, Route, WeightPolicy
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
from .titration import (
    SessionResponse,
    SessionTolerance,
    TitrationAction,
    TitrationProposal,
    propose_titration,
    titration_range,
)

__all__ = [
    "LIMIT_QUANTITIES",
    "SEVERITIES",
    "BoosterDecision",
    "BoosterRule",
    "DoseQuantity",
    "Drug",
    "LimitRange",
    "LimitStatus",
    "Protocol",
    "Route",
    "SessionResponse",
    "SessionTolerance",
    "Severity",
    "TitrationAction",
    "TitrationProposal",
    "TitrationRule",
    "WeightPolicy",
    "booster_rule",
    "check_ordered",
    "evaluate_booster",
    "get_protocol",
    "propose_titration",
    "protocol_ids",
    "protocols",
    "read_limits",
    "rules_version",
    "titration_range",
    "titration_rule",
]
