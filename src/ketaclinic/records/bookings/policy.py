"""The booking rules, reminder timing and pre-visit instructions from data/bookings.toml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from ketaclinic.core import load_toml
from ketaclinic.scheduling.policy import sourced


@dataclass(frozen=True)
class Instruction:
    text: str
    source: str
    topic: str = ""
    appointment_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookingPolicy:
    version: str
    self_service_cutoff: timedelta
    proposal_horizon: timedelta
    reminder_lead: timedelta
    retry_delays: tuple[timedelta, ...]
    feed_past: timedelta
    feed_future: timedelta
    im_preparation_min: int
    im_administration_min: int
    im_label: str
    instructions: tuple[Instruction, ...]

    def instructions_for(self, appointment_type: str) -> tuple[Instruction, ...]:
        """What the patient should know before a visit of this type, in order."""
        return tuple(i for i in self.instructions if appointment_type in i.appointment_types)

    @property
    def max_attempts(self) -> int:
        """The first try and one more after each retry delay."""
        return len(self.retry_delays) + 1


@cache
def data() -> dict[str, Any]:
    return load_toml(__package__, "bookings.toml")


@cache
def booking_policy() -> BookingPolicy:
    table = data()
    im = table["im_visit"]
    instructions = tuple(
        Instruction(i["text"], i["source"], i["topic"], tuple(i["appointment_types"]))
        for i in table["instructions"]
    )
    if not all(i.text and i.source and i.topic and i.appointment_types for i in instructions):
        raise ValueError(
            "every instruction in bookings.toml needs a text, a source, a topic and the "
            "appointment types it applies to"
        )
    return BookingPolicy(
        version=str(table["version"]),
        self_service_cutoff=timedelta(hours=sourced(table, "self_service_cutoff_h")),
        proposal_horizon=timedelta(days=sourced(table, "proposal_horizon_days")),
        reminder_lead=timedelta(hours=sourced(table, "reminder_lead_h")),
        retry_delays=tuple(
            timedelta(minutes=m) for m in sourced(table, "reminder_retry_delays_min")
        ),
        feed_past=timedelta(days=sourced(table, "feed_past_days")),
        feed_future=timedelta(days=sourced(table, "feed_future_days")),
        im_preparation_min=int(sourced(im, "preparation_min")),
        im_administration_min=int(sourced(im, "administration_min")),
        im_label=str(im["label"]),
        instructions=instructions,
    )
