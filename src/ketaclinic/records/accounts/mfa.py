"""Multi-factor log-in (ONC 170.315(d)(13)): TOTP (RFC 6238, through pyotp) with single-use
recovery codes.

Which roles must have a second factor is data (``data/mfa.toml``); whether the rule is enforced
is the setting ``MFA_REQUIRED`` (production: on; tests: off; the demo: off unless started with
``--mfa``). A user who has enrolled is always asked for a code, whatever the setting.
Enrolment, every accepted and refused code and every recovery code used are audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

import pyotp
import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ketaclinic.core import load_toml, read_texts
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput

from .models import RecoveryCode, TotpDevice, User
from .roles import Role

# A code from the step before or after the current one is accepted (clock drift).
_VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class MfaPolicy:
    required_roles: frozenset[str]
    issuer: str
    recovery_codes: int


@cache
def mfa_policy() -> MfaPolicy:
    table = load_toml(__package__, "mfa.toml")
    roles = frozenset(read_texts(table, "required_roles", "mfa.toml"))
    unknown = roles - set(Role.values)
    if unknown:
        raise ValueError(f"mfa.toml.required_roles: unknown role(s) {sorted(unknown)}")
    return MfaPolicy(roles, str(table["issuer"]), int(table["recovery_codes"]))


def has_device(user: User) -> bool:
    """Whether the user has a confirmed authenticator."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def must_enrol(user: User) -> bool:
    """Whether the policy requires a second factor this user has not enrolled yet."""
    return needs_second_factor(user) and not has_device(user)


def needs_second_factor(user: User) -> bool:
    """Whether log-in asks this user for a second factor (enrolled, or required by role)."""
    if has_device(user):
        return True
    return bool(settings.MFA_REQUIRED) and user.role in mfa_policy().required_roles


def start_enrolment(user: User) -> str:
    """A fresh secret for an unconfirmed device (replacing an unconfirmed one); refused when
    the user already has a confirmed authenticator."""
    if has_device(user):
        raise Conflict("an authenticator is already enrolled for this account")
    secret = pyotp.random_base32()
    TotpDevice.objects.update_or_create(user=user, defaults={"secret": secret, "last_step": 0})
    return secret


def pending_secret(user: User) -> str | None:
    """The secret of the device waiting for its first code, if any."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    return device.secret if device is not None else None


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.get_username(), issuer_name=mfa_policy().issuer
    )


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG markup (drawn on the server: no script)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def confirm_enrolment(actor: Actor, code: str) -> list[str]:
    """Confirm the pending device with a code from it; return the recovery codes (shown once)."""
    device = TotpDevice.objects.filter(user=actor.user, confirmed_at__isnull=True).first()
    if device is None:
        raise Conflict("start the enrolment again: no authenticator is waiting for a code")
    step = _matching_step(device, code)
    if step is None:
        audit.record(
            actor, Audited.MFA_ENROL, outcome=Outcome.FAILED, detail={"reason": "wrong code"}
        )
        raise InvalidInput.single("otp", "does not match the authenticator: try the next code")
    codes = [_new_recovery_code() for _ in range(mfa_policy().recovery_codes)]
    with transaction.atomic():
        TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now(), last_step=step)
        RecoveryCode.objects.filter(user=actor.user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=actor.user, digest=_digest(code)) for code in codes
        )
        audit.record(actor, Audited.MFA_ENROL, detail={"recovery_codes": len(codes)})
    return codes


def check_second_factor(actor: Actor, code: str) -> str | None:
    """Accept a current TOTP code (once) or an unused recovery code (used up here); return
    what was accepted (``"totp"`` or ``"recovery code"``), or None. Both are audited."""
    code = "".join(code.split()).lower()
    device = TotpDevice.objects.filter(user=actor.user, confirmed_at__isnull=False).first()
    accepted: str | None = None
    if device is not None and code.isdigit():
        step = _matching_step(device, code)
        # Only the request that moves last_step forward accepts the code: never twice.
        if step is not None and TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
            last_step=step
        ):
            accepted = "totp"
    elif code:
        used = RecoveryCode.objects.filter(
            user=actor.user, digest=_digest(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            accepted = "recovery code"
            audit.record(
                actor,
                Audited.MFA_RECOVERY_CODE,
                detail={"left": recovery_codes_left(actor.user)},
            )
    audit.record(
        actor,
        Audited.MFA_VERIFY,
        outcome=Outcome.ALLOWED if accepted else Outcome.FAILED,
        detail={"accepted": accepted} if accepted else {"reason": "wrong or used code"},
    )
    return accepted


def second_factor_for_login(request: HttpRequest, actor: Actor, code: str) -> str | None:
    """``check_second_factor`` at log-in (web or API token): a locked account is refused, and a
    wrong code counts as a failed log-in for the lockout (django-axes), as a wrong password."""
    credentials = {"username": actor.user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return None
    accepted = check_second_factor(actor, code)
    if accepted is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return accepted


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def enrol_with_secret(user: User, secret: str) -> None:
    """Enrol a known secret at once, without a code (the demo's accounts with ``--mfa``)."""
    TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": 0}
    )


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step whose code ``code`` is (within the drift window), if any."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    current = totp.timecode(now)
    for offset in range(-_VALID_WINDOW, _VALID_WINDOW + 1):
        step = current + offset
        if step > device.last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _digest(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()
