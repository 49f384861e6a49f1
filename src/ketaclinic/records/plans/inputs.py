"""What a face may send to the screening, plan, order and titration services.

Types and shapes are checked here; clinical ranges (weights, vitals, pain scores, limits) are
checked by the pure domain packages, whose errors name the same fields.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from ketaclinic.protocols import Severity
from ketaclinic.records.accounts.signatures import SignerCredentials
from ketaclinic.records.toolkit import Strict

NOTE_MAX_CHARS = 2000

Number = Annotated[float, Field(allow_inf_nan=False)]
Note = Annotated[str, Field(min_length=1, max_length=NOTE_MAX_CHARS)]
OptionalNote = Annotated[str, Field(max_length=NOTE_MAX_CHARS)]


class VitalsIn(Strict):
    """The latest vitals, when the record has none yet."""

    sbp_mm_hg: Number | None = None
    dbp_mm_hg: Number | None = None
    heart_rate_per_min: Number | None = None
    resp_rate_per_min: Number | None = None


class ScreeningIn(Strict):
    """Facts the record lacks, added by the clinician who runs the screening."""

    pregnant: bool | None = None
    vitals: VitalsIn | None = None
    protocol: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class ScreeningDecisionIn(Strict):
    decision: Literal["eligible", "proceed_after_review", "not_eligible"]
    note: Note


class DoseChoices(Strict):
    """A protocol personalised; a value left out is the protocol's default."""

    protocol: Annotated[str, Field(min_length=1, max_length=64)]
    dose_mg_per_kg: Number | None = None
    dose_mg: Number | None = None
    duration_min: Number | None = None
    concentration_mg_per_ml: Number | None = None
    sessions: Annotated[int, Field(ge=1)] | None = None


class AmendmentIn(Strict):
    """Changes to a signed plan: a value left out keeps the plan's (a new protocol's default
    when the protocol changes); ``reason`` says why."""

    protocol: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    dose_mg_per_kg: Number | None = None
    dose_mg: Number | None = None
    duration_min: Number | None = None
    concentration_mg_per_ml: Number | None = None
    sessions: Annotated[int, Field(ge=1)] | None = None
    reason: Note


class SignIn(Strict, SignerCredentials):
    """A reason per soft limit the plan exceeds, e.g. ``{"dose_mg_per_kg": "..."}``, and the
    physician's password (or authenticator code), re-entered to sign."""

    overrides: dict[str, Note] = {}


class OrderIn(Strict):
    session_on: date
    exposure_override_reason: OptionalNote = ""


class WeightConfirmationIn(Strict):
    note: Note


class PreparedDoseIn(Strict):
    """What the preparing nurse made up and programmed."""

    dose_mg: Number
    volume_ml: Number | None = None
    rate_ml_per_h: Number | None = None
    note: OptionalNote = ""


class VerificationIn(Strict, SignerCredentials):
    """The second clinician's own numbers, computed independently, and their password (or
    authenticator code): the double-check is their signature."""

    dose_mg: Number
    volume_ml: Number | None = None
    rate_ml_per_h: Number | None = None


class TitrationIn(Strict):
    """How the last session was tolerated (CADSS-6, peak vitals, side effects) and the pain
    before the series and after the session (0-10 NRS)."""

    worst_side_effect: Severity = "none"
    cadss6_score: Number | None = None
    peak_sbp_mm_hg: Number | None = None
    peak_heart_rate_per_min: Number | None = None
    session_instability: list[Annotated[str, Field(min_length=1, max_length=500)]] = []
    """From a session: what its rules found that means not tolerated (kept in the reasons)."""
    baseline_pain_nrs: Number
    pain_after_nrs: Number
    order_id: int | None = None


class TitrationDecisionIn(Strict, SignerCredentials):
    """Accept the proposal, or give the dose decided instead (in the plan's dose unit)."""

    accept: bool
    dose_mg_per_kg: Number | None = None
    dose_mg: Number | None = None
    note: OptionalNote = ""
    overrides: dict[str, Note] = {}
