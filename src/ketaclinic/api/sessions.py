"""Infusion session endpoints: open a session, move it through its lifecycle, record the
flowsheet, amend, sign, post to the ledger, propose titration; the live board of a location;
a patient's sessions.

/sessions/{id}/… for one session, /locations/{id}/live-board, /patients/{id}/sessions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
from ketaclinic.records.sessions.overrides import OverrideIn
from ketaclinic.records.sessions.record import session_record
from ketaclinic.records.sessions.signing import SessionSignIn

from .auth import actor
from .errors import ERRORS
from .patients import MeasurementOut
from .plans import TitrationOut, titration_out
from .session_schemas import (
    BoardOut,
    ConfirmationOut,
    DrawOut,
    DrawWaiverOut,
    FlowsheetOut,
    LedgerPostingOut,
    OpenableOrderOut,
    OverrideOut,
    PageQuery,
    RecordedOut,
    ScoreOut,
    SessionOut,
    SessionPageOut,
    SignatureOut,
    TransitionOut,
    flowsheet_out,
    username,
)

if TYPE_CHECKING:
    from ketaclinic.records.sessions.models import GateOverride, Session, SessionScore, Transition

router = Router(tags=["sessions"])
location_router = Router(tags=["sessions"])
patient_router = Router(tags=["sessions"])


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
    return flowsheet_out(reads.get_flowsheet(actor(request), session_id))


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
def sign(request: HttpRequest, session_id: int, data: SessionSignIn) -> Status[dict[str, Any]]:
    """Sign a discharged or cancelled session, re-entering ``password`` (or ``otp``, a code
    from the signer's authenticator); afterwards it takes amendments only."""
    signature = signing.sign_session(actor(request), session_id, _body(data))
    return Status(
        201,
        {
            "session_id": signature.session_id,
            "signed_by": username(signature.signed_by),
            "signed_at": signature.signed_at,
            "meaning": signature.meaning,
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
    vitals due, open alerts. Poll it: a call is audited when what it shows changed since
    the caller's last audited view (the first call always), not every poll."""
    board = reads.live_board(actor(request), location_id, poll=True)
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
