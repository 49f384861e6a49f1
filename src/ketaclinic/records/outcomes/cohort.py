"""The clinic's outcomes in aggregate: by protocol, location and the period patients started.

A patient is in the programme from their first baseline score. The cohort is chosen in SQL
(protocol: a signed treatment plan for it; location: a booked appointment there; period: the
first baseline score's date) and the changes from baseline are aggregated in SQL, in one
statement, to counts and sums; only the summaries reach Python. Infusion-based figures (patients
treated, series completed, side effects, durability) come through the sessions seam.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from ketaclinic.outcomes import (
    DropoutSummary,
    InfusionEvent,
    KaplanMeier,
    MeanEstimate,
    Proportion,
    ResponderRate,
    Threshold,
    build_trajectories,
    dropout_summary,
    durability,
    durability_curve,
    fiqr_thresholds,
    mean_from_moments,
    outcome_rules,
    pain_thresholds,
    proportion,
    responder_rates,
)
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.models import Assessment, Context
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient

from . import infusions
from .inputs import CohortFilterIn, validate
from .models import Discontinuation
from .queries import current, first_baselines
from .services import score_points

# Cohorts up to this size are queried by their ids; larger ones by the membership subquery.
SMALL_COHORT = 5000
Scope = list[int] | QuerySet[Any]
"""The cohort's patients as ids or as a subquery of ``pk``."""


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


def members(fields: CohortFilterIn) -> QuerySet[Patient]:
    """The cohort's patients: started (first baseline score) in the period, with a signed plan
    for the protocol and a booked appointment at the location when those are asked for."""
    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.plans.models import TreatmentPlan

    baselines = current(Assessment).filter(context=Context.BASELINE)
    patients = Patient.objects.filter(Exists(baselines.filter(patient=OuterRef("pk"))))
    if fields.since or fields.until:
        started = first_baselines()
        if fields.since:
            started = started.filter(started_at__gte=_day_start(fields.since))
        if fields.until:
            started = started.filter(started_at__lt=_day_start(fields.until + timedelta(days=1)))
        patients = patients.filter(pk__in=started.values("patient_id"))
    if fields.protocol:
        signed = TreatmentPlan.objects.filter(
            patient=OuterRef("pk"), protocol_id=fields.protocol, signature__isnull=False
        )
        patients = patients.filter(Exists(signed))
    if fields.location:
        booked = Appointment.objects.filter(
            patient=OuterRef("pk"), location__slug=fields.location, status="booked"
        )
        patients = patients.filter(Exists(booked))
    return patients


# The change from baseline per patient and instrument, aggregated per instrument, in one pass of
# window functions (no self-join). Baseline: the latest current valid score in the baseline
# context; follow-up: the latest current valid score after it in a lasting context (follow-up,
# pre-infusion); ties go to the higher id — the rule of ketaclinic.outcomes.Trajectory.
# Thresholds compare (baseline - latest) x 100 >= p x baseline, as ``falls_by`` does.
_CHANGES_SQL = """
WITH scores AS (
    SELECT a.id, a.patient_id, a.instrument_id, a.context, a.completed_at, a.total
    FROM {assessment} a
    WHERE a.valid AND a.instrument_id IN ({instruments}) AND a.patient_id IN ({members})
      AND a.completed_at < %s
      AND NOT EXISTS (SELECT 1 FROM {assessment} b WHERE b.amends_id = a.id)
), marked AS (
    SELECT id, patient_id, instrument_id, context, completed_at, total,
           MAX(CASE WHEN context = 'baseline' THEN completed_at END)
               OVER (PARTITION BY patient_id, instrument_id) AS baseline_at
    FROM scores
), ranked AS (
    SELECT patient_id, instrument_id, context = 'baseline' AS is_baseline, total,
           ROW_NUMBER() OVER (PARTITION BY patient_id, instrument_id, context = 'baseline'
                              ORDER BY completed_at DESC, id DESC) AS position
    FROM marked
    WHERE (context = 'baseline' AND completed_at = baseline_at)
       OR (context IN ('follow_up', 'pre_infusion') AND completed_at > baseline_at)
), changes AS (
    SELECT instrument_id,
           MAX(CASE WHEN is_baseline THEN total END) AS baseline,
           MAX(CASE WHEN NOT is_baseline THEN total END) AS total
    FROM ranked
    WHERE position = 1
    GROUP BY patient_id, instrument_id
    HAVING COUNT(*) = 2
)
SELECT instrument_id,
       COUNT(*),
       SUM(total - baseline),
       SUM((total - baseline) * (total - baseline)),
       SUM(CASE WHEN baseline > 0 THEN 1 ELSE 0 END),
       {met}
FROM changes
GROUP BY instrument_id
"""


@dataclass(frozen=True)
class _Changes:
    n: int
    total: float
    total_sq: float
    assessable: int
    met: dict[float, int]


def change_aggregates(
    patients: Scope,
    instruments: tuple[str, ...],
    percents: tuple[float, ...],
    until: datetime,
) -> dict[str, _Changes]:
    """Per instrument: patients with a baseline and a follow-up, the sum and sum of squares of
    their changes, those with a baseline above 0, and how many fell by each of ``percents``."""
    member_params: tuple[Any, ...]
    if isinstance(patients, list):
        member_sql, member_params = ", ".join("%s" for _ in patients) or "NULL", tuple(patients)
    else:
        member_sql, member_params = patients.query.sql_with_params()
    met = ",\n       ".join(
        "SUM(CASE WHEN baseline > 0 AND (baseline - total) * 100 >= %s * baseline "
        "THEN 1 ELSE 0 END)"
        for _ in percents
    )
    sql = _CHANGES_SQL.format(
        assessment=Assessment._meta.db_table,
        instruments=", ".join("%s" for _ in instruments),
        members=member_sql,
        met=met or "0",
    )
    params: list[Any] = [*instruments, *member_params, until, *percents]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        row[0]: _Changes(
            n=int(row[1]),
            total=float(row[2] or 0),
            total_sq=float(row[3] or 0),
            assessable=int(row[4] or 0),
            met={
                percent: int(count or 0) for percent, count in zip(percents, row[5:], strict=True)
            },
        )
        for row in rows
    }


def cohort_report(
    actor: Actor, data: Mapping[str, Any], *, as_of: datetime | None = None
) -> CohortReport:
    """The cohort dashboard's figures; scores after ``as_of`` (default now) are left out.
    A filter that matches nobody gives an empty report, labelled, not an error."""
    authorize(actor, Action.COHORT_VIEW)
    fields = validate(CohortFilterIn, data).check()
    report = cohort_summary(fields, as_of or timezone.now())
    audit.record(
        actor,
        Action.COHORT_VIEW,
        detail={**fields.model_dump(mode="json", exclude_none=True), "patients": report.patients},
    )
    return report


def cohort_summary(fields: CohortFilterIn, as_of: datetime) -> CohortReport:
    """The figures, unchecked and unaudited: callers authorize and audit."""
    from ketaclinic.records.bookings.models import Series

    rules = outcome_rules()
    cohort = members(fields)
    ids = list(cohort.order_by().values_list("pk", flat=True))
    patients = len(ids)
    # A small cohort is passed as its ids (index lookups); a large one as the subquery.
    scope: Scope = ids if patients <= SMALL_COHORT else cohort.order_by().values("pk")
    shown = rules.shown_instruments
    pain_t, fiqr_t = pain_thresholds(rules), fiqr_thresholds(rules)
    percents = tuple(t.percent.value for t in (*pain_t, *fiqr_t))
    changes = change_aggregates(scope, shown, percents, as_of) if patients else {}
    events = infusions.infusion_events(ids, None, as_of)
    series = Series.objects.filter(patient__in=scope)
    if fields.protocol:
        series = series.filter(protocol_id=fields.protocol)
    if fields.location:
        series = series.filter(location__slug=fields.location)
    planned = dict(series.values_list("pk", "sessions"))
    given = Counter(e.series_id for e in events if e.series_id in planned)
    side = Counter(code for e in events for code in set(e.side_effects))
    alerts = (
        Alert.objects.filter(patient__in=scope, raised_at__lt=as_of)
        .values("code")
        .annotate(n=Count("id"))
        .order_by("-n", "code")
    )
    return CohortReport(
        filters=fields,
        label=describe(fields),
        patients=patients,
        patients_treated=len({e.patient_id for e in events}),
        infusions=len(events),
        series_booked=len(planned),
        series_completed=sum(1 for pk, n in planned.items() if given[pk] >= n),
        changes=tuple(
            InstrumentChange(
                instrument,
                _title(instrument),
                _range(instrument),
                mean_from_moments(c.n, c.total, c.total_sq)
                if (c := changes.get(instrument))
                else mean_from_moments(0, 0, 0),
            )
            for instrument in shown
        ),
        pain_rates=_rates(changes.get(rules.pain_instrument), pain_t),
        fiqr_rates=_rates(changes.get(rules.fiqr_instrument), fiqr_t),
        dropouts=_dropouts(scope, patients, as_of),
        durability=_durability(events),
        dissociation=_dissociation(scope, rules.dissociation_instrument, as_of),
        alerts_by_code=tuple((row["code"], row["n"]) for row in alerts),
        patients_with_alerts=proportion(
            Alert.objects.filter(patient__in=scope, raised_at__lt=as_of)
            .values("patient_id")
            .distinct()
            .count(),
            patients,
        ),
        side_effects=proportion(sum(1 for e in events if e.side_effects), len(events)),
        side_effects_by_code=tuple(sorted(side.items(), key=lambda item: (-item[1], item[0]))),
    )


def _rates(
    changes: _Changes | None, thresholds: tuple[Threshold, ...]
) -> tuple[ResponderRate, ...]:
    if changes is None:
        return responder_rates({}, 0, thresholds)
    met = {t.category: changes.met[t.percent.value] for t in thresholds}
    return responder_rates(met, changes.assessable, thresholds)


def _dropouts(scope: Scope, patients: int, as_of: datetime) -> DropoutSummary:
    """Each patient counted once, with the reason of their latest current record."""
    latest: dict[int, str] = {}
    for patient_id, reason in (
        current(Discontinuation)
        .filter(patient__in=scope, stopped_on__lte=timezone.localdate(as_of))
        .order_by("stopped_on", "id")
        .values_list("patient_id", "reason")
    ):
        latest[patient_id] = reason
    return dropout_summary(Counter(latest.values()), patients)


def _durability(events: list[InfusionEvent]) -> KaplanMeier:
    """Per treated patient, the time from the last infusion until pain returned (pure rule);
    their pain scores are read in one query."""
    rules = outcome_rules()
    if not events:
        return durability_curve([])
    by_patient: dict[int, list[InfusionEvent]] = {}
    for event in events:
        by_patient.setdefault(event.patient_id, []).append(event)
    pain = rules.pain_instrument
    points = score_points(list(by_patient), (pain,))
    return durability_curve(
        durability(
            build_trajectories(points.get(patient_id, []), (pain,))[pain],
            given,
            rules.return_fraction.value,
        )
        for patient_id, given in by_patient.items()
    )


def _dissociation(scope: Scope, instrument: str, as_of: datetime) -> Dissociation:
    row = (
        current(Assessment)
        .filter(
            patient__in=scope,
            instrument_id=instrument,
            valid=True,
            completed_at__lt=as_of,
        )
        .aggregate(
            scores=Count("id"),
            patients=Count("patient", distinct=True),
            mean=Avg("total"),
            highest=Max("total"),
        )
    )
    return Dissociation(row["scores"], row["patients"], row["mean"], row["highest"])


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
