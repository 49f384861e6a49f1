"""Per-patient outcome summaries: what the cohort dashboard aggregates, kept off its read path.

Each row is computed by the outcome screen's own code (``services.assess_patients``, the pure
``assess_patient``), so the dashboard and the screen cannot disagree. A write that changes a
patient's outcome sends ``patients.signals.outcome_changed`` inside its transaction; this app's
``queue.outcome_changed`` receives it: the row is marked pending and, once the write commits,
a task refreshes it (``tasks.refresh_outcome``: the worker in production, in-process in the
demo and the tests). ``refresh_all`` rebuilds rows in batches
(``ketaclinic outcomes refresh``), after an upgrade or when the rules change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ketaclinic.outcomes import outcome_rules
from ketaclinic.records.assessments.models import Assessment, Context
from ketaclinic.records.patients.models import Patient

from .models import Discontinuation, PatientOutcomeSummary, ScaleChange, SideEffectCount
from .queries import current, first_baselines
from .services import Assessed, assess_patients, outcome_definitions

BATCH = 1000

_FIELDS = [
    f.name
    for f in PatientOutcomeSummary._meta.concrete_fields
    if not f.primary_key and f.name != "patient"
]


def summary_version() -> str:
    """The outcome rules' version and each outcome instrument's: a row made with others is
    stale."""
    instruments = ", ".join(f"{i} {d.version}" for i, d in sorted(outcome_definitions().items()))
    return f"outcomes {outcome_rules().version}; {instruments}"


def refresh_patients(patient_ids: Sequence[int]) -> int:
    """Recompute the summaries of ``patient_ids`` (one batch, one transaction); returns how
    many were written. Patients without outcome data get a row too (not in any cohort).

    The patients' rows are locked first, as the writes that change outcomes lock them, so two
    refreshes of one patient (two workers) run one after the other and the later one reads
    everything committed before it: an older result never overwrites a newer one."""
    with transaction.atomic():
        ids = list(
            Patient.objects.select_for_update()
            .filter(pk__in=patient_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = _rows(ids)
        now = timezone.now()
        version = summary_version()
        ScaleChange.objects.filter(summary_id__in=ids).delete()
        SideEffectCount.objects.filter(summary_id__in=ids).delete()
        PatientOutcomeSummary.objects.bulk_create(
            [
                PatientOutcomeSummary(
                    **row.fields, rules_version=version, refreshed_at=now, pending=False
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["patient"],
            update_fields=_FIELDS,
        )
        ScaleChange.objects.bulk_create(change for row in rows for change in row.changes)
        SideEffectCount.objects.bulk_create(count for row in rows for count in row.side_effects)
    return len(rows)


def _rows(ids: list[int]) -> list[_Row]:
    """Each patient's summary, their inputs read for the batch at once."""
    from ketaclinic.records.bookings.models import Series

    assessed = assess_patients(ids, timezone.now())
    started = dict(
        first_baselines().filter(patient_id__in=ids).values_list("patient_id", "started_at")
    )
    reasons: dict[int, str] = {}
    for patient_id, reason in (
        current(Discontinuation)
        .filter(patient_id__in=ids)
        .order_by("stopped_on", "id")
        .values_list("patient_id", "reason")
    ):
        reasons[patient_id] = reason
    series: dict[int, dict[int, int]] = {}
    for pk, patient_id, sessions in Series.objects.filter(patient_id__in=ids).values_list(
        "pk", "patient_id", "sessions"
    ):
        series.setdefault(patient_id, {})[pk] = sessions
    return [
        _row(pid, assessed[pid], started.get(pid), reasons.get(pid, ""), series.get(pid, {}))
        for pid in ids
    ]


@dataclass(frozen=True)
class _Row:
    fields: dict[str, object]
    changes: list[ScaleChange]
    side_effects: list[SideEffectCount]


def _row(
    patient_id: int,
    assessed: Assessed,
    started_at: datetime | None,
    dropout_reason: str,
    series: dict[int, int],
) -> _Row:
    outcome = assessed.outcome
    given = outcome.infusions
    durability = outcome.durability
    days = durability.days if durability.measurable else None
    cadss = [p.total for p in outcome.dissociation.points]
    infused = Counter(e.series_id for e in given if e.series_id in series)
    side = Counter(code for e in given for code in set(e.side_effects))
    fields: dict[str, object] = {
        "patient_id": patient_id,
        "started_at": started_at,
        "pain_category": outcome.pain_response.category,
        "fiqr_category": outcome.fiqr_response.category,
        "infusions": len(given),
        "infusions_with_side_effects": sum(1 for e in given if e.side_effects),
        "series_booked": len(series),
        "series_completed": sum(1 for pk, n in series.items() if infused[pk] >= n),
        "dropout_reason": dropout_reason,
        "durability_days": days,
        "pain_returned": days is not None and durability.returned,
        "dissociation_scores": len(cadss),
        "dissociation_sum": float(sum(cadss)),
        "dissociation_highest": max(cadss) if cadss else None,
    }
    changes = [
        ScaleChange(
            summary_id=patient_id,
            instrument_id=t.instrument_id,
            baseline=change.baseline,
            latest=change.value,
        )
        for t in outcome.trajectories
        if (change := t.change()) is not None
    ]
    counts = [
        SideEffectCount(summary_id=patient_id, code=code, infusions=n) for code, n in side.items()
    ]
    return _Row(fields, changes, counts)


def waiting() -> QuerySet[PatientOutcomeSummary]:
    """Rows whose patient changed since they were computed, or computed with other rules."""
    return PatientOutcomeSummary.objects.filter(
        Q(pending=True) | ~Q(rules_version=summary_version())
    )


def unsummarised() -> QuerySet[Patient]:
    """Patients in the programme (a current baseline score) who have no summary yet."""
    baselines = current(Assessment).filter(context=Context.BASELINE, patient=OuterRef("pk"))
    return Patient.objects.filter(outcome_summary__isnull=True).filter(Exists(baselines))


def _batches(patients: QuerySet[Patient], size: int) -> Iterator[list[int]]:
    ids = patients.order_by("pk").values_list("pk", flat=True)
    after = 0
    while batch := list(ids.filter(pk__gt=after)[:size]):
        yield batch
        after = batch[-1]


def refresh_all(
    *,
    everything: bool = False,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild summaries in batches of patients: with ``everything`` every patient's, else the
    waiting ones (pending, stale rules, or none yet). ``progress(done, total)`` after each
    batch; returns how many rows were written."""
    if everything:
        ids = Patient.objects.values_list("pk", flat=True)
    else:
        stale = waiting().values("patient_id")
        ids = Patient.objects.filter(
            Q(pk__in=stale) | Q(pk__in=unsummarised().values("pk"))
        ).values_list("pk", flat=True)
    total = ids.count()
    done = 0
    for chunk in _batches(Patient.objects.filter(pk__in=ids), batch):
        done += refresh_patients(chunk)
        if progress is not None:
            progress(done, total)
    return done


@dataclass(frozen=True)
class Freshness:
    """How current the summaries behind a report are."""

    oldest: datetime | None
    """The oldest refresh among the cohort's rows."""
    waiting: int
    """Patients whose summary waits for a refresh (changed, older rules, or none yet)."""


def freshness(oldest: datetime | None) -> Freshness:
    """The clinic's waiting count beside the cohort's oldest refresh."""
    return Freshness(oldest, waiting().count() + unsummarised().count())
