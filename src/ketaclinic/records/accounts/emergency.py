"""Emergency access (ONC 170.315(d)(6), "break the glass"): a clinician opens a restricted
record outside their care team (``reach.py``) with a reason, for ``EMERGENCY_ACCESS_HOURS``;
every audit entry about that patient while it lasts carries ``emergency_access`` (its id);
a manager reviews each use (a note, once).

Managers restrict a record and name its care team. Every step is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput, NotFound
from ketaclinic.records.pages import Page

from .models import EmergencyAccess, RestrictedRecord, User
from .permissions import Action
from .reach import REACH_LIMITED, active_access, remember
from .services import authorize

REVIEWS_PER_PAGE = 25
M = TypeVar("M", bound=BaseModel)
Reason = Annotated[str, Field(min_length=10, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EmergencyAccessIn(_Strict):
    """Why the record must be opened now (said in a sentence: at least 10 characters)."""

    reason: Reason


class ReviewIn(_Strict):
    """The manager's note on one use of emergency access."""

    note: Annotated[str, Field(min_length=1, max_length=2000)]


class RestrictionIn(_Strict):
    """Why the record is restricted, and the usernames of its care team."""

    reason: Reason
    care_team: list[Annotated[str, Field(min_length=1, max_length=150)]] = []


@dataclass(frozen=True)
class AccessUse:
    """One use of emergency access, with how many audited entries it marked."""

    access: EmergencyAccess
    entries: int

    @property
    def active(self) -> bool:
        return self.access.expires_at > timezone.now()


def open_access(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> EmergencyAccess:
    """Open the restricted record for the actor, with the reason; refused (409) when the
    record is within their reach anyway; an access still in force is returned as it is."""
    authorize(actor, Action.EMERGENCY_ACCESS, patient_id=patient_id)
    fields = _validated(EmergencyAccessIn, data)
    restriction = RestrictedRecord.objects.filter(patient_id=patient_id).first()
    if not _patient_exists(patient_id):
        raise NotFound(f"patient {patient_id} does not exist")
    if (
        restriction is None
        or actor.user.role not in REACH_LIMITED
        or restriction.care_team.filter(pk=actor.user.pk).exists()
    ):
        raise Conflict("this record is within your reach: open it as usual")
    current = active_access(actor.user, patient_id)
    if current is not None:
        return current
    now = timezone.now()
    with transaction.atomic():
        access = EmergencyAccess.objects.create(
            user=actor.user,
            patient_id=patient_id,
            reason=fields.reason,
            started_at=now,
            expires_at=now + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )
        remember(actor.user, patient_id, access)
        audit.record(
            actor,
            Action.EMERGENCY_ACCESS,
            obj=access,
            patient_id=patient_id,
            detail={"reason": fields.reason, "expires_at": access.expires_at.isoformat()},
        )
    return access


def list_uses(actor: Actor, *, reviewed: bool | None = False, page: int = 1) -> Page[AccessUse]:
    """Uses of emergency access, newest first (by default those awaiting review), each with
    the number of audit entries it marked; managers only, the read audited."""
    authorize(actor, Action.EMERGENCY_REVIEW)
    uses = EmergencyAccess.objects.select_related("user", "patient", "reviewed_by")
    if reviewed is not None:
        uses = uses.filter(reviewed_at__isnull=not reviewed)
    found = Page.of(uses, page, REVIEWS_PER_PAGE)
    audit.record(actor, Action.EMERGENCY_REVIEW, detail={"list": True, "reviewed": reviewed})
    return Page(
        [AccessUse(access, marked_entries(access)) for access in found.items],
        found.total,
        found.page,
        found.page_size,
    )


def review(actor: Actor, access_id: int, data: Mapping[str, Any]) -> EmergencyAccess:
    """A manager marks one use reviewed, with a note; once."""
    authorize(actor, Action.EMERGENCY_REVIEW)
    fields = _validated(ReviewIn, data)
    with transaction.atomic():
        access = EmergencyAccess.objects.select_for_update().filter(pk=access_id).first()
        if access is None:
            raise NotFound(f"emergency access {access_id} does not exist")
        if access.reviewed_at is not None:
            raise Conflict("this use of emergency access has already been reviewed")
        access.reviewed_by = actor.user
        access.reviewed_at = timezone.now()
        access.review_note = fields.note
        access.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        audit.record_on(
            actor,
            Action.EMERGENCY_REVIEW,
            access,
            detail={"note": fields.note, "user": access.user.get_username()},
        )
    return access


def restrict(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> RestrictedRecord:
    """A manager restricts the record to its care team (named again: replaces the team)."""
    authorize(actor, Action.RECORD_RESTRICT, patient_id=patient_id)
    fields = _validated(RestrictionIn, data)
    if not _patient_exists(patient_id):
        raise NotFound(f"patient {patient_id} does not exist")
    team = list(User.objects.filter(username__in=fields.care_team, is_active=True))
    unknown = sorted(set(fields.care_team) - {user.get_username() for user in team})
    if unknown:
        raise InvalidInput.single("care_team", f"no active account named {', '.join(unknown)}")
    with transaction.atomic():
        restriction, _ = RestrictedRecord.objects.update_or_create(
            patient_id=patient_id,
            defaults={"reason": fields.reason, "restricted_by": actor.user},
        )
        restriction.care_team.set(team)
        audit.record(
            actor,
            Action.RECORD_RESTRICT,
            obj=restriction,
            patient_id=patient_id,
            detail={"reason": fields.reason, "care_team": sorted(fields.care_team)},
        )
    return restriction


def restriction_of(actor: Actor, patient_id: int) -> RestrictedRecord | None:
    """The record's restriction, if any, with its care team (for the manager who sets it)."""
    authorize(actor, Action.RECORD_RESTRICT, patient_id=patient_id)
    if not _patient_exists(patient_id):
        raise NotFound(f"patient {patient_id} does not exist")
    return (
        RestrictedRecord.objects.select_related("patient", "restricted_by")
        .prefetch_related("care_team")
        .filter(patient_id=patient_id)
        .first()
    )


def marked_entries(access: EmergencyAccess) -> int:
    return AuditEvent.objects.filter(
        patient_id=access.patient_id, detail__emergency_access=access.pk
    ).count()


def _patient_exists(patient_id: int) -> bool:
    patients = EmergencyAccess._meta.get_field("patient").related_model
    return bool(patients._default_manager.filter(pk=patient_id).exists())


def _validated(model: type[M], data: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
                for e in error.errors()
            ]
        ) from None
