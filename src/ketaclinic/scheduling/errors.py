"""The exception the scheduling domain raises for bad input."""

from __future__ import annotations

from ketaclinic.core import DomainInputError


class SchedulingInputError(DomainInputError):
    """Bad scheduling input; ``field`` names the offending input and nothing was planned."""


class PlanVerificationError(RuntimeError):
    """A planner produced a plan that breaks a hard rule: a bug; nothing may be booked from it."""


class SafetyLimitInputError(SchedulingInputError):
    """The input asks for less than a hard safety limit allows (an unsigned plan, too short an
    observation or recovery); faces report it apart from ordinary bad input."""
