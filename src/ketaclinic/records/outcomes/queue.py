"""The hook a write calls when it changes a patient's outcome (a score, a session, a plan, a
drop-out, a booster decision): the patient's summary is refreshed once the write commits.

Kept apart from ``summaries`` so that the services of other apps can import it without
importing the outcome services."""

from __future__ import annotations

from django.db import transaction

from .models import PatientOutcomeSummary


def outcome_changed(patient_id: int) -> None:
    """Call inside the write's transaction: the patient's summary is marked pending, and its
    refresh is queued once the write commits."""
    from .tasks import refresh_outcome

    PatientOutcomeSummary.objects.filter(pk=patient_id).update(pending=True)
    transaction.on_commit(lambda: refresh_outcome.enqueue(patient_id))
