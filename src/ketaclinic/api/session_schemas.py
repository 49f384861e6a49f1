"""The JSON shapes of the infusion session endpoints (api/sessions.py) and the functions that
fill them from the records' reads."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ninja import Field, Schema

from ketaclinic.records.sessions import reads
from ketaclinic.records.sessions.supply import Supply

from .alerts import AlertOut
from .ledger import Amount
from .params import PageNumber
from .plans import PrnOrderOut
from .schemas import RecordedByOut, username

if TYPE_CHECKING:
    from ketaclinic.records.sessions.models import GateOverride, SessionScore


class SessionOut(Schema):
    id: int
    patient_id: int
    order_id: int
    appointment_id: int | None
    location_id: int
    chair_id: int | None
    protocol_id: str
    protocol_version: str
    route: str
    vitals_interval_min: float
    observation_min: float
    rules_version: str
    created_at: datetime


class TransitionOut(RecordedByOut):
    seq: int
    command: str
    from_state: str
    to_state: str
    reason: str
    at: datetime
    recorded_at: datetime


class EntryOut(RecordedByOut):
    """What every flowsheet entry carries: when, who, and what it corrects."""

    id: int
    at: datetime
    recorded_at: datetime
    amends_id: int | None
    amendment_reason: str
    is_amended: bool = False

    @staticmethod
    def resolve_is_amended(obj: Any) -> bool:
        return bool(getattr(obj, "is_amended", False))


class VitalsOut(EntryOut):
    phase: str
    sbp_mm_hg: int
    dbp_mm_hg: int
    heart_rate_per_min: int
    spo2_percent: int
    resp_rate_per_min: int
    late_reason: str
    flags: dict[str, str] = {}
    """Each vital sign outside a limit of its phase: "H" above, "L" below."""

    @staticmethod
    def resolve_flags(obj: Any) -> dict[str, str]:
        return dict(getattr(obj, "flags", {}))


class SideEffectOut(EntryOut):
    kind: str
    severity: str
    note: str


class RescueMedicationOut(EntryOut):
    prn_order_id: int | None
    """The plan's PRN order it was given against (none on rows from before PRN orders)."""
    drug: str
    dose_mg: float
    route: str
    limit_reason: str
    note: str


class DrawOut(Schema):
    """A ledger draw made for the session and what became of it (mg)."""

    draw_id: int
    product: str
    drug: str
    lot_number: str
    drawn_mg: Amount
    given_mg: Amount
    wasted_mg: Amount
    left_mg: Amount
    settled: bool


class SupplyOut(Schema):
    drug: str
    """The ordered drug: the infusion starts once it is drawn for the session."""
    draws: list[DrawOut]
    no_draw_reason: str | None
    """Why no draw is needed (e.g. a bag prepared elsewhere), when recorded."""


class DrawWaiverOut(Schema):
    session_id: int
    reason: str
    recorded_at: datetime


class PumpEventOut(EntryOut):
    kind: str
    rate_ml_per_h: float | None
    vtbi_ml: float | None
    volume_infused_ml: float | None
    reason: str


class NoteOut(EntryOut):
    text: str


class UrinaryScreenOut(EntryOut):
    urgency: bool
    frequency: bool
    dysuria: bool
    haematuria: bool
    note: str


class ConfirmationOut(RecordedByOut):
    kind: str
    note: str
    at: datetime


class ScoreOut(Schema):
    assessment_id: int
    phase: str
    instrument_id: str = Field(..., alias="assessment.instrument_id")
    total: float | None = Field(..., alias="assessment.total")
    band_label: str = Field(..., alias="assessment.band_label")
    discharge_ready: bool | None
    completed_at: datetime = Field(..., alias="assessment.completed_at")
    amends_id: int | None = Field(..., alias="assessment.amends_id")
    is_amended: bool = False

    @staticmethod
    def resolve_discharge_ready(obj: SessionScore) -> bool | None:
        criteria = obj.assessment.criteria
        return criteria.get("met") if criteria else None

    @staticmethod
    def resolve_is_amended(obj: Any) -> bool:
        return bool(getattr(obj, "is_amended", False))


class GapOut(Schema):
    field: str
    message: str


class BlockerOut(Schema):
    gate: str
    """The gate's name: record what is missing, or a physician overrides it by this name."""
    field: str
    """The flowsheet section where the missing record is made."""
    message: str
    source: str


class OverrideOut(Schema):
    id: int
    session_id: int
    gate: str
    reason: str
    blocked: str
    """What the gate said when it was overridden."""
    signed_by: str
    signed_at: datetime
    meaning: str
    """The override's meaning as a signature: ``approved``."""

    @staticmethod
    def resolve_signed_by(obj: GateOverride) -> str:
        return username(obj.signed_by)


class FlowsheetOut(Schema):
    session: SessionOut
    patient_name: str
    state: str
    commands: list[str]
    """The lifecycle steps open from here."""
    gaps: list[GapOut]
    """What the next step (pre-infusion checks or discharge) still needs."""
    blockers: list[BlockerOut]
    """The gates stopping the next step (start, discharge, signature) unless overridden."""
    overrides: list[OverrideOut]
    end_problems: list[str]
    """What was implausible about the end of the infusion (its reason is on the end)."""
    next_vitals_due: datetime | None
    vitals_overdue: bool
    elapsed_min: float | None
    rate_ml_per_h: float | None
    volume_infused_ml: float | None
    dose_ordered_mg: float
    dose_given_mg: float | None
    transitions: list[TransitionOut]
    vitals: list[VitalsOut]
    side_effects: list[SideEffectOut]
    rescue_medications: list[RescueMedicationOut]
    pump_events: list[PumpEventOut]
    notes: list[NoteOut]
    urinary_screens: list[UrinaryScreenOut]
    confirmations: list[ConfirmationOut]
    scores: list[ScoreOut]
    alerts: list[AlertOut]
    patient_alerts: list[AlertOut]
    """The patient's open alerts raised outside this session (shown with the pre-checks)."""
    open_alert_ids: list[int]
    signed_by: str | None
    signed_at: datetime | None
    titration_proposal_id: int | None
    ledger_posted: bool
    prn_orders: list[PrnOrderOut]
    supply: SupplyOut


class RecordedOut(Schema):
    entry_id: int
    kind: str
    alerts: list[AlertOut]
    """The alerts this entry raised (with the suggested action)."""


class SignatureOut(Schema):
    session_id: int
    signed_by: str
    signed_at: datetime
    meaning: str
    """The signature's meaning: ``authored``."""


class LedgerPostingOut(Schema):
    session_id: int
    draw_id: int
    administered_id: int
    wasted_id: int | None
    posted_at: datetime


class BoardRowOut(Schema):
    session_id: int
    patient_id: int
    patient_name: str
    chair: str | None
    state: str
    started_at: datetime | None
    elapsed_min: float | None
    next_vitals_due: datetime | None
    vitals_overdue: bool
    open_alerts: int
    urgent_open_alerts: int


class ChairOut(Schema):
    id: int
    name: str


class BoardOut(Schema):
    location_id: int
    location: str
    now: datetime
    rows: list[BoardRowOut]
    free_chairs: list[ChairOut]


class SessionSummaryOut(Schema):
    id: int
    order_id: int
    location_id: int
    chair_id: int | None
    protocol_id: str
    state: str
    started_at: datetime | None
    ended_at: datetime | None
    stopped_early: bool
    dose_given_mg: float | None
    max_cadss6: float | None
    alert_count: int
    open_alerts: int
    signed_at: datetime | None
    created_at: datetime


class SessionPageOut(Schema):
    items: list[SessionSummaryOut]
    total: int
    page: int
    page_size: int


class PageQuery(Schema):
    page: PageNumber = 1
    page_size: int = 20


class OpenableOrderOut(Schema):
    id: int
    plan_id: int
    session_on: date
    status: str


def flowsheet_out(sheet: reads.Flowsheet) -> dict[str, Any]:
    session = sheet.session
    return {
        "session": session,
        "patient_name": session.patient.full_name,
        "state": sheet.state,
        "commands": list(sheet.commands),
        "gaps": sheet.gaps,
        "blockers": sheet.blockers,
        "overrides": sheet.overrides,
        "end_problems": sheet.end_problems,
        "next_vitals_due": sheet.next_vitals_due,
        "vitals_overdue": sheet.vitals_overdue,
        "elapsed_min": sheet.elapsed_min,
        "rate_ml_per_h": sheet.rate_ml_per_h,
        "volume_infused_ml": sheet.volume_infused_ml,
        "dose_ordered_mg": session.order.dose_mg,
        "dose_given_mg": sheet.dose_given_mg,
        "transitions": sheet.transitions,
        "vitals": sheet.vitals,
        "side_effects": sheet.side_effects,
        "rescue_medications": sheet.rescue_medications,
        "pump_events": sheet.pump_events,
        "notes": sheet.notes,
        "urinary_screens": sheet.urinary_screens,
        "confirmations": sheet.confirmations,
        "scores": sheet.scores,
        "alerts": sheet.alerts,
        "patient_alerts": sheet.patient_alerts,
        "open_alert_ids": [alert.pk for alert in sheet.open_alerts],
        "signed_by": username(sheet.signature.signed_by) if sheet.signature else None,
        "signed_at": sheet.signature.signed_at if sheet.signature else None,
        "titration_proposal_id": sheet.titration.pk if sheet.titration else None,
        "ledger_posted": sheet.ledger is not None,
        "prn_orders": sheet.prn_orders,
        "supply": supply_out(sheet.supply),
    }


def supply_out(supply: Supply) -> dict[str, Any]:
    return {
        "drug": supply.drug,
        "draws": [
            {
                "draw_id": d.draw.pk,
                "product": d.draw.lot.product.name,
                "drug": d.draw.lot.product.drug,
                "lot_number": d.draw.lot.lot_number,
                "drawn_mg": d.account.drawn_mg,
                "given_mg": d.account.given_mg,
                "wasted_mg": d.account.wasted_mg,
                "left_mg": d.account.left_mg,
                "settled": d.account.settled,
            }
            for d in supply.draws
        ],
        "no_draw_reason": supply.waiver.reason if supply.waiver else None,
    }
