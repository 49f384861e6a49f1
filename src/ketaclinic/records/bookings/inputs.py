"""What a face may send to the booking services, validated in one place for every face."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator

from ketaclinic.records.toolkit import Aware, FilterDay, Strict, later_than

Note = Annotated[str, Field(max_length=500)]
# The model's AppointmentType values (a test keeps them in step).
Kind = Literal["infusion", "esketamine", "im_injection", "consultation", "follow_up_call"]


class WindowIn(Strict):
    """A weekly window in the location's local time: weekday 0 (Monday) to 6."""

    weekday: Annotated[int, Field(ge=0, le=6)]
    start: dt.time
    end: dt.time

    _ordered = field_validator("end")(later_than("start"))


class ProposalIn(Strict):
    patient_id: int
    plan_id: int
    location_id: int
    not_before: Aware | None = None
    availability: Annotated[list[WindowIn], Field(max_length=50)] = []
    preferred: Annotated[list[WindowIn], Field(max_length=50)] = []


class SessionIn(Strict):
    chair_id: int
    start: Aware


class SeriesIn(Strict):
    patient_id: int
    plan_id: int
    location_id: int
    sessions: Annotated[list[SessionIn], Field(min_length=1, max_length=60)]
    note: Note = ""


class AppointmentIn(Strict):
    """A single visit: a consultation or call, or one treatment visit of a signed plan."""

    patient_id: int
    location_id: int
    appointment_type: Kind
    start: Aware
    end: Aware | None = None
    chair_id: int | None = None
    plan_id: int | None = None
    physician_id: int | None = None
    """A consultation's physician (default: the first physician free then)."""
    room_id: int | None = None
    """A consultation's room (default: the location's first room free then)."""
    note: Note = ""

    _ordered = field_validator("end")(later_than("start"))


class RescheduleIn(Strict):
    start: Aware
    chair_id: int | None = None
    reason: Note = ""


class FreeSlotsIn(Strict):
    """Where a visit could move: ``days`` days from ``start`` (a local date; default the
    earliest the clinic's rules and the series' spacing allow)."""

    days: Annotated[int, Field(ge=1, le=366)] = 14
    start: FilterDay | None = None


class CancelIn(Strict):
    reason: Note = ""


class WaitlistIn(Strict):
    patient_id: int
    location_id: int
    appointment_type: Kind
    plan_id: int | None = None
    earliest: Aware
    latest: Aware
    note: Note = ""

    _ordered = field_validator("latest")(later_than("earliest"))


class FeedIn(Strict):
    kind: Literal["patient", "location", "chair"]
    patient_id: int | None = None
    location_id: int | None = None
    chair_id: int | None = None
