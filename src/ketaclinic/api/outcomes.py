"""Outcome endpoints: a patient's outcomes, booster decisions and drop-outs; the cohort."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ketaclinic.records.outcomes import cohort, services
from ketaclinic.records.outcomes.inputs import BoosterDecisionIn, DiscontinuationIn

from .auth import actor
from .costly import count_costly
from .errors import ERRORS
from .params import Day

if TYPE_CHECKING:
    from ketaclinic.records.outcomes.models import BoosterReview, Discontinuation

patient_router = Router(tags=["outcomes"])
router = Router(tags=["outcomes"])


class ResponderOut(Schema):
    instrument_id: str
    category: str
    label: str
    reason: str
    baseline: float | None
    latest: float | None
    latest_percent_fall: float | None
    best: float | None
    best_percent_fall: float | None


class PointOut(Schema):
    assessment_id: int | None
    completed_at: datetime
    total: float
    context: str


class TrajectoryOut(Schema):
    instrument_id: str
    title: str
    baseline: float | None
    latest: float | None
    change_points: float | None
    percent_fall: float | None
    points: list[PointOut]


class InfusionOut(Schema):
    session_id: int | None
    started_at: datetime
    dose_mg: float
    route: str
    duration_min: float | None
    protocol_id: str


class PatientOutcomesOut(Schema):
    patient_id: int
    protocol_id: str | None
    rules: dict[str, Any]
    trajectories: list[TrajectoryOut]
    pain_response: ResponderOut
    fiqr_response: ResponderOut
    immediate: list[dict[str, Any]]
    durability: dict[str, Any]
    booster: dict[str, Any]
    infusions: list[InfusionOut]
    booster_decisions: list[dict[str, Any]]
    discontinuations: list[dict[str, Any]]


class OutcomeQuery(Schema):
    return_fraction: float | None = None


class BoosterDecisionBody(BoosterDecisionIn):
    """``decision``: accepted or declined; ``note`` required."""


class BoosterReviewOut(Schema):
    id: int
    patient_id: int
    protocol_id: str
    decision: str
    note: str
    suggestion: dict[str, Any]
    evidence_at: datetime
    decided_at: datetime
    decided_by_id: int


class DiscontinuationOut(Schema):
    id: int
    patient_id: int
    protocol_id: str
    reason: str
    note: str
    stopped_on: date
    recorded_at: datetime
    recorded_by_id: int
    amends_id: int | None
    amendment_reason: str


class CohortQuery(Schema):
    protocol: str | None = None
    location: str | None = None
    since: Day | None = None
    until: Day | None = None


class CohortOut(Schema):
    filters: dict[str, Any]
    label: str
    empty: bool
    patients: int
    patients_treated: int
    infusions: int
    series_booked: int
    series_completed: int
    changes: list[dict[str, Any]]
    responders: list[dict[str, Any]]
    dropouts: dict[str, Any]
    durability: dict[str, Any]
    dissociation: dict[str, Any]
    alerts_by_code: list[dict[str, Any]]
    patients_with_alerts: dict[str, Any]
    side_effects: dict[str, Any]
    summaries: dict[str, Any]
    """``as_of``: the oldest summary's refresh; ``patients_waiting``: summaries not current."""


@patient_router.get("/{patient_id}/outcomes", response={200: PatientOutcomesOut, **ERRORS})
def patient_outcomes(
    request: HttpRequest, patient_id: int, params: Query[OutcomeQuery]
) -> dict[str, Any]:
    """Is it working: trajectories, responder status, immediate vs lasting change,
    durability (``return_fraction`` of baseline, default from the rules) and the booster
    suggestion."""
    return services.patient_outcomes(
        actor(request), patient_id, return_fraction=params.return_fraction
    ).as_dict()


@patient_router.post("/{patient_id}/booster-decisions", response={201: BoosterReviewOut, **ERRORS})
def decide_booster(
    request: HttpRequest, patient_id: int, data: BoosterDecisionBody
) -> Status[BoosterReview]:
    """Accept or decline the booster the protocol's rule suggests now (409 when none is due
    or this evidence is already decided on)."""
    return Status(
        201, services.decide_booster(actor(request), patient_id, data.model_dump(mode="json"))
    )


@patient_router.post("/{patient_id}/discontinuations", response={201: DiscontinuationOut, **ERRORS})
def record_discontinuation(
    request: HttpRequest, patient_id: int, data: DiscontinuationIn
) -> Status[Discontinuation]:
    """Record that the patient stopped the programme and why; with ``amends`` and
    ``amendment_reason``, correct an earlier record."""
    fields = data.model_dump(mode="json", exclude_unset=True)
    return Status(201, services.record_discontinuation(actor(request), patient_id, fields))


@router.get("/cohort", response={200: CohortOut, **ERRORS})
def cohort_report(request: HttpRequest, params: Query[CohortQuery]) -> dict[str, Any]:
    """Aggregates for patients by protocol, location (slug) and start period (dates,
    inclusive); a filter that matches nobody answers an empty, labelled report."""
    count_costly(request)
    data = params.model_dump(exclude_none=True)
    return cohort.cohort_report(actor(request), data).as_dict()
