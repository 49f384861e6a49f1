"""Assessment endpoints under /patients/{id}: submit, list, read, amend; bundle requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ketaclinic.records.assessments import history, services
from ketaclinic.records.assessments.inputs import (
    AmendmentIn,
    AssessmentIn,
    BundleRequestIn,
    WithdrawalIn,
)

from .auth import actor
from .errors import ERRORS
from .params import PageNumber
from .schemas import PageCountsOut, RecordedByOut

if TYPE_CHECKING:
    from ketaclinic.records.assessments.models import Assessment

router = Router(tags=["assessments"])

Number = int | float


def _number(value: float | None) -> Number | None:
    """Whole totals as integers, as scoring reports them (FIQR keeps its 2 decimals)."""
    return int(value) if value is not None and float(value).is_integer() else value


class BandOut(Schema):
    code: str
    label: str


class CriteriaOut(Schema):
    code: str
    label: str
    met: bool
    reasons: list[str]
    note: str


class ScoreAlertOut(Schema):
    code: str
    message: str
    severity: str
    item: str | None
    urgent: bool


class AssessmentOut(RecordedByOut):
    id: int
    patient_id: int
    instrument: str
    version: str
    context: str
    completed_at: datetime
    answers: dict[str, int | None]
    total: Number | None
    subscores: dict[str, Number | None]
    band: BandOut | None
    valid: bool
    invalid_reasons: list[str]
    criteria: CriteriaOut | None
    alerts: list[ScoreAlertOut]
    entered_by: str
    recorded_at: datetime
    request_id: int | None
    amends_id: int | None
    amendment_reason: str
    superseded_by_id: int | None

    @staticmethod
    def resolve_instrument(obj: Assessment) -> str:
        return obj.instrument_id

    @staticmethod
    def resolve_version(obj: Assessment) -> str:
        return obj.instrument_version

    @staticmethod
    def resolve_total(obj: Assessment) -> Number | None:
        return _number(obj.total)

    @staticmethod
    def resolve_band(obj: Assessment) -> dict[str, str] | None:
        return {"code": obj.band_code, "label": obj.band_label} if obj.band_code else None

    @staticmethod
    def resolve_superseded_by_id(obj: Assessment) -> int | None:
        amendment = getattr(obj, "amendment", None)
        return amendment.pk if amendment is not None else None


class AssessmentPageOut(PageCountsOut):
    items: list[AssessmentOut]


class AssessmentFilter(Schema):
    instrument: str = ""
    include_superseded: bool = False
    page: PageNumber = 1
    page_size: int = 25


class TrendPointOut(Schema):
    assessment_id: int
    completed_at: datetime
    total: Number
    band_label: str
    urgent: bool


class TrendOut(Schema):
    instrument: str
    title: str
    direction: str
    total_min: Number
    total_max: Number
    points: list[TrendPointOut]


class RequestOut(Schema):
    id: int
    patient_id: int
    bundle: str
    version: str
    instruments: list[str]
    context: str
    due_on: date | None
    requested_by: str
    requested_at: datetime
    done: list[str]
    remaining: list[str]
    complete: bool
    withdrawn: bool
    withdrawal_reason: str | None


class RequestFilter(Schema):
    open_only: bool = False


def _request_out(status: services.RequestStatus) -> dict[str, Any]:
    request = status.request
    return {
        "id": request.pk,
        "patient_id": request.patient_id,
        "bundle": request.bundle_id,
        "version": request.bundle_version,
        "instruments": request.instruments,
        "context": request.context,
        "due_on": request.due_on,
        "requested_by": request.requested_by.get_username(),
        "requested_at": request.requested_at,
        "done": [i for i in request.instruments if i in status.done],
        "remaining": status.remaining,
        "complete": status.complete,
        "withdrawn": status.withdrawn,
        "withdrawal_reason": request.withdrawal.reason if status.withdrawn else None,
    }


@router.get("/{patient_id}/assessments", response={200: AssessmentPageOut, **ERRORS})
def list_assessments(
    request: HttpRequest, patient_id: int, params: Query[AssessmentFilter]
) -> history.AssessmentPage:
    """Newest completed first; filter by ``instrument``; amended originals are left out
    unless ``include_superseded``; paginated (``page_size`` ≤ 100)."""
    return history.list_assessments(
        actor(request),
        patient_id,
        instrument=params.instrument,
        include_superseded=params.include_superseded,
        page=params.page,
        page_size=params.page_size,
    )


@router.post("/{patient_id}/assessments", response={201: AssessmentOut, **ERRORS})
def create_assessment(
    request: HttpRequest, patient_id: int, data: AssessmentIn
) -> Status[Assessment]:
    """Score and sign a completed instrument; alerts in its result are raised to the
    patient's physician. Each bad answer is named as ``answers.<item id>``."""
    return Status(
        201,
        services.record_assessment(actor(request), patient_id, data.model_dump(exclude_unset=True)),
    )


@router.get("/{patient_id}/assessments/trends", response={200: list[TrendOut], **ERRORS})
def assessment_trends(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """Per instrument, the latest valid totals of current assessments, oldest first."""
    return [
        {
            "instrument": trend.definition.id,
            "title": trend.definition.title,
            "direction": trend.definition.direction,
            "total_min": trend.definition.total_min,
            "total_max": trend.definition.total_max,
            "points": [{**vars(p), "total": _number(p.total)} for p in trend.points],
        }
        for trend in history.trends(actor(request), patient_id)
    ]


@router.get("/{patient_id}/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS})
def get_assessment(request: HttpRequest, patient_id: int, assessment_id: int) -> Assessment:
    return history.get_assessment(actor(request), patient_id, assessment_id)


@router.post(
    "/{patient_id}/assessments/{assessment_id}/amend", response={201: AssessmentOut, **ERRORS}
)
def amend_assessment(
    request: HttpRequest, patient_id: int, assessment_id: int, data: AmendmentIn
) -> Status[Assessment]:
    """Correct a signed assessment: a new record with the full corrected answers and the
    reason; 409 when it has already been amended (amend the current version)."""
    return Status(
        201,
        services.amend_assessment(
            actor(request), patient_id, assessment_id, data.model_dump(exclude_unset=True)
        ),
    )


@router.get("/{patient_id}/assessment-requests", response={200: list[RequestOut], **ERRORS})
def list_requests(
    request: HttpRequest, patient_id: int, params: Query[RequestFilter]
) -> list[dict[str, Any]]:
    """Bundle requests, newest first, with the instruments done and remaining (no scores)."""
    statuses = services.list_requests(actor(request), patient_id, open_only=params.open_only)
    return [_request_out(status) for status in statuses]


@router.post("/{patient_id}/assessment-requests", response={201: RequestOut, **ERRORS})
def create_request(
    request: HttpRequest, patient_id: int, data: BundleRequestIn
) -> Status[dict[str, Any]]:
    """Ask the patient to complete a bundle; 409 while an earlier one is still open."""
    who = actor(request)
    created = services.request_bundle(who, patient_id, data.model_dump(exclude_unset=True))
    return Status(201, _request_out(services.RequestStatus(created, frozenset())))


@router.post(
    "/{patient_id}/assessment-requests/{request_id}/withdraw",
    response={200: RequestOut, **ERRORS},
)
def withdraw_request(
    request: HttpRequest, patient_id: int, request_id: int, data: WithdrawalIn
) -> dict[str, Any]:
    """Withdraw an open request with a reason; 409 when it is already complete or withdrawn."""
    return _request_out(
        services.withdraw_request(actor(request), patient_id, request_id, data.model_dump())
    )
