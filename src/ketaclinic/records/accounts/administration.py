"""Account administration for managers (and the operator's ``system`` actor): the accounts
with their role, state and last log-in; deactivate and reactivate, unlock after failed
log-ins, change the role, and a one-time link to set a new password. Every step is audited,
a refusal too.

The clinic never loses its last manager: nobody deactivates themselves, and neither a
deactivation nor a role change may leave no active manager.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from axes.models import AccessAttempt
from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound

from .models import ApiToken, PasswordResetLink, User
from .permissions import Action
from .roles import Role
from .services import authorize

T = TypeVar("T")

# Roles a manager may give: a patient account is made with its patient (createuser), and a
# staff account never becomes one.
STAFF_ROLES = tuple(role for role in Role if role != Role.PATIENT)


@dataclass(frozen=True)
class AccountRow:
    """One account as the administration list shows it."""

    id: int
    username: str
    name: str
    role: str
    role_label: str
    active: bool
    locked: bool
    last_login: datetime | None


def _attempt(actor: Actor, action: Audited, user_id: int | None, call: Callable[[], T]) -> T:
    """Run ``call``; a refusal (bad input, a clash, no such account) is audited as failed
    after the rollback, and raised on."""
    try:
        return call()
    except (InvalidInput, Conflict, NotFound) as error:
        audit.record(
            actor,
            action,
            outcome=Outcome.FAILED,
            detail={
                "error": str(error)[:1000],
                "refused_as": type(error).__name__,
                "account": user_id,
            },
        )
        error.audited = True
        raise


def _account(user_id: int) -> User:
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise NotFound("no account has this id")
    return found


def _locked_usernames() -> set[str]:
    """Usernames with a log-in locked out now (from any address)."""
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    return set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


def list_accounts(actor: Actor) -> list[AccountRow]:
    """Every account, staff first by role, with whether it is active or locked out."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    locked = _locked_usernames()
    labels = dict(Role.choices)
    rows = [
        AccountRow(
            id=user.pk,
            username=user.username,
            name=user.get_full_name(),
            role=user.role,
            role_label=str(labels.get(user.role, user.role)),
            active=user.is_active,
            locked=user.username in locked,
            last_login=user.last_login,
        )
        for user in User.objects.order_by("role", "username")
    ]
    audit.record(actor, Audited.ACCOUNT_LIST, detail={"accounts": len(rows)})
    return rows


def _other_active_managers(user: User) -> bool:
    return User.objects.filter(role=Role.MANAGER, is_active=True).exclude(pk=user.pk).exists()


def _keeps_a_manager(user: User) -> None:
    if user.role == Role.MANAGER and user.is_active and not _other_active_managers(user):
        raise Conflict(f"{user.username} is the last active manager; name another one first")


def deactivate(actor: Actor, user_id: int) -> User:
    """Stop an account from logging in; its API tokens are revoked at once."""
    authorize(actor, Action.ACCOUNT_MANAGE)

    def change() -> User:
        user = _account(user_id)
        if user.pk == actor.user.pk:
            raise Conflict("you cannot deactivate your own account")
        _keeps_a_manager(user)
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_active=False)
            revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            audit.record(
                actor, Audited.ACCOUNT_DEACTIVATE, obj=user, detail={"tokens_revoked": revoked}
            )
        user.is_active = False
        return user

    return _attempt(actor, Audited.ACCOUNT_DEACTIVATE, user_id, change)


def reactivate(actor: Actor, user_id: int) -> User:
    """Let a deactivated account log in again."""
    authorize(actor, Action.ACCOUNT_MANAGE)

    def change() -> User:
        user = _account(user_id)
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_active=True)
            audit.record(actor, Audited.ACCOUNT_REACTIVATE, obj=user)
        user.is_active = True
        return user

    return _attempt(actor, Audited.ACCOUNT_REACTIVATE, user_id, change)


def unlock(actor: Actor, user_id: int) -> int:
    """Clear the failed log-ins that lock the account out (from every address); returns how
    many address records were cleared."""
    authorize(actor, Action.ACCOUNT_MANAGE)

    def change() -> int:
        user = _account(user_id)
        with transaction.atomic():
            cleared = reset_lockout(username=user.username)
            audit.record(actor, Audited.ACCOUNT_UNLOCK, obj=user, detail={"cleared": cleared})
        return cleared

    return _attempt(actor, Audited.ACCOUNT_UNLOCK, user_id, change)


def change_role(actor: Actor, user_id: int, role: str) -> User:
    """Give a staff account another staff role."""
    authorize(actor, Action.ACCOUNT_MANAGE)

    def change() -> User:
        if role not in STAFF_ROLES:
            names = ", ".join(str(label) for value, label in Role.choices if value in STAFF_ROLES)
            raise InvalidInput.single("role", f"must be one of: {names}")
        user = _account(user_id)
        if user.role == Role.PATIENT:
            raise InvalidInput.single("role", "a patient account keeps its role")
        if user.role == role:
            return user
        if user.role == Role.MANAGER:
            _keeps_a_manager(user)
        previous = user.role
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(role=role)
            audit.record(
                actor, Audited.ACCOUNT_ROLE_CHANGE, obj=user, detail={"from": previous, "to": role}
            )
        user.role = role
        return user

    return _attempt(actor, Audited.ACCOUNT_ROLE_CHANGE, user_id, change)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_reset_link(actor: Actor, user_id: int) -> str:
    """A new one-time secret for the account's password link (earlier unused links stop
    working); only its digest is kept, so it is shown once, to whoever issued it."""
    authorize(actor, Action.ACCOUNT_MANAGE)

    def change() -> str:
        user = _account(user_id)
        if not user.is_active:
            raise Conflict(f"{user.username} is deactivated; reactivate the account first")
        secret = secrets.token_urlsafe(32)
        now = timezone.now()
        with transaction.atomic():
            PasswordResetLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
            link = PasswordResetLink.objects.create(
                user=user,
                digest=_digest(secret),
                issued_by=actor.user if actor.user.pk else None,
                expires_at=now + timedelta(hours=settings.PASSWORD_RESET_LINK_HOURS),
            )
            audit.record(
                actor,
                Audited.ACCOUNT_RESET_ISSUE,
                obj=user,
                detail={"expires_at": link.expires_at.isoformat()},
            )
        return secret

    return _attempt(actor, Audited.ACCOUNT_RESET_ISSUE, user_id, change)


def _usable_link(secret: str) -> PasswordResetLink | None:
    return (
        PasswordResetLink.objects.select_related("user")
        .filter(
            digest=_digest(secret),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def reset_link_username(secret: str) -> str | None:
    """The username a usable link is for (the page greets them), or None."""
    link = _usable_link(secret)
    return link.user.username if link is not None else None


def use_reset_link(secret: str, password: str, source_address: str, face: Face) -> User:
    """Set the password through a one-time link: once, before it expires; the account's
    lockout is cleared and its API tokens revoked. An unusable link is audited and refused."""
    link = _usable_link(secret)
    if link is None:
        audit.record_anonymous(
            "",
            Audited.ACCOUNT_RESET_USE,
            Outcome.FAILED,
            face,
            source_address,
            {"reason": "the link is unknown, used or expired"},
        )
        raise InvalidInput.single(
            "link", "this link has been used, has expired or was replaced by a newer one"
        )
    user = link.user
    actor = Actor(user=user, face=face, source_address=source_address)
    try:
        validate_password(password, user)
    except ValidationError as error:
        refused = InvalidInput.single("password", " ".join(error.messages))
        audit.record(
            actor,
            Audited.ACCOUNT_RESET_USE,
            outcome=Outcome.FAILED,
            obj=user,
            detail={"refused_as": "InvalidInput", "fields": ["password"]},
        )
        refused.audited = True
        raise refused from None
    now = timezone.now()
    with transaction.atomic():
        # Claim the link first: of two requests racing with one link, one wins.
        if not PasswordResetLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=now
        ):
            raise InvalidInput.single("link", "this link has just been used")
        user.set_password(password)
        user.save(update_fields=["password"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        reset_lockout(username=user.username)
        audit.record(actor, Audited.ACCOUNT_RESET_USE, obj=user)
    return user


def account_id_by_username(username: str) -> int | None:
    """The id of the account with this username (for the command line's argument)."""
    return User.objects.filter(username=username).values_list("pk", flat=True).first()
