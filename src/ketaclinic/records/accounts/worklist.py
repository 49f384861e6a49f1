"""What a manager is to look at about accounts: log-ins locked out, and uses of emergency
access awaiting review."""

from __future__ import annotations

from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist

from .administration import _locked_usernames
from .models import EmergencyAccess, User
from .permissions import Action
from .services import authorize


def locked_accounts(actor: Actor) -> Worklist:
    """Accounts whose log-in is locked out now, by username."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    rows = User.objects.filter(username__in=_locked_usernames()).order_by("username")
    return worklist(
        actor,
        Audited.ACCOUNT_LIST,
        "Locked accounts",
        rows,
        lambda user: WorkItem(
            "account",
            user.pk,
            user.get_full_name() or user.username,
            f"{user.username} · locked out after failed log-ins",
        ),
    )


def emergency_uses_to_review(actor: Actor) -> Worklist:
    """Uses of emergency access no manager has reviewed, oldest first."""
    authorize(actor, Action.EMERGENCY_REVIEW)
    rows = (
        EmergencyAccess.objects.filter(reviewed_at__isnull=True)
        .select_related("user", "patient")
        .order_by("started_at", "id")
    )
    return worklist(
        actor,
        Action.EMERGENCY_REVIEW,
        "Emergency-access uses to review",
        rows,
        lambda use: WorkItem(
            "emergency-access",
            use.pk,
            person(use.patient),
            f"Opened by {use.user.get_full_name() or use.user.username}: {use.reason}",
            use.started_at,
            use.patient_id,
        ),
    )
