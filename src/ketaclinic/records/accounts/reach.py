"""A staff member's normal reach: every patient record, except a restricted record
(``RestrictedRecord``: a colleague's, a public figure's), which only its care team opens.

Anyone else with a clinical role opens a restricted record through emergency access
(``emergency.py``): with a reason, for a limited time, every read flagged in the audit trail.
Managers (who read no chart) and patients (their own record only) are not limited here.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Forbidden

from .models import EmergencyAccess, RestrictedRecord, User
from .permissions import Action
from .roles import Role

REACH_LIMITED = frozenset({Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK})
# What may be done on a restricted record without reaching into it.
OUTSIDE_REACH_ALLOWED = frozenset(
    {Action.EMERGENCY_ACCESS, Action.EMERGENCY_REVIEW, Action.RECORD_RESTRICT}
)


class OutsideReach(Forbidden):
    """The record is restricted to its care team; emergency access opens it."""

    def __init__(self, patient_id: int) -> None:
        self.patient_id = patient_id
        super().__init__(
            "this record is restricted to its care team: open emergency access with a reason"
        )


# On the user object of the call (one per request): the emergency access ``within_reach`` found
# per patient, so that the audit entries of the same call are marked without another query.
_MEMO = "_ketaclinic_emergency_access"
# On the same object: the records found within reach, so a page of many panels asks once.
_WITHIN = "_ketaclinic_within_reach"


def within_reach(user: User, patient_id: int, action: Action) -> bool:
    """Whether ``user`` may take ``action`` on the patient's record without emergency access,
    or has emergency access to it now."""
    if user.role not in REACH_LIMITED or action in OUTSIDE_REACH_ALLOWED:
        return True
    within: set[int] = getattr(user, _WITHIN, None) or set()
    if patient_id in within:  # found open earlier in this call (one user object per request)
        return True
    restricted = RestrictedRecord.objects.filter(patient_id=patient_id)
    outside = restricted.exclude(care_team=user).exists()
    if not outside:
        setattr(user, _WITHIN, within | {patient_id})
        return True
    access = active_access(user, patient_id)  # asked afresh every time: it expires
    remember(user, patient_id, access)
    return access is not None


def remember(user: User, patient_id: int, access: EmergencyAccess | None) -> None:
    memo: dict[int, int | None] = getattr(user, _MEMO, None) or {}
    memo[patient_id] = access.pk if access is not None else None
    setattr(user, _MEMO, memo)


def emergency_mark(actor: Actor, patient_id: int) -> dict[str, Any]:
    """The audit entry's mark while the actor's emergency access to the record is in force
    (as the call's reach check found it)."""
    access_id = (getattr(actor.user, _MEMO, None) or {}).get(patient_id)
    return {"emergency_access": access_id} if access_id else {}


def active_access(user: User, patient_id: int) -> EmergencyAccess | None:
    """The user's emergency access to the patient's record in force now, if any."""
    return (
        EmergencyAccess.objects.filter(
            user=user, patient_id=patient_id, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )
