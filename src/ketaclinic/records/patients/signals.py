"""What a write tells the apps above it about a patient, without importing them.

``outcome_changed`` is sent inside the write's transaction when a score, a session or a plan
changes the patient's outcome; the outcomes app subscribes in its ``AppConfig.ready`` (it marks
the summary pending and refreshes it once the write commits)."""

from __future__ import annotations

from django.dispatch import Signal

patient_outcome_changed = Signal()
"""Sent with ``patient_id``; receivers run inside the sender's transaction."""


def outcome_changed(patient_id: int) -> None:
    """Call inside the write's transaction."""
    patient_outcome_changed.send(sender=None, patient_id=patient_id)
