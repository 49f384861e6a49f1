"""Reads of intake state that need no permission of their own (the caller has authorized and
audited the read of the patient they concern)."""

from __future__ import annotations

from ketaclinic.records.accounts.models import User

from .choices import IntakeStatus
from .models import Intake, Invitation


def awaiting_review_for(patient_id: int) -> list[str]:
    """The patient's intakes sent and not yet confirmed, in the clinic's words."""
    return [
        f"the patient's online intake sent on {intake.submitted_at:%Y-%m-%d} (contacts, "
        "medicines, allergies and history they entered) awaits a clinician's review"
        for intake in Intake.objects.filter(patient_id=patient_id, status=IntakeStatus.SUBMITTED)
    ]


def latest_invitation(patient_id: int) -> Invitation | None:
    """The patient's newest invitation with its intake, if one was opened from it (an intake
    needs an account, and a patient with an account is not invited again: the newest
    invitation is the one any intake came from)."""
    return (
        Invitation.objects.filter(patient_id=patient_id)
        .select_related("created_by", "intake__confirmed_by")
        .first()
    )


def intake_of(invitation: Invitation | None) -> Intake | None:
    return getattr(invitation, "intake", None) if invitation is not None else None


def has_intake(patient_id: int | None) -> bool:
    """Whether a patient account has an intake to fill in or look back on (for the menu)."""
    return patient_id is not None and Intake.objects.filter(patient_id=patient_id).exists()


def has_account(patient_id: int) -> bool:
    """Whether the patient already has a portal account (then no invitation is needed)."""
    return User.objects.filter(patient_id=patient_id).exists()
