"""Intakes patients have sent, for a clinician's home page."""

from __future__ import annotations

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist

from .choices import IntakeStatus
from .models import Intake


def intakes_to_review(actor: Actor) -> Worklist:
    """Sent and not yet confirmed, oldest first."""
    authorize(actor, Action.INTAKE_REVIEW)
    rows = (
        Intake.objects.filter(status=IntakeStatus.SUBMITTED)
        .select_related("patient")
        .order_by("submitted_at", "id")
    )
    return worklist(
        actor,
        Action.INTAKE_REVIEW,
        "Patient-entered intake to review",
        rows,
        lambda intake: WorkItem(
            "intake",
            intake.pk,
            person(intake.patient),
            "Sent by the patient",
            intake.submitted_at,
            intake.patient_id,
        ),
    )
