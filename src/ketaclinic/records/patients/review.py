"""Patient-entered facts a clinician has not yet confirmed, as the intake app reports them.

Patients sits below intake and does not import it: intake provides the question in its
``AppConfig.ready`` (``provide_unreviewed``); the screening asks ``awaiting_review`` before it
reads the record, so it never runs as if unconfirmed patient-entered facts were confirmed."""

from __future__ import annotations

from collections.abc import Callable

Unreviewed = Callable[[int], list[str]]
"""patient id -> what the patient entered that awaits review, in the clinic's words."""

_provided: list[Unreviewed] = []


def provide_unreviewed(source: Unreviewed) -> None:
    """Called once by the intake app when it is ready."""
    _provided[:] = [source]


def awaiting_review(patient_id: int) -> list[str]:
    """What the patient entered that no clinician has confirmed yet (empty: nothing)."""
    return [item for source in _provided for item in source(patient_id)]
