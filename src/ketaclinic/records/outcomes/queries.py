"""Query pieces the outcome services share.

"Current" rows are selected with NOT EXISTS (an amendment pointing at the row): PostgreSQL plans
it as an anti-join with a sound estimate, where the LEFT JOIN ... IS NULL of the models'
``current()`` is estimated at one row and leads large scans into nested loops.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Min, OuterRef, QuerySet

from ketaclinic.records.assessments.models import Assessment, Context


def superseded(model: Any) -> Exists:
    """Whether an amendment corrects the row (models with an ``amends`` link)."""
    return Exists(model.objects.filter(amends=OuterRef("pk")))


def current(model: Any) -> QuerySet[Any]:
    """The rows no amendment supersedes."""
    return model.objects.filter(~superseded(model))


def first_baselines() -> QuerySet[Any]:
    """Per patient (``patient_id``), when they started: their first current baseline score
    (``started_at``), grouped in SQL."""
    return (
        current(Assessment)
        .filter(context=Context.BASELINE)
        .values("patient_id")
        .annotate(started_at=Min("completed_at"))
        .order_by()
    )
