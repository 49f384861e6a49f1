"""The infusion session's lifecycle: states, the commands that move between them, and the
timeline of a session's transitions.

scheduled → checked_in → pre_checks_done → dose_verified → infusing ⇄ paused → infusion_ended
→ recovery → discharged. An infusion stopped early goes to ``stopped_early`` and still through
recovery to discharge; a session cancelled before the infusion starts ends there. No step can
be skipped: every move not in ``TRANSITIONS`` is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    PRE_CHECKS_DONE = "pre_checks_done"
    DOSE_VERIFIED = "dose_verified"
    INFUSING = "infusing"
    PAUSED = "paused"
    INFUSION_ENDED = "infusion_ended"
    STOPPED_EARLY = "stopped_early"
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"


class Command(StrEnum):
    CHECK_IN = "check_in"
    COMPLETE_PRE_CHECKS = "complete_pre_checks"
    VERIFY_DOSE = "verify_dose"
    START_INFUSION = "start_infusion"
    PAUSE = "pause"
    RESUME = "resume"
    END_INFUSION = "end_infusion"
    STOP_EARLY = "stop_early"
    START_RECOVERY = "start_recovery"
    DISCHARGE = "discharge"
    CANCEL = "cancel"


class Phase(StrEnum):
    """Where a measurement falls; the values are the assessments' contexts."""

    PRE_INFUSION = "pre_infusion"
    DURING_INFUSION = "during_infusion"
    POST_INFUSION = "post_infusion"


_BEFORE_INFUSION = (State.SCHEDULED, State.CHECKED_IN, State.PRE_CHECKS_DONE, State.DOSE_VERIFIED)

TRANSITIONS: dict[tuple[State, Command], State] = {
    (State.SCHEDULED, Command.CHECK_IN): State.CHECKED_IN,
    (State.CHECKED_IN, Command.COMPLETE_PRE_CHECKS): State.PRE_CHECKS_DONE,
    (State.PRE_CHECKS_DONE, Command.VERIFY_DOSE): State.DOSE_VERIFIED,
    (State.DOSE_VERIFIED, Command.START_INFUSION): State.INFUSING,
    (State.INFUSING, Command.PAUSE): State.PAUSED,
    (State.PAUSED, Command.RESUME): State.INFUSING,
    (State.INFUSING, Command.END_INFUSION): State.INFUSION_ENDED,
    (State.INFUSING, Command.STOP_EARLY): State.STOPPED_EARLY,
    (State.PAUSED, Command.STOP_EARLY): State.STOPPED_EARLY,
    (State.INFUSION_ENDED, Command.START_RECOVERY): State.RECOVERY,
    (State.STOPPED_EARLY, Command.START_RECOVERY): State.RECOVERY,
    (State.RECOVERY, Command.DISCHARGE): State.DISCHARGED,
    **{(state, Command.CANCEL): State.CANCELLED for state in _BEFORE_INFUSION},
}

# Commands that need a reason (why the pause, the early stop, the cancellation).
NEEDS_REASON = frozenset({Command.PAUSE, Command.STOP_EARLY, Command.CANCEL})
FINAL_STATES = frozenset({State.DISCHARGED, State.CANCELLED})
# The infusion is over (ended or stopped): observation time counts from the move into these.
INFUSION_OVER = frozenset({State.INFUSION_ENDED, State.STOPPED_EARLY})
_PHASES = {
    State.CHECKED_IN: Phase.PRE_INFUSION,
    State.PRE_CHECKS_DONE: Phase.PRE_INFUSION,
    State.DOSE_VERIFIED: Phase.PRE_INFUSION,
    State.INFUSING: Phase.DURING_INFUSION,
    State.PAUSED: Phase.DURING_INFUSION,
    State.INFUSION_ENDED: Phase.POST_INFUSION,
    State.STOPPED_EARLY: Phase.POST_INFUSION,
    State.RECOVERY: Phase.POST_INFUSION,
}
# States in which vital signs are taken on a timer.
TIMED_VITALS = frozenset(
    {State.INFUSING, State.PAUSED, State.INFUSION_ENDED, State.STOPPED_EARLY, State.RECOVERY}
)


class IllegalTransition(Exception):
    """The command is not allowed from the session's state (or lacks its reason)."""

    def __init__(self, state: State, command: str, message: str = "") -> None:
        self.state = state
        self.command = command
        super().__init__(message or f"cannot {command} a session that is {state}")


def advance(state: State, command: str, reason: str = "") -> State:
    """The state ``command`` leads to from ``state``, or ``IllegalTransition``."""
    try:
        known = Command(command)
    except ValueError:
        raise IllegalTransition(state, command, f"unknown command {command!r}") from None
    target = TRANSITIONS.get((state, known))
    if target is None:
        allowed = ", ".join(allowed_commands(state)) or "none"
        raise IllegalTransition(
            state, command, f"cannot {command} a session that is {state} (allowed: {allowed})"
        )
    if known in NEEDS_REASON and not reason.strip():
        raise IllegalTransition(state, command, f"{command} needs a reason")
    return target


STATE_LABELS: dict[str, str] = {
    State.SCHEDULED: "Scheduled",
    State.CHECKED_IN: "Checked in",
    State.PRE_CHECKS_DONE: "Pre-infusion checks done",
    State.DOSE_VERIFIED: "Dose verified",
    State.INFUSING: "Infusing",
    State.PAUSED: "Paused",
    State.INFUSION_ENDED: "Infusion ended",
    State.STOPPED_EARLY: "Stopped early",
    State.RECOVERY: "Recovery",
    State.DISCHARGED: "Discharged",
    State.CANCELLED: "Cancelled",
}


def state_label(state: str) -> str:
    """For people: "pre_checks_done" → "Pre-infusion checks done"."""
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def allowed_commands(state: State) -> tuple[Command, ...]:
    """The commands accepted in ``state``, in lifecycle order."""
    return tuple(command for command in Command if (state, command) in TRANSITIONS)


def phase_of(state: State) -> Phase | None:
    """The measurement phase of a state; None before check-in and after discharge."""
    return _PHASES.get(state)


@dataclass(frozen=True)
class Step:
    """One recorded transition: the command, the state it led to, and when it happened."""

    command: Command
    state: State
    at: datetime


def replay(commands: Iterable[tuple[str, str]]) -> State:
    """The state after ``(command, reason)`` pairs from ``scheduled``; raises on the first
    illegal one."""
    state = State.SCHEDULED
    for command, reason in commands:
        state = advance(state, command, reason)
    return state


@dataclass(frozen=True)
class Timeline:
    """A session's transitions in order (times never go backwards)."""

    steps: Sequence[Step]

    @property
    def state(self) -> State:
        return self.steps[-1].state if self.steps else State.SCHEDULED

    def state_at(self, moment: datetime) -> State:
        """The state the session was in at ``moment`` (a step takes effect at its time)."""
        state = State.SCHEDULED
        for step in self.steps:
            if step.at > moment:
                break
            state = step.state
        return state

    def entered(self, *states: State) -> datetime | None:
        """When the session last moved into one of ``states``."""
        return next((step.at for step in reversed(self.steps) if step.state in states), None)

    def first_entered(self, *states: State) -> datetime | None:
        return next((step.at for step in self.steps if step.state in states), None)

    @property
    def last_at(self) -> datetime | None:
        return self.steps[-1].at if self.steps else None

    @property
    def infusion_started_at(self) -> datetime | None:
        return self.first_entered(State.INFUSING)

    @property
    def infusion_ended_at(self) -> datetime | None:
        return self.entered(*INFUSION_OVER)

    @property
    def infused_min(self) -> float:
        """Minutes spent infusing (pauses excluded), up to the last step."""
        total = 0.0
        since: datetime | None = None
        for step in self.steps:
            if step.state == State.INFUSING and since is None:
                since = step.at
            elif step.state != State.INFUSING and since is not None:
                total += (step.at - since).total_seconds() / 60
                since = None
        return total

    @property
    def stopped_early(self) -> bool:
        return any(step.state == State.STOPPED_EARLY for step in self.steps)
