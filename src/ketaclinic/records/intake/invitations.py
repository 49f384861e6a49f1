"""The single-use, expiring invitation link: made by the front desk, a physician or a manager
for a registered patient; used once by the patient to make their portal account.

Only the SHA-256 digest of the token is stored. A link that is unknown, used, replaced by a
newer one or expired is refused with ``LinkUnusable`` and nothing is written."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize, create_user
from ketaclinic.records.assessments.services import open_bundle_request
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, NotFound
from ketaclinic.records.patients.lookups import patient_id_by_mrn, patient_or_404
from ketaclinic.records.toolkit import audits_refusals, validate

from .inputs import AccountIn, InvitationIn
from .models import Intake, Invitation

if TYPE_CHECKING:
    from ketaclinic.records.accounts.models import User

BASELINE_BUNDLE = "baseline_intake"


class LinkUnusable(NotFound):
    """The invitation link cannot be used; ``reason`` says why in the patient's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NewInvitation:
    """The token is here once: only its digest is stored."""

    invitation: Invitation
    token: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def patient_for_invitation(actor: Actor, mrn: str) -> int:
    """The patient with this MRN, for a member of staff who may invite (a manager may invite
    without searching patients); audited; ``NotFound`` when there is none."""
    return patient_id_by_mrn(actor, mrn, Action.INTAKE_INVITE)


@audits_refusals(Action.INTAKE_INVITE)
def invite(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> NewInvitation:
    """A new link for the patient (an earlier unused one stops working), with the baseline
    questionnaires asked; 409 when the patient already has a portal account."""
    authorize(actor, Action.INTAKE_INVITE, patient_id=patient_id)
    fields = validate(InvitationIn, data or {})
    patient = patient_or_404(patient_id)
    if hasattr(patient, "account"):
        raise Conflict("the patient already has a portal account: they log in with it")
    hours = fields.expires_in_hours or settings.INTAKE_INVITATION_TTL_HOURS
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        request = open_bundle_request(actor, patient.pk, BASELINE_BUNDLE)
        replaced = Invitation.objects.filter(
            patient=patient, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            patient=patient,
            digest=digest(token),
            created_by=actor.user,
            expires_at=now + timedelta(hours=hours),
            assessment_request=request,
        )
        audit.record(
            actor,
            Action.INTAKE_INVITE,
            obj=invitation,
            patient_id=patient.pk,
            detail={"expires_at": invitation.expires_at.isoformat(), "replaced": replaced},
        )
    return NewInvitation(invitation=invitation, token=token)


def usable(token: str) -> Invitation:
    """The invitation the token opens, or ``LinkUnusable`` (nothing is written)."""
    invitation = (
        Invitation.objects.select_related("patient").filter(digest=digest(token)).first()
        if token
        else None
    )
    if invitation is None:
        raise LinkUnusable("This link is not one of ours, or it was mistyped.")
    if invitation.used_at is not None:
        raise LinkUnusable("This link has already been used to make an account.")
    if invitation.revoked_at is not None:
        raise LinkUnusable("This link was replaced by a newer one the clinic sent you.")
    if invitation.expires_at <= timezone.now():
        raise LinkUnusable("This link has expired.")
    if hasattr(invitation.patient, "account"):
        raise LinkUnusable("You already have an account with us.")
    return invitation


def redeem(token: str, data: Mapping[str, Any], source_address: str = "") -> User:
    """Make the patient's portal account from the link, once; their intake opens with it.

    ``InvalidInput`` (username, password: the clinic's password rules) or ``LinkUnusable``
    leave nothing written."""
    usable(token)
    fields = validate(AccountIn, data)
    with transaction.atomic():
        invitation = usable_locked(token)
        user = create_user(
            None,
            username=fields.username,
            password=fields.password,
            role=Role.PATIENT,
            patient_id=invitation.patient_id,
            email=invitation.patient.email,
            face=Face.WEB,
            source_address=source_address,
        )
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        intake = Intake.objects.create(patient_id=invitation.patient_id, invitation=invitation)
        audit.record(
            Actor(user=user, face=Face.WEB, source_address=source_address),
            Audited.INTAKE_ACCOUNT_CREATE,
            obj=intake,
            patient_id=invitation.patient_id,
            detail={"invitation": invitation.pk},
        )
    return user


def usable_locked(token: str) -> Invitation:
    """``usable``, with the invitation row locked so that two tabs cannot both use it."""
    invitation = usable(token)
    locked = Invitation.objects.select_for_update().select_related("patient").get(pk=invitation.pk)
    if locked.used_at is not None:
        raise LinkUnusable("This link has already been used to make an account.")
    return locked
