"""Online intake: a patient's single-use invitation link (/patients/{id}/intake-invitations),
and the review of what patients entered (/intake)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from ketaclinic.records.intake import invitations, review
from ketaclinic.records.intake.inputs import ConfirmationIn, InvitationIn

from .auth import actor
from .errors import ERRORS

if TYPE_CHECKING:
    from ketaclinic.records.intake.models import Intake

patient_router = Router(tags=["intake"])
router = Router(tags=["intake"])


class InvitationOut(Schema):
    id: int
    patient_id: int
    link: str
    expires_at: datetime


class IntakeOut(Schema):
    id: int
    patient_id: int
    mrn: str
    patient_name: str
    status: str
    entered_by: str
    submitted_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    entries: dict[str, Any]
    changes: list[str]


@patient_router.post("/{patient_id}/intake-invitations", response={201: InvitationOut, **ERRORS})
def create_invitation(
    request: HttpRequest, patient_id: int, data: InvitationIn | None = None
) -> Status[dict[str, Any]]:
    """A new single-use link for the patient to make their portal account and fill in their
    intake (an earlier unused link stops working). The link is in this answer only: the
    clinic stores a digest of it. 409 when the patient already has a portal account."""
    body = data.model_dump(exclude_unset=True) if data is not None else {}
    made = invitations.invite(actor(request), patient_id, body)
    link = request.build_absolute_uri(reverse("web:intake-start", args=[made.token]))
    return Status(
        201,
        {
            "id": made.invitation.pk,
            "patient_id": patient_id,
            "link": link,
            "expires_at": made.invitation.expires_at,
        },
    )


@router.get("/reviews", response={200: list[IntakeOut], **ERRORS})
def list_awaiting_review(request: HttpRequest) -> list[dict[str, Any]]:
    """Intakes patients have sent that no physician or nurse has confirmed, oldest first."""
    return [_intake(found, []) for found in review.awaiting_review(actor(request))]


@router.get("/{intake_id}", response={200: IntakeOut, **ERRORS})
def get_intake(request: HttpRequest, intake_id: int) -> dict[str, Any]:
    """What the patient entered (``entered_by`` = patient) and the record's fields that
    confirming would change."""
    found = review.review(actor(request), intake_id)
    return _intake(found.intake, sorted(found.changes))


@router.post("/{intake_id}/confirm", response={200: IntakeOut, **ERRORS})
def confirm_intake(
    request: HttpRequest, intake_id: int, data: ConfirmationIn | None = None
) -> dict[str, Any]:
    """Confirm a sent intake into the record (physician or nurse; 409 unless it awaits
    review)."""
    body = data.model_dump(exclude_unset=True) if data is not None else {}
    confirmed = review.confirm(actor(request), intake_id, body)
    return _intake(confirmed, [])


def _intake(intake: Intake, changes: list[str]) -> dict[str, Any]:
    confirmed_by = intake.confirmed_by
    return {
        "id": intake.pk,
        "patient_id": intake.patient_id,
        "mrn": intake.patient.mrn,
        "patient_name": intake.patient.full_name,
        "status": intake.status,
        "entered_by": "patient",
        "submitted_at": intake.submitted_at,
        "confirmed_by": confirmed_by.username if confirmed_by is not None else None,
        "confirmed_at": intake.confirmed_at,
        "entries": intake.entries,
        "changes": changes,
    }
