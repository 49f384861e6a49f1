"""The monthly clinic report's figures (aggregates only: no patient is named)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import validate

from . import infusions
from .cohort import CohortReport, cohort_summary
from .inputs import CohortFilterIn, MonthIn
from .models import BoosterChoice, BoosterReview, Discontinuation, DiscontinuationReason
from .queries import current, first_baselines

Counts = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ClinicMonth:
    month: date
    start: datetime
    end: datetime
    partial: bool
    """The month is not over yet: figures are to date."""
    new_patients: int
    started: int
    """Patients whose first baseline score fell in the month."""
    assessments: Counts
    appointments: Counts
    """Chair visits (infusion, esketamine, IM) starting in the month, by status."""
    infusions: int
    patients_infused: int
    alerts: Counts
    alerts_acknowledged: int
    dropouts: Counts
    booster_reviews: Counts
    cohort: CohortReport
    """Every patient started by the month's end, with their outcomes as the summaries stand
    now (a past month's report shows what is known today)."""


def _following(first: date) -> date:
    """The first day of the next month."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _month_bounds(first: date) -> tuple[datetime, datetime]:
    """The month as [start, end) in the clinic's default time zone."""
    return (
        timezone.make_aware(datetime.combine(first, time.min)),
        timezone.make_aware(datetime.combine(_following(first), time.min)),
    )


def _counts(rows: Any, labels: Mapping[str, str] | None = None) -> Counts:
    names = labels or {}
    return tuple((names.get(key, key), n) for key, n in rows)


def clinic_month(actor: Actor, data: Mapping[str, Any]) -> ClinicMonth:
    """The month's activity and the outcomes of everyone started by its end; a month that
    has not begun is refused, naming ``month``."""
    authorize(actor, Action.REPORT_CLINIC)
    month = validate(MonthIn, data).first_day
    start, end = _month_bounds(month)
    now = timezone.now()
    assessments = (
        current(Assessment)
        .filter(completed_at__gte=start, completed_at__lt=end)
        .values("instrument_id")
        .annotate(n=Count("id"))
        .order_by("-n", "instrument_id")
        .values_list("instrument_id", "n")
    )
    started = first_baselines().filter(started_at__gte=start, started_at__lt=end).count()
    events = infusions.infusion_events(None, start, end)
    alerts = Alert.objects.filter(raised_at__gte=start, raised_at__lt=end)
    report = ClinicMonth(
        month=month,
        start=start,
        end=end,
        partial=now < end,
        new_patients=Patient.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        started=started,
        assessments=_counts(assessments, {d.id: d.title for d in registry().definitions()}),
        appointments=_appointments(start, end),
        infusions=len(events),
        patients_infused=len({event.patient_id for event in events}),
        alerts=_counts(
            alerts.values("severity")
            .annotate(n=Count("id"))
            .order_by("severity")
            .values_list("severity", "n")
        ),
        alerts_acknowledged=alerts.filter(acknowledgement__isnull=False).count(),
        dropouts=_counts(
            current(Discontinuation)
            .filter(stopped_on__gte=month, stopped_on__lt=_following(month))
            .values("reason")
            .annotate(n=Count("id"))
            .order_by("-n", "reason")
            .values_list("reason", "n"),
            dict(DiscontinuationReason.choices),
        ),
        booster_reviews=_counts(
            BoosterReview.objects.filter(decided_at__gte=start, decided_at__lt=end)
            .values("decision")
            .annotate(n=Count("id"))
            .order_by("decision")
            .values_list("decision", "n"),
            dict(BoosterChoice.choices),
        ),
        cohort=cohort_summary(CohortFilterIn(until=_following(month) - timedelta(days=1))),
    )
    audit.record(
        actor,
        Action.REPORT_CLINIC,
        detail={"month": f"{month:%Y-%m}", "partial": report.partial},
    )
    return report


def _appointments(start: datetime, end: datetime) -> Counts:
    from ketaclinic.records.bookings.models import CHAIR_TYPES, Appointment, Status

    rows = (
        Appointment.objects.filter(
            starts_at__gte=start, starts_at__lt=end, appointment_type__in=sorted(CHAIR_TYPES)
        )
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
        .values_list("status", "n")
    )
    return _counts(rows, dict(Status.choices))
