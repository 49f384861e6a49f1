"""What a face may send to the session services, validated in one place for every face.

Types and shapes are checked here; whether a value is possible (SBP 400) or alarming
(SBP 190) is the pure domain's rule (``ketaclinic.sessions``), whose problems name the same
fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from ketaclinic.records.toolkit import Aware, Strict, WeightKg, validate
from ketaclinic.sessions import Command, SideEffectKind, SideEffectSeverity

__all__ = [
    "AmendmentIn",
    "ConfirmationIn",
    "DrawWaiverIn",
    "LedgerPostingIn",
    "NoteIn",
    "PumpRateIn",
    "RescueMedicationIn",
    "ScoreIn",
    "SessionDrawIn",
    "SessionIn",
    "SideEffectIn",
    "TransitionIn",
    "UrinaryScreenIn",
    "VitalsIn",
    "VolumeInfusedIn",
    "WeightIn",
    "validate",
]

TEXT_MAX_CHARS = 2000
Id = Annotated[int, Field(ge=1)]
Text = Annotated[str, Field(max_length=TEXT_MAX_CHARS)]
NeededText = Annotated[str, Field(min_length=1, max_length=TEXT_MAX_CHARS)]
PositiveMl = Annotated[float, Field(gt=0, allow_inf_nan=False)]


At = Aware | None


class SessionIn(Strict):
    """Open a session for an order (at the appointment's location and chair when given)."""

    order_id: Id
    appointment_id: Id | None = None
    location_id: Id | None = None
    chair_id: Id | None = None


class TransitionIn(Strict):
    """A lifecycle step. Starting an infusion takes the pump settings as programmed; ending or
    stopping it takes the volume infused read off the pump."""

    command: Command
    reason: Text = ""
    at: At = None
    rate_ml_per_h: PositiveMl | None = None
    vtbi_ml: PositiveMl | None = None
    volume_infused_ml: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None


class VitalsIn(Strict):
    """A full set of vital signs; ranges are checked by the domain so that each impossible
    value is named as a typo."""

    sbp_mm_hg: int
    dbp_mm_hg: int
    heart_rate_per_min: int
    spo2_percent: int
    resp_rate_per_min: int
    at: At = None
    late_reason: Text = ""
    """Why the set is entered well after it was taken (``at``, its real time)."""


class SideEffectIn(Strict):
    kind: SideEffectKind
    severity: SideEffectSeverity
    note: Text = ""
    at: At = None
    cadss6: dict[str, Any] | None = None
    """For dissociation: the CADSS-6 answers by item id, scored and linked in the same step."""


class RescueMedicationIn(Strict):
    """A dose given against one of the plan's PRN orders (its drug and route)."""

    prn_order_id: Annotated[int, Field(ge=1)]
    dose_mg: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]
    limit_reason: Text = ""
    """Why, when the dose is above the ordered one (its soft limit)."""
    note: Text = ""
    at: At = None


class PumpRateIn(Strict):
    rate_ml_per_h: PositiveMl
    reason: NeededText
    at: At = None


class VolumeInfusedIn(Strict):
    """The volume infused read off the pump (corrected by amendment)."""

    volume_infused_ml: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    at: At = None


class NoteIn(Strict):
    text: NeededText
    at: At = None


class ConfirmationIn(Strict):
    kind: Annotated[str, Field(min_length=1, max_length=32)]
    note: Text = ""
    at: At = None


class UrinaryScreenIn(Strict):
    urgency: bool
    frequency: bool
    dysuria: bool
    haematuria: bool
    note: Text = ""
    at: At = None


class WeightIn(Strict):
    weight_kg: WeightKg


class ScoreIn(Strict):
    instrument: Annotated[str, Field(min_length=1, max_length=64)]
    answers: Annotated[dict[str, Any], Field(max_length=200)]
    at: At = None


class AmendmentIn(Strict):
    """A correction of one entry: its full corrected values (as the entry's own input) and
    why."""

    values: dict[str, Any]
    reason: NeededText


class LedgerPostingIn(Strict):
    """Post the dose given from a ledger draw; the rest of the draw is wasted before a
    witness who re-enters their password."""

    draw_id: Id
    witness_username: Annotated[str, Field(max_length=150)] = ""
    witness_password: Annotated[str, Field(max_length=4096)] = ""


class SessionDrawIn(Strict):
    """A draw for this session from a lot in a cabinet at its location; the patient and the
    session reference come from the session."""

    storage_id: Id
    lot_id: Id
    volume_ml: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
    at: At = None


class DrawWaiverIn(Strict):
    """Why no draw is needed (e.g. a bag prepared by a pharmacy elsewhere)."""

    reason: NeededText
