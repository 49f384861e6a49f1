"""Accounts: permission checks, user creation, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from ketaclinic.proxies import client_address
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import FieldError, Forbidden, InvalidInput

from . import mfa
from .models import ApiToken, User
from .permissions import OWN_RECORD_ONLY, Action, role_allows
from .reach import OutsideReach, within_reach
from .roles import Role


def authorize(actor: Actor, action: Action, *, patient_id: int | None = None) -> None:
    """Allow ``action`` or audit the denial and raise ``Forbidden``.

    Call it before opening the service's transaction, so that a denial stays recorded.
    """
    allowed = actor.user.is_active and role_allows(actor.role, action)
    if allowed and actor.role == Role.PATIENT and action in OWN_RECORD_ONLY[Role.PATIENT]:
        allowed = patient_id is not None and patient_id == actor.user.patient_id
    if not allowed:
        audit.record(actor, action, outcome=Outcome.DENIED, patient_id=patient_id)
        raise Forbidden(f"role {actor.role!r} may not {action}")
    if patient_id is not None and not within_reach(actor.user, patient_id, action):
        audit.record(
            actor,
            action,
            outcome=Outcome.DENIED,
            patient_id=patient_id,
            detail={"reason": "restricted record, no emergency access"},
        )
        raise OutsideReach(patient_id)


def may(actor: Actor, action: Action) -> bool:
    """Whether the role may take ``action`` at all (for showing or hiding controls)."""
    return actor.user.is_active and role_allows(actor.role, action)


def create_user(
    actor: Actor | None,
    *,
    username: str,
    password: str,
    role: str,
    patient_id: int | None = None,
    email: str = "",
    face: Face = Face.CLI,
    source_address: str = "",
) -> User:
    """Create an account; ``actor`` is None only for the command line's bootstrap and for a
    patient's own account made from an intake invitation (``face``, ``source_address``: where
    the new account's creation is audited as coming from)."""
    if actor is not None:
        authorize(actor, Action.ACCOUNT_MANAGE)
    errors: list[FieldError] = []
    if role not in Role.values:
        errors.append(FieldError("role", f"must be one of {', '.join(Role.values)}"))
    if not username or len(username) > 150:
        errors.append(FieldError("username", "must be 1 to 150 characters"))
    elif User.objects.filter(username__iexact=username).exists():
        errors.append(FieldError("username", "is already taken"))
    if (role == Role.PATIENT) != (patient_id is not None):
        errors.append(FieldError("patient", "a patient account needs exactly one patient record"))
    candidate = User(username=username, role=role, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        errors.append(FieldError("password", " ".join(error.messages)))
    if errors:
        refused = InvalidInput(errors)
        if actor is not None:  # the refused-attempt rule (toolkit.refusals sits above accounts)
            audit.record(
                actor,
                Audited.ACCOUNT_CREATE,
                outcome=Outcome.FAILED,
                detail={
                    "error": str(refused)[:1000],
                    "refused_as": "InvalidInput",
                    "fields": sorted({e.field for e in errors}),
                },
            )
            refused.audited = True
        raise refused
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, password=password, role=role, email=email, patient_id=patient_id
        )
        audit.record(
            actor or Actor(user=user, face=face, source_address=source_address),
            Audited.ACCOUNT_CREATE,
            obj=user,
            patient_id=patient_id,
            detail={"username": username, "role": role},
        )
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(Exception):
    """Why no token was issued (the API answers 401 with this message); audited."""


def failed_login_reason(request: HttpRequest) -> str:
    """Why a log-in failed, for the audit: locked out (the password was not even checked)
    or bad credentials."""
    return "locked out" if getattr(request, "axes_locked_out", False) else "bad credentials"


def issue_token(request: HttpRequest, username: str, password: str, otp: str = "") -> str:
    """Check the password (django-axes counts failures) and, where log-in asks for one, the
    second factor ``otp`` (a TOTP code or a recovery code); return a new token or raise
    ``TokenRefused``.

    A success is a log-in like the web's (``user_logged_in``): it sets the last log-in and
    clears this username's and address's failure count."""
    user = authenticate(request, username=username, password=password)
    address = client_address(request)
    if user is None:
        audit.record_anonymous(
            username,
            Audited.AUTH_TOKEN,
            Outcome.FAILED,
            Face.API,
            address,
            {"reason": failed_login_reason(request)},
        )
        raise TokenRefused("invalid username or password, or the account is locked")
    who = Actor(user=user, face=Face.API, source_address=address)
    if mfa.needs_second_factor(user):
        _refuse_without_second_factor(request, who, otp)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    token = secrets.token_urlsafe(32)
    purge_expired_tokens()
    ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit.record(who, Audited.AUTH_TOKEN)
    return token


def _refuse_without_second_factor(request: HttpRequest, who: Actor, otp: str) -> None:
    if mfa.must_enrol(who.user):
        reason = "a second factor is required: set up an authenticator in the web app first"
    elif not otp.strip():
        reason = "a second factor is required: send otp, the code from your authenticator"
    elif mfa.second_factor_for_login(request, who, otp) is None:
        reason = "the second factor (otp) is wrong or already used"
    else:
        return
    audit.record(who, Audited.AUTH_TOKEN, outcome=Outcome.FAILED, detail={"reason": reason})
    raise TokenRefused(reason)


def purge_expired_tokens() -> int:
    """Delete tokens that can no longer authenticate (expired, or revoked over a day ago).

    Runs whenever a token is issued and, where a worker runs, hourly as its chore (so the table
    stays as small as the set of usable tokens even when nobody logs in); a revoked token is
    kept a day so its revocation can still be seen.
    """
    now = timezone.now()
    deleted, _ = ApiToken.objects.filter(
        Q(expires_at__lte=now) | Q(revoked_at__lte=now - timedelta(days=1))
    ).delete()
    return deleted


def user_for_token(token: str) -> User | None:
    """The active user a valid, unrevoked, unexpired token belongs to."""
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def revoke_token(actor: Actor, token: str) -> bool:
    """Revoke one of the actor's own tokens."""
    revoked = ApiToken.objects.filter(
        user=actor.user, digest=_digest(token), revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    audit.record(actor, Audited.AUTH_TOKEN_REVOKE, detail={"revoked": revoked})
    return bool(revoked)
