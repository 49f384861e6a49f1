"""Scheduling, pure: location calendars, chairs and nurse ratio, appointment types, the
interactive series planner, the CP-SAT batch planner with a greedy baseline, and checks.

``plan_cp_sat`` loads OR-Tools (which loads pandas, 1–2 s) on first use only.
"""

from typing import TYPE_CHECKING

from .appointment_types import (
    AppointmentType,
    Phase,
    consultation,
    esketamine_visit,
    follow_up_call,
    infusion_visit,
)
from .batch import (
    BatchPlan,
    BatchProblem,
    SolutionEvent,
    Unscheduled,
    chair_utilisation,
)
from .bookings import Appointment, Booking
from .calendar import Closure, LocationCalendar, WeeklyWindow, zone_named
from .demo import demo_calendar, demo_location
from .errors import PlanVerificationError, SchedulingInputError
from .greedy import plan_greedy
from .interactive import SeriesProposal, propose_series
from .policy import ObjectiveWeights, SchedulingPolicy, scheduling_policy
from .reschedule import RescheduleCheck, check_reschedule
from .resources import Chair, Location, NurseShift, WeeklyNurseShift, expand_weekly_shifts
from .search import Reason
from .series import Availability, SeriesRequest, SeriesRule, default_series_rule
from .times import TimeRange
from .verify import Violation, find_violations

__all__ = [
    "Appointment",
    "AppointmentType",
    "Availability",
    "BatchPlan",
    "BatchProblem",
    "Booking",
    "Chair",
    "Closure",
    "Location",
    "LocationCalendar",
    "NurseShift",
    "ObjectiveWeights",
    "Phase",
    "PlanVerificationError",
    "Reason",
    "RescheduleCheck",
    "SchedulingInputError",
    "SchedulingPolicy",
    "SeriesProposal",
    "SeriesRequest",
    "SeriesRule",
    "SolutionEvent",
    "TimeRange",
    "Unscheduled",
    "Violation",
    "WeeklyNurseShift",
    "WeeklyWindow",
    "chair_utilisation",
    "check_reschedule",
    "consultation",
    "default_series_rule",
    "demo_calendar",
    "demo_location",
    "esketamine_visit",
    "expand_weekly_shifts",
    "find_violations",
    "follow_up_call",
    "infusion_visit",
    "plan_cp_sat",
    "plan_greedy",
    "propose_series",
    "scheduling_policy",
    "zone_named",
]

if TYPE_CHECKING:
    from .cpsat import plan_cp_sat


def __getattr__(name: str) -> object:
    if name == "plan_cp_sat":
        from .cpsat import plan_cp_sat

        return plan_cp_sat
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
