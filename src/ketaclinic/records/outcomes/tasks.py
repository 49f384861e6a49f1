"""Background tasks (Django's task framework): refreshing a patient's outcome summary.

With the database backend ``ketaclinic worker`` runs them; in the demo and the tests they run
in-process once the write that queued them commits (settings ``TASKS``).
"""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_outcome(patient_id: int) -> int:
    """Recompute one patient's outcome summary."""
    from .summaries import refresh_patients

    return refresh_patients([patient_id])
