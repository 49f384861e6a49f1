"""Reading a patient's assessments: history, one record, trends and the baseline summary.

Every read is permission-checked and audited; each answers in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from ketaclinic.instruments import Bundle, Definition
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput, NotFound
from ketaclinic.records.pages import Page
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient

from .models import Assessment, Context
from .registry import registry
from .services import bundle_for, definition_for

PAGE_SIZE_MAX = 100
TREND_POINTS = 12
BASELINE_BUNDLE = "baseline_intake"


@dataclass(frozen=True)
class AssessmentPage(Page[Assessment]):
    """A page of the patient's assessments, with the patient."""

    patient: Patient


@dataclass(frozen=True)
class TrendPoint:
    assessment_id: int
    completed_at: datetime
    total: float
    band_label: str
    urgent: bool


@dataclass(frozen=True)
class Trend:
    """An instrument's latest valid totals, oldest first (at most ``TREND_POINTS``)."""

    definition: Definition
    points: tuple[TrendPoint, ...]

    @property
    def latest(self) -> TrendPoint:
        return self.points[-1]


@dataclass(frozen=True)
class BaselineSummary:
    """The bundle's instruments in order, each with its latest current baseline assessment."""

    patient: Patient
    bundle: Bundle
    results: tuple[tuple[Definition, Assessment | None], ...]

    def result(self, instrument_id: str) -> Assessment | None:
        return next((a for d, a in self.results if d.id == instrument_id), None)

    @property
    def complete(self) -> bool:
        return all(assessment is not None for _, assessment in self.results)


def list_assessments(
    actor: Actor,
    patient_id: int,
    *,
    instrument: str = "",
    include_superseded: bool = False,
    page: int = 1,
    page_size: int = 25,
) -> AssessmentPage:
    """The patient's assessments, newest completed first; amended originals only on request."""
    authorize(actor, Action.ASSESSMENT_VIEW, patient_id=patient_id)
    if page < 1:
        raise InvalidInput.single("page", "must be 1 or more")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise InvalidInput.single("page_size", f"must be between 1 and {PAGE_SIZE_MAX}")
    if instrument:
        definition_for(instrument)
    patient = patient_or_404(patient_id)
    assessments = Assessment.objects.filter(patient_id=patient_id)
    if not include_superseded:
        assessments = assessments.current()
    if instrument:
        assessments = assessments.filter(instrument_id=instrument)
    total = assessments.count()
    start = (page - 1) * page_size
    items = list(assessments.select_related("recorded_by", "amendment")[start : start + page_size])
    audit.record(
        actor,
        Action.ASSESSMENT_VIEW,
        patient_id=patient_id,
        detail={"instrument": instrument, "page": page, "shown": [a.pk for a in items]},
    )
    return AssessmentPage(patient=patient, items=items, total=total, page=page, page_size=page_size)


def get_assessment(actor: Actor, patient_id: int, assessment_id: int) -> Assessment:
    """One assessment with who recorded it, what it amends and what amended it."""
    authorize(actor, Action.ASSESSMENT_VIEW, patient_id=patient_id)
    try:
        assessment = Assessment.objects.select_related(
            "patient", "recorded_by", "amends", "amendment", "request"
        ).get(pk=assessment_id, patient_id=patient_id)
    except Assessment.DoesNotExist:
        raise NotFound(
            f"assessment {assessment_id} does not exist for patient {patient_id}"
        ) from None
    audit.record(actor, Action.ASSESSMENT_VIEW, obj=assessment, patient_id=patient_id)
    return assessment


def trends(actor: Actor, patient_id: int) -> list[Trend]:
    """Per instrument, the latest valid totals of current assessments, in one query."""
    authorize(actor, Action.ASSESSMENT_VIEW, patient_id=patient_id)
    rows = (
        Assessment.objects.current()
        .filter(patient_id=patient_id, valid=True)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("instrument_id")],
                order_by=[F("completed_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=TREND_POINTS)
        .values_list("id", "instrument_id", "completed_at", "total", "band_label", "alerts")
    )
    points: dict[str, list[TrendPoint]] = {}
    for pk, instrument_id, completed_at, total, band_label, alerts in rows:
        urgent = any(alert.get("severity") == "urgent" for alert in alerts)
        points.setdefault(instrument_id, []).append(
            TrendPoint(pk, completed_at, total, band_label, urgent)
        )
    audit.record(actor, Action.ASSESSMENT_VIEW, patient_id=patient_id, detail={"view": "trends"})
    # Every stored instrument id is in the registry: a clinic's override keeps the id and
    # changes only the version.
    return [
        Trend(definition, tuple(sorted(found, key=lambda p: (p.completed_at, p.assessment_id))))
        for definition in instruments_in_order()
        if (found := points.get(definition.id))
    ]


def instruments_in_order() -> list[Definition]:
    """The baseline bundle's instruments in its order, then the others in the registry's."""
    first = registry().bundle(BASELINE_BUNDLE).instruments
    rest = [d.id for d in registry().definitions() if d.id not in first]
    return [registry().get(instrument_id) for instrument_id in (*first, *rest)]


def baseline_summary(
    actor: Actor, patient_id: int, bundle_id: str = BASELINE_BUNDLE
) -> BaselineSummary:
    """The bundle's results on one screen: the latest current baseline of each instrument."""
    authorize(actor, Action.ASSESSMENT_VIEW, patient_id=patient_id)
    bundle = bundle_for(bundle_id)
    patient = patient_or_404(patient_id)
    latest: dict[str, Assessment] = {}
    for assessment in (
        Assessment.objects.current()
        .filter(
            patient_id=patient_id,
            context=Context.BASELINE,
            instrument_id__in=bundle.instruments,
        )
        .select_related("recorded_by")
        .order_by("-completed_at", "-id")
    ):
        latest.setdefault(assessment.instrument_id, assessment)
    audit.record(
        actor,
        Action.ASSESSMENT_VIEW,
        patient_id=patient_id,
        detail={"view": "baseline_summary", "bundle": bundle.id},
    )
    return BaselineSummary(
        patient=patient,
        bundle=bundle,
        results=tuple(
            (registry().get(instrument_id), latest.get(instrument_id))
            for instrument_id in bundle.instruments
        ),
    )


def usual_context(patient_id: int, instrument_id: str) -> Context:
    """What a new entry most likely is: the baseline if the patient has none of this
    instrument yet, a follow-up otherwise (the person entering it can change it)."""
    known = Assessment.objects.filter(patient_id=patient_id, instrument_id=instrument_id)
    return Context.FOLLOW_UP if known.exists() else Context.BASELINE
