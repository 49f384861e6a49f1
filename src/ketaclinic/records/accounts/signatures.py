"""Electronic signatures (21 CFR Part 11 style): the signer re-authenticates at the moment of
signing, and the signature records what it means (authored, verified, approved, co-signed,
witnessed) and when.

Every signing service (a plan, an order's double-check, a session override, a session, a
consent's countersignature) validates its body with an input model that includes
``SignerCredentials`` and calls ``confirm_signer`` before it writes anything. A wrong credential
raises ``InvalidInput`` naming the field: the service's refusal rule audits it as failed, the
log-in lockout counts it, and nothing is signed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from pydantic import BaseModel, Field

from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput

from . import mfa
from .choices import Credential, Meaning
from .models import User


class SignerCredentials(BaseModel):
    """The signer's credential, re-entered to sign: their password, or a code from their
    authenticator. Mixed into every signing body."""

    password: Annotated[str, Field(max_length=4096)] = ""
    otp: Annotated[str, Field(max_length=64)] = ""


@dataclass(frozen=True)
class SignatureProof:
    """Who signed, what the signature means, what they re-entered, and when."""

    user: User
    meaning: Meaning
    credential: Credential
    at: datetime

    def describe(self) -> str:
        return signed_line(self.meaning, self.user, self.at)


def confirm_signer(
    actor: Actor, meaning: Meaning, *, password: str = "", otp: str = ""
) -> SignatureProof:
    """The proof that the actor signs now, or ``InvalidInput`` naming ``password`` or ``otp``.

    A password goes through the log-in backends (django-axes counts a wrong one; a locked
    account cannot sign); a code is checked like a log-in's second factor (audited, and never
    accepted twice)."""
    user = actor.user
    if otp.strip():
        if not mfa.has_device(user):
            raise InvalidInput.single(
                "otp", "no authenticator is enrolled for this account: enter your password"
            )
        accepted = mfa.check_second_factor(actor, otp)
        if accepted is None:
            raise InvalidInput.single("otp", "is wrong or already used: nothing was signed")
        credential = Credential.TOTP if accepted == "totp" else Credential.RECOVERY_CODE
        return SignatureProof(user, meaning, credential, timezone.now())
    if not password:
        raise InvalidInput.single(
            "password", "re-enter your password (or an authenticator code) to sign"
        )
    checked = authenticate(login_request(actor), username=user.get_username(), password=password)
    if not isinstance(checked, User) or checked.pk != user.pk:
        raise InvalidInput.single(
            "password", "does not match your account, or the account is locked: nothing was signed"
        )
    return SignatureProof(user, meaning, Credential.PASSWORD, timezone.now())


def signed_line(meaning: str, user: User, at: datetime | None) -> str:
    """How screens and PDFs show a signature: "Signed (authored) by Dr Kim Lee at …"."""
    name = user.get_full_name() or user.get_username()
    when = f" at {timezone.localtime(at):%Y-%m-%d %H:%M}" if at is not None else ""
    return f"Signed ({meaning_label(meaning)}) by {name}{when}"


def meaning_label(meaning: str) -> str:
    """The clinic's word for a stored meaning (``co_signed`` reads "co-signed")."""
    return str(Meaning(meaning).label) if meaning in Meaning.values else meaning


def login_request(actor: Actor) -> HttpRequest:
    """A request carrying the actor's address, for the lock-out backend."""
    request = HttpRequest()
    request.method = "POST"
    try:
        request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(actor.source_address))
    except ValueError:
        request.META["REMOTE_ADDR"] = "127.0.0.1"
    return request
