"""The clinic's outcomes in aggregate: by protocol, location and the period patients started.

A patient is in the programme from their first baseline score. The figures are aggregated in
SQL over the per-patient outcome summaries (``summaries``: computed by the outcome screen's own
rules and refreshed after each write), in a handful of queries whatever the clinic's size:
counts and category counts give the rates (Wilson intervals), sums of x and x² the mean changes
(t intervals), and the (duration, event) pairs the Kaplan-Meier curve. The cohort is chosen in
SQL: protocol (a signed treatment plan for it), location (a booked appointment there) and
period (the first baseline score's date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, Exists, F, FloatField, Max, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from ketaclinic.outcomes import (
    UNKNOWN,
    DropoutSummary,
    KaplanMeier,
    MeanEstimate,
    Proportion,
    ResponderRate,
    Threshold,
    dropout_summary,
    fiqr_thresholds,
    kaplan_meier,
    mean_from_moments,
    outcome_rules,
    pain_thresholds,
    proportion,
    responder_rates,
)
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.toolkit import validate

from .inputs import CohortFilterIn
from .models import PatientOutcomeSummary, ScaleChange, SideEffectCount
from .summaries import Freshness, freshness


@dataclass(frozen=True)
class InstrumentChange:
    instrument_id: str
    title: str
    scale_range: float
    estimate: MeanEstimate
    """Mean of (latest follow-up - baseline) over patients with both."""

    @property
    def short_title(self) -> str:
        """The title without its parenthesis: "FIQR", "Average pain"."""
        return self.title.split(" (")[0]


@dataclass(frozen=True)
class Dissociation:
    scores: int
    patients: int
    mean: float | None
    highest: float | None


@dataclass(frozen=True)
class CohortReport:
    filters: CohortFilterIn
    label: str
    patients: int
    patients_treated: int
    infusions: int
    series_booked: int
    series_completed: int
    changes: tuple[InstrumentChange, ...]
    pain_rates: tuple[ResponderRate, ...]
    fiqr_rates: tuple[ResponderRate, ...]
    dropouts: DropoutSummary
    durability: KaplanMeier
    dissociation: Dissociation
    alerts_by_code: tuple[tuple[str, int], ...]
    patients_with_alerts: Proportion
    side_effects: Proportion
    """Infusions with any side effect noted, of all infusions."""
    side_effects_by_code: tuple[tuple[str, int], ...]
    freshness: Freshness
    """How current the summaries behind these figures are."""

    @property
    def empty(self) -> bool:
        return self.patients == 0

    @property
    def rates(self) -> tuple[tuple[str, ResponderRate], ...]:
        """Every responder rate with a label naming the scale and the fall."""
        return tuple(
            (f"{name} −{rate.threshold.percent.value:g} % ({rate.threshold.category})", rate)
            for name, rates in (("Pain", self.pain_rates), ("FIQR", self.fiqr_rates))
            for rate in rates
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for the API and the command line."""
        curve = self.durability
        return {
            "filters": self.filters.model_dump(mode="json"),
            "label": self.label,
            "empty": self.empty,
            "patients": self.patients,
            "patients_treated": self.patients_treated,
            "infusions": self.infusions,
            "series_booked": self.series_booked,
            "series_completed": self.series_completed,
            "changes": [
                {"instrument_id": c.instrument_id, "title": c.title, **_estimate(c.estimate)}
                for c in self.changes
            ],
            "responders": [
                {
                    "instrument_id": instrument,
                    "category": r.threshold.category,
                    "label": r.threshold.label,
                    "threshold_percent": r.threshold.percent.value,
                    "source": r.threshold.percent.source,
                    "confirmed": r.threshold.confirmed,
                    **_share(r.proportion),
                }
                for instrument, rates in (("pain", self.pain_rates), ("fiqr", self.fiqr_rates))
                for r in rates
            ],
            "dropouts": {
                **_share(self.dropouts.overall),
                "by_reason": [{"reason": k, "patients": n} for k, n in self.dropouts.by_reason],
            },
            "durability": {
                "patients": curve.n,
                "returned": curve.events,
                "median_days": curve.median,
                "curve": [
                    {"days": t, "survival": s, "ci_low": lo, "ci_high": hi}
                    for t, s, lo, hi in zip(
                        curve.times, curve.survival, curve.low, curve.high, strict=True
                    )
                ],
            },
            "dissociation": {
                "scores": self.dissociation.scores,
                "patients": self.dissociation.patients,
                "mean": self.dissociation.mean,
                "highest": self.dissociation.highest,
            },
            "alerts_by_code": [{"code": k, "alerts": n} for k, n in self.alerts_by_code],
            "patients_with_alerts": _share(self.patients_with_alerts),
            "side_effects": {
                **_share(self.side_effects),
                "by_code": [{"code": k, "infusions": n} for k, n in self.side_effects_by_code],
            },
            "summaries": {
                "as_of": self.freshness.oldest,
                "patients_waiting": self.freshness.waiting,
            },
        }


def _estimate(estimate: MeanEstimate) -> dict[str, Any]:
    interval = estimate.interval
    return {
        "n": estimate.n,
        "mean": estimate.mean,
        "sd": estimate.sd,
        "ci_low": interval.low if interval else None,
        "ci_high": interval.high if interval else None,
    }


def _share(share: Proportion) -> dict[str, Any]:
    interval = share.interval
    return {
        "count": share.successes,
        "of": share.n,
        "rate": share.rate,
        "ci_low": interval.low if interval else None,
        "ci_high": interval.high if interval else None,
    }


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def members(fields: CohortFilterIn) -> QuerySet[PatientOutcomeSummary]:
    """The cohort's summaries: started (first baseline score) in the period, with a signed plan
    for the protocol and a booked appointment at the location when those are asked for."""
    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.plans.models import TreatmentPlan

    rows = PatientOutcomeSummary.objects.filter(started_at__isnull=False)
    if fields.since:
        rows = rows.filter(started_at__gte=_day_start(fields.since))
    if fields.until:
        rows = rows.filter(started_at__lt=_day_start(fields.until + timedelta(days=1)))
    if fields.protocol:
        signed = TreatmentPlan.objects.filter(
            patient=OuterRef("patient"), protocol_id=fields.protocol, signature__isnull=False
        )
        rows = rows.filter(Exists(signed))
    if fields.location:
        booked = Appointment.objects.filter(
            patient=OuterRef("patient"), location__slug=fields.location, status="booked"
        )
        rows = rows.filter(Exists(booked))
    return rows


def cohort_report(actor: Actor, data: Mapping[str, Any]) -> CohortReport:
    """The cohort dashboard's figures, from the summaries as they stand (their freshness is
    part of the report). A filter that matches nobody gives an empty report, labelled, not an
    error."""
    authorize(actor, Action.COHORT_VIEW)
    fields = validate(CohortFilterIn, data).check()
    report = cohort_summary(fields)
    audit.record(
        actor,
        Action.COHORT_VIEW,
        detail={**fields.model_dump(mode="json", exclude_none=True), "patients": report.patients},
    )
    return report


def _responders(scale: str, thresholds: tuple[Threshold, ...]) -> dict[str, Count]:
    """The patients assessable on ``scale`` (a category other than unknown) and, per threshold
    (highest first), those whose category is it or a higher one."""
    field = f"{scale}_category"
    return {
        f"{scale}_assessable": Count("pk", filter=~Q(**{field: UNKNOWN})),
        **{
            f"{scale}_{t.category}": Count(
                "pk", filter=Q(**{f"{field}__in": [u.category for u in thresholds[: i + 1]]})
            )
            for i, t in enumerate(thresholds)
        },
    }


def cohort_summary(fields: CohortFilterIn) -> CohortReport:
    """The figures, unchecked and unaudited: callers authorize and audit."""
    rules = outcome_rules()
    pain_t, fiqr_t = pain_thresholds(rules), fiqr_thresholds(rules)
    cohort = members(fields)
    scope = cohort.values("patient_id")
    totals = cohort.aggregate(
        patients=Count("pk"),
        treated=Count("pk", filter=Q(infusions__gt=0)),
        given=Sum("infusions", default=0),
        with_side_effects=Sum("infusions_with_side_effects", default=0),
        booked=Sum("series_booked", default=0),
        completed=Sum("series_completed", default=0),
        **_responders("pain", pain_t),
        **_responders("fiqr", fiqr_t),
        cadss_scores=Sum("dissociation_scores", default=0),
        cadss_patients=Count("pk", filter=Q(dissociation_scores__gt=0)),
        cadss_sum=Sum("dissociation_sum", default=0.0),
        cadss_highest=Max("dissociation_highest"),
        oldest=Min("refreshed_at"),
    )
    patients = totals["patients"]
    change = F("latest") - F("baseline")
    changes = {
        row["instrument_id"]: mean_from_moments(row["n"], row["total"], row["total_sq"])
        for row in ScaleChange.objects.filter(summary__in=scope)
        .values("instrument_id")
        .annotate(
            n=Count("pk"),
            total=Sum(change, output_field=FloatField()),
            total_sq=Sum(change * change, output_field=FloatField()),
        )
        .order_by()
    }
    side = (
        SideEffectCount.objects.filter(summary__in=scope)
        .values("code")
        .annotate(n=Sum("infusions"))
        .order_by("-n", "code")
        .values_list("code", "n")
    )
    alerts = Alert.objects.filter(patient__in=scope)
    scores = totals["cadss_scores"]
    return CohortReport(
        filters=fields,
        label=describe(fields),
        patients=patients,
        patients_treated=totals["treated"],
        infusions=totals["given"],
        series_booked=totals["booked"],
        series_completed=totals["completed"],
        changes=tuple(
            InstrumentChange(
                instrument,
                _title(instrument),
                _range(instrument),
                changes.get(instrument) or mean_from_moments(0, 0, 0),
            )
            for instrument in rules.shown_instruments
        ),
        pain_rates=_rates(totals, "pain", pain_t),
        fiqr_rates=_rates(totals, "fiqr", fiqr_t),
        dropouts=_dropouts(cohort, patients),
        durability=_durability(cohort),
        dissociation=Dissociation(
            scores,
            totals["cadss_patients"],
            totals["cadss_sum"] / scores if scores else None,
            totals["cadss_highest"],
        ),
        alerts_by_code=tuple(
            alerts.values("code")
            .annotate(n=Count("id"))
            .order_by("-n", "code")
            .values_list("code", "n")
        ),
        patients_with_alerts=proportion(alerts.values("patient_id").distinct().count(), patients),
        side_effects=proportion(totals["with_side_effects"], totals["given"]),
        side_effects_by_code=tuple(side),
        freshness=freshness(totals["oldest"]),
    )


def _rates(
    totals: Mapping[str, Any], scale: str, thresholds: tuple[Threshold, ...]
) -> tuple[ResponderRate, ...]:
    met = {t.category: totals[f"{scale}_{t.category}"] for t in thresholds}
    return responder_rates(met, totals[f"{scale}_assessable"], thresholds)


def _dropouts(cohort: QuerySet[PatientOutcomeSummary], patients: int) -> DropoutSummary:
    """Each patient counted once, with the reason of their current record."""
    reasons = (
        cohort.exclude(dropout_reason="")
        .values("dropout_reason")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("dropout_reason", "n")
    )
    return dropout_summary(dict(reasons), patients)


def _durability(cohort: QuerySet[PatientOutcomeSummary]) -> KaplanMeier:
    """Kaplan-Meier over the patients whose durability could be measured, from their
    (days, returned) pairs grouped in SQL."""
    rows = list(
        cohort.filter(durability_days__isnull=False)
        .values("durability_days", "pain_returned")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("durability_days", "pain_returned", "n")
    )
    if not rows:
        return kaplan_meier([], [])
    days, returned, counts = (np.asarray(column) for column in zip(*rows, strict=True))
    return kaplan_meier(
        np.repeat(days.astype(float), counts).tolist(),
        np.repeat(returned.astype(bool), counts).tolist(),
    )


def _title(instrument_id: str) -> str:
    return (
        registry().get(instrument_id).title if instrument_id in registry().ids() else instrument_id
    )


def _range(instrument_id: str) -> float:
    if instrument_id not in registry().ids():
        return 0.0
    definition = registry().get(instrument_id)
    return float(definition.total_max) - float(definition.total_min)


def describe(fields: CohortFilterIn) -> str:
    """The filters in words, for headings and empty results."""
    words = "patients"
    if fields.protocol:
        words += f" on protocol {fields.protocol}"
    if fields.location:
        words += f" at location {fields.location}"
    if fields.since and fields.until:
        words += f" who started from {fields.since:%Y-%m-%d} to {fields.until:%Y-%m-%d}"
    elif fields.since:
        words += f" who started on or after {fields.since:%Y-%m-%d}"
    elif fields.until:
        words += f" who started on or before {fields.until:%Y-%m-%d}"
    return "all patients" if words == "patients" else words
