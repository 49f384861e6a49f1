"""Emergency access to a restricted record (break the glass), its review by a manager, and a
record's restriction to its care team."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ketaclinic.records.accounts import emergency
from ketaclinic.records.accounts.emergency import EmergencyAccessIn, RestrictionIn, ReviewIn

from .auth import actor
from .errors import ERRORS
from .params import PageNumber
from .schemas import PageCountsOut

if TYPE_CHECKING:
    from ketaclinic.records.accounts.models import EmergencyAccess, RestrictedRecord

patient_router = Router(tags=["emergency access"])
router = Router(tags=["emergency access"])


class EmergencyAccessOut(Schema):
    id: int
    patient_id: int
    username: str
    reason: str
    started_at: datetime
    expires_at: datetime
    """Reads after this need a new emergency access."""
    active: bool
    entries: int
    """Audit entries marked with this emergency access (reads and changes during it)."""
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str


class EmergencyAccessPageOut(PageCountsOut):
    items: list[EmergencyAccessOut]


class ReviewQuery(Schema):
    reviewed: bool | None = False
    """false (default): awaiting review; true: reviewed; leave out with ``all`` for both."""
    all: bool = False
    page: PageNumber = 1


class RestrictionOut(Schema):
    patient_id: int
    reason: str
    care_team: list[str]


def _access(use: emergency.AccessUse) -> dict[str, Any]:
    access: EmergencyAccess = use.access
    return {
        "id": access.pk,
        "patient_id": access.patient_id,
        "username": access.user.get_username(),
        "reason": access.reason,
        "started_at": access.started_at,
        "expires_at": access.expires_at,
        "active": use.active,
        "entries": use.entries,
        "reviewed_by": access.reviewed_by.get_username() if access.reviewed_by else None,
        "reviewed_at": access.reviewed_at,
        "review_note": access.review_note,
    }


@patient_router.post("/{patient_id}/emergency-access", response={201: EmergencyAccessOut, **ERRORS})
def open_access(
    request: HttpRequest, patient_id: int, data: EmergencyAccessIn
) -> Status[dict[str, Any]]:
    """A clinician opens a restricted record outside their care team, saying why; for a
    limited time (``expires_at``), every read and change marked in the audit trail and
    reviewed by a manager. 409 when the record is within the caller's reach anyway."""
    access = emergency.open_access(actor(request), patient_id, data.model_dump())
    return Status(201, _access(emergency.AccessUse(access, 0)))


@patient_router.put("/{patient_id}/restriction", response={200: RestrictionOut, **ERRORS})
def restrict(request: HttpRequest, patient_id: int, data: RestrictionIn) -> dict[str, Any]:
    """Managers: restrict the record to its care team (usernames), with the reason."""
    restriction: RestrictedRecord = emergency.restrict(
        actor(request), patient_id, data.model_dump()
    )
    return {
        "patient_id": restriction.patient_id,
        "reason": restriction.reason,
        "care_team": sorted(u.get_username() for u in restriction.care_team.all()),
    }


@router.get("", response={200: EmergencyAccessPageOut, **ERRORS})
def list_uses(request: HttpRequest, params: Query[ReviewQuery]) -> dict[str, Any]:
    """Managers: uses of emergency access, newest first (by default those awaiting review)."""
    found = emergency.list_uses(
        actor(request), reviewed=None if params.all else params.reviewed, page=params.page
    )
    return {
        "items": [_access(use) for use in found.items],
        "total": found.total,
        "page": found.page,
        "page_size": found.page_size,
        "pages": found.pages,
    }


@router.post("/{access_id}/review", response={200: EmergencyAccessOut, **ERRORS})
def review(request: HttpRequest, access_id: int, data: ReviewIn) -> dict[str, Any]:
    """Managers: mark one use reviewed, with a note (once; 409 after)."""
    access = emergency.review(actor(request), access_id, data.model_dump())
    return _access(emergency.AccessUse(access, emergency.marked_entries(access)))
