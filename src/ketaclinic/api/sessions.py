"""Infusion session endpoints: open a session, move it through its lifecycle, record the
flowsheet, amend, sign, post to the ledger, propose titration; the live board of a location;
a patient's sessions.

/sessions/{id}/… for one session, /locations/{id}/live-board, /patients/{id}/sessions.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from ketaclinic.interop.session_pdf import session_record_pdf
from ketaclinic.records.assessments.inputs import AmendmentIn as ScoreAmendmentIn
from ketaclinic.records.pages import Page
from ketaclinic.records.sessions import (
    checklist,
    flowsheet,
    ledger,
    lifecycle,
    overrides,
    reads,
    scores,
    signing,
    supply,
    titration,
)
from ketaclinic.records.sessions.flowsheet import Recorded
from ketaclinic.records.sessions.inputs import (
    AmendmentIn,
    ConfirmationIn,
    DrawWaiverIn,
    LedgerPostingIn,
    NoteIn,
    PumpRateIn,
    RescueMedicationIn,
    ScoreIn,
    SessionDrawIn,
    SessionIn,
    SideEffectIn,
    TransitionIn,
    UrinaryScreenIn,
    VitalsIn,
    WeightIn,
)
from ketaclinic.records.sessions.models import GateOverride, Session, SessionScore, Transition
from ketaclinic.records.sessions.overrides import OverrideIn
from ketaclinic.records.sessions.record import session_record
from ketaclinic.records.sessions.supply import Supply

from .alerts import AlertOut
from .auth import actor
from .errors import ERRORS
from .ledger import Amount
from .patients import MeasurementOut
from .plans import PrnOrderOut, TitrationOut, titration_out

router = Router(tags=["sessions"])
location_router = Router(tags=["sessions"])
patient_router = Router(tags=["sessions"])


def _username(user: Any) -> str:
    return str(user.get_username())


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


class TransitionOut(Schema):
    seq: int
    command: str
    from_state: str
    to_state: str
    reason: str
    at: datetime
    recorded_by: str
    recorded_at: datetime

    @staticmethod
    def resolve_recorded_by(obj: Transition) -> str:
        return _username(obj.recorded_by)


class EntryOut(Schema):
    """What every flowsheet entry carries: when, who, and what it corrects."""

    id: int
    at: datetime
    recorded_by: str
    recorded_at: datetime
    amends_id: int | None
    amendment_reason: str
    is_amended: bool = False

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return _username(obj.recorded_by)

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


class ConfirmationOut(Schema):
    kind: str
    note: str
    at: datetime
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return _username(obj.recorded_by)


class ScoreOut(Schema):
    assessment_id: int
    phase: str
    instrument_id: str
    total: float | None
    band_label: str
    discharge_ready: bool | None
    completed_at: datetime
    amends_id: int | None
    is_amended: bool = False

    @staticmethod
    def resolve_instrument_id(obj: SessionScore) -> str:
        return obj.assessment.instrument_id

    @staticmethod
    def resolve_total(obj: SessionScore) -> float | None:
        return obj.assessment.total

    @staticmethod
    def resolve_band_label(obj: SessionScore) -> str:
        return obj.assessment.band_label

    @staticmethod
    def resolve_discharge_ready(obj: SessionScore) -> bool | None:
        criteria = obj.assessment.criteria
        return criteria.get("met") if criteria else None

    @staticmethod
    def resolve_completed_at(obj: SessionScore) -> datetime:
        return obj.assessment.completed_at

    @staticmethod
    def resolve_amends_id(obj: SessionScore) -> int | None:
        return obj.assessment.amends_id

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

    @staticmethod
    def resolve_signed_by(obj: GateOverride) -> str:
        return _username(obj.signed_by)


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
    page: int = 1
    page_size: int = 20


class OpenableOrderOut(Schema):
    id: int
    plan_id: int
    session_on: date
    status: str


def _flowsheet(sheet: reads.Flowsheet) -> dict[str, Any]:
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
        "signed_by": _username(sheet.signature.signed_by) if sheet.signature else None,
        "signed_at": sheet.signature.signed_at if sheet.signature else None,
        "titration_proposal_id": sheet.titration.pk if sheet.titration else None,
        "ledger_posted": sheet.ledger is not None,
        "prn_orders": sheet.prn_orders,
        "supply": _supply(sheet.supply),
    }


def _supply(supply: Supply) -> dict[str, Any]:
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


def _recorded(kind: str, recorded: Recorded) -> Status[dict[str, Any]]:
    return Status(201, {"entry_id": recorded.entry.pk, "kind": kind, "alerts": recorded.alerts})


def _body(data: Schema | Any) -> dict[str, Any]:
    dumped: dict[str, Any] = data.model_dump(exclude_unset=True)
    return dumped


@router.post("", response={201: SessionOut, **ERRORS})
def open_session(request: HttpRequest, data: SessionIn) -> Status[Session]:
    """Open a session (``scheduled``) for today's order, at an appointment's location and
    chair or the ones named."""
    return Status(201, lifecycle.open_session(actor(request), _body(data)))


@router.get("/{session_id}", response={200: FlowsheetOut, **ERRORS})
def get_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    """The flowsheet: everything recorded, the state, what the next step needs, when vitals
    are next due."""
    return _flowsheet(reads.get_flowsheet(actor(request), session_id))


PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The session record as a PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/{session_id}/record.pdf", response=ERRORS, openapi_extra=PDF_ANSWER)
def get_session_record_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    """The whole session record as a PDF (``application/pdf``): who may see the flowsheet
    may download it."""
    record = session_record(actor(request), session_id)
    response = HttpResponse(
        session_record_pdf(record, timezone.now()), content_type="application/pdf"
    )
    name = f"session-{record.sheet.session.patient.mrn}-{session_id}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/{session_id}/transitions", response={201: TransitionOut, **ERRORS})
def make_transition(
    request: HttpRequest, session_id: int, data: TransitionIn
) -> Status[Transition]:
    """One lifecycle step (``command``); 409 when it is not allowed from the session's state or
    its guard fails (e.g. the order is not verified, the discharge criteria are not met): the
    answer's ``errors`` name each missing record by its field, and each gate by its name (a
    physician may override a gate: ``POST /sessions/{id}/overrides``)."""
    return Status(201, lifecycle.transition(actor(request), session_id, _body(data)))


@router.post("/{session_id}/overrides", response={201: OverrideOut, **ERRORS})
def record_override(
    request: HttpRequest, session_id: int, data: OverrideIn
) -> Status[GateOverride]:
    """A physician lets a blocked step proceed past one gate (``gate`` as named in a 409's
    errors or the flowsheet's ``blockers``), with the reason; signed and audited, once."""
    return Status(201, overrides.record_override(actor(request), session_id, _body(data)))


@router.post("/{session_id}/vitals", response={201: RecordedOut, **ERRORS})
def record_vitals(request: HttpRequest, session_id: int, data: VitalsIn) -> Status[Any]:
    """A full set of vital signs: impossible values are refused (422), alarming ones alert."""
    return _recorded("vitals", flowsheet.record_vitals(actor(request), session_id, _body(data)))


@router.post("/{session_id}/side-effects", response={201: RecordedOut, **ERRORS})
def record_side_effect(request: HttpRequest, session_id: int, data: SideEffectIn) -> Status[Any]:
    """A side effect and its severity (dissociation may carry CADSS-6 answers)."""
    recorded = flowsheet.record_side_effect(actor(request), session_id, _body(data))
    return _recorded("side_effects", recorded)


@router.post("/{session_id}/rescue-medications", response={201: RecordedOut, **ERRORS})
def record_rescue_medication(
    request: HttpRequest, session_id: int, data: RescueMedicationIn
) -> Status[Any]:
    recorded = flowsheet.record_rescue_medication(actor(request), session_id, _body(data))
    return _recorded("rescue_medications", recorded)


@router.post("/{session_id}/pump-rate", response={201: RecordedOut, **ERRORS})
def change_pump_rate(request: HttpRequest, session_id: int, data: PumpRateIn) -> Status[Any]:
    """A new pump rate (at most the ordered one) with the reason."""
    return _recorded("pump", flowsheet.change_pump_rate(actor(request), session_id, _body(data)))


@router.post("/{session_id}/notes", response={201: RecordedOut, **ERRORS})
def add_note(request: HttpRequest, session_id: int, data: NoteIn) -> Status[Any]:
    return _recorded("notes", flowsheet.add_note(actor(request), session_id, _body(data)))


@router.post("/{session_id}/urinary-screen", response={201: RecordedOut, **ERRORS})
def record_urinary_screen(
    request: HttpRequest, session_id: int, data: UrinaryScreenIn
) -> Status[Any]:
    recorded = flowsheet.record_urinary_screen(actor(request), session_id, _body(data))
    return _recorded("urinary_screen", recorded)


@router.post("/{session_id}/entries/{kind}/{entry_id}/amend", response={201: RecordedOut, **ERRORS})
def amend_entry(
    request: HttpRequest, session_id: int, kind: str, entry_id: int, data: AmendmentIn
) -> Status[Any]:
    """Correct an entry (kind: vitals, side_effects, rescue_medications, notes,
    urinary_screen, volume_infused) with its full corrected ``values`` and the ``reason``."""
    recorded = flowsheet.amend_entry(actor(request), session_id, kind, entry_id, _body(data))
    return _recorded(kind, recorded)


@router.post("/{session_id}/confirmations", response={201: ConfirmationOut, **ERRORS})
def confirm(request: HttpRequest, session_id: int, data: ConfirmationIn) -> Status[Any]:
    """Confirm a checklist item (``kind`` from the session rules)."""
    return Status(201, checklist.confirm(actor(request), session_id, _body(data)))


@router.post("/{session_id}/weight", response={201: MeasurementOut, **ERRORS})
def record_weight(request: HttpRequest, session_id: int, data: WeightIn) -> Status[Any]:
    """Today's weight, into the patient's measurement history."""
    return Status(201, checklist.record_weight(actor(request), session_id, _body(data)))


@router.post("/{session_id}/scores", response={201: ScoreOut, **ERRORS})
def record_score(request: HttpRequest, session_id: int, data: ScoreIn) -> Status[SessionScore]:
    """Score pain NRS, CADSS-6 or the Modified Aldrete in the session's current phase."""
    return Status(201, scores.record_score(actor(request), session_id, _body(data)))


@router.post("/{session_id}/scores/{assessment_id}/amend", response={201: ScoreOut, **ERRORS})
def amend_score(
    request: HttpRequest, session_id: int, assessment_id: int, data: ScoreAmendmentIn
) -> Status[SessionScore]:
    link = scores.amend_score(actor(request), session_id, assessment_id, _body(data))
    return Status(201, link)


@router.post("/{session_id}/sign", response={201: SignatureOut, **ERRORS})
def sign(request: HttpRequest, session_id: int) -> Status[dict[str, Any]]:
    """Sign a discharged or cancelled session; afterwards it takes amendments only."""
    signature = signing.sign_session(actor(request), session_id)
    return Status(
        201,
        {
            "session_id": signature.session_id,
            "signed_by": _username(signature.signed_by),
            "signed_at": signature.signed_at,
        },
    )


@router.post("/{session_id}/titration", response={201: TitrationOut, **ERRORS})
def propose_titration(request: HttpRequest, session_id: int) -> Status[dict[str, Any]]:
    """After discharge: the session's tolerance and response to the plans' titration rule."""
    return Status(201, titration_out(titration.propose_titration(actor(request), session_id)))


@router.post("/{session_id}/draws", response={201: DrawOut, **ERRORS})
def draw(request: HttpRequest, session_id: int, data: SessionDrawIn) -> Status[Any]:
    """Draw the ordered drug (or a rescue drug) for this session from a lot in a cabinet at
    its location: the patient and the session's reference come from the session."""
    drawn = supply.draw_for_session(actor(request), session_id, _body(data))
    return Status(
        201,
        {
            "draw_id": drawn.pk,
            "product": drawn.lot.product.name,
            "drug": drawn.lot.product.drug,
            "lot_number": drawn.lot.lot_number,
            "drawn_mg": drawn.in_use_mg,
            "given_mg": Decimal(0),
            "wasted_mg": Decimal(0),
            "left_mg": drawn.in_use_mg,
            "settled": False,
        },
    )


@router.post("/{session_id}/draw-waiver", response={201: DrawWaiverOut, **ERRORS})
def waive_draw(request: HttpRequest, session_id: int, data: DrawWaiverIn) -> Status[Any]:
    """Record why the session needs no draw (e.g. a bag prepared elsewhere), before the start."""
    return Status(201, supply.waive_draw(actor(request), session_id, _body(data)))


@router.post("/{session_id}/ledger", response={201: LedgerPostingOut, **ERRORS})
def post_to_ledger(request: HttpRequest, session_id: int, data: LedgerPostingIn) -> Status[Any]:
    """Administer the dose given from a draw; waste the rest before a witness."""
    posting = ledger.post_to_ledger(actor(request), session_id, _body(data))
    return Status(
        201,
        {
            "session_id": posting.session_id,
            "draw_id": posting.draw_id,
            "administered_id": posting.administered_id,
            "wasted_id": posting.wasted_id,
            "posted_at": posting.posted_at,
        },
    )


@location_router.get("/{location_id}/live-board", response={200: BoardOut, **ERRORS})
def live_board(request: HttpRequest, location_id: int) -> dict[str, Any]:
    """Every chair at the location: patient, state, minutes since the infusion started, next
    vitals due, open alerts. Poll it."""
    board = reads.live_board(actor(request), location_id)
    return {
        "location_id": board.location.pk,
        "location": board.location.name,
        "now": board.now,
        "rows": [
            {
                "session_id": row.session.pk,
                "patient_id": row.session.patient_id,
                "patient_name": row.session.patient.full_name,
                "chair": row.session.chair.name if row.session.chair else None,
                "state": row.session.state,
                "started_at": row.session.started_at,
                "elapsed_min": row.elapsed_min,
                "next_vitals_due": row.next_vitals_due,
                "vitals_overdue": row.vitals_overdue,
                "open_alerts": row.session.open_alerts,
                "urgent_open_alerts": row.session.urgent_open_alerts,
            }
            for row in board.rows
        ],
        "free_chairs": board.free_chairs,
    }


@patient_router.get("/{patient_id}/sessions", response={200: SessionPageOut, **ERRORS})
def patient_sessions(
    request: HttpRequest, patient_id: int, params: Query[PageQuery]
) -> Page[Session]:
    """The patient's sessions, newest first, summarised; paginated."""
    return reads.patient_sessions(actor(request), patient_id, params.page, params.page_size)


@patient_router.get(
    "/{patient_id}/openable-orders", response={200: list[OpenableOrderOut], **ERRORS}
)
def openable_orders(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """Today's orders of the patient a session can be opened for."""
    return [
        {
            "id": order.pk,
            "plan_id": order.plan_id,
            "session_on": order.session_on,
            "status": order.status,
        }
        for order in reads.openable_orders(actor(request), patient_id)
    ]
