"""Who the command line acts as: a named user who showed that user's own credential (the
password, or an API token), audited as a log-in with the face ``cli``.

The ``system`` actor (``system_actor``) needs no credential: it is the operator at the server,
and may only maintain accounts (``permissions.SYSTEM_ACTIONS``).
"""

from __future__ import annotations

from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.context import SYSTEM_ROLE, Actor, Face, operator

from .models import User
from .services import user_for_token


def _failed(username: str, credential: str) -> None:
    audit.record_anonymous(
        username,
        Audited.AUTH_LOGIN,
        Outcome.FAILED,
        Face.CLI,
        operator(),
        {"reason": "bad credentials", "credential": credential},
    )


def _signed_in(user: User, credential: str) -> Actor:
    actor = Actor.for_cli(user)
    audit.record(actor, Audited.AUTH_LOGIN, detail={"credential": credential})
    return actor


def by_password(username: str, password: str, *, credential: str = "password") -> Actor | None:
    """The active account ``username`` if ``password`` is its password; a failure is audited."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not user.check_password(password):
        _failed(username, credential)
        return None
    return _signed_in(user, credential)


def by_token(token: str) -> Actor | None:
    """The account a valid API token belongs to; a failure is audited."""
    user = user_for_token(token)
    if user is None:
        _failed("", "token")
        return None
    return _signed_in(user, "token")


def system_actor() -> Actor:
    """The labelled ``system`` actor: an operator's maintenance at the server. The audit names
    it ``system`` (username and role) with the face ``system`` and the operator's login and
    host as its source; it may take only ``permissions.SYSTEM_ACTIONS``."""
    user = User(username="system", role=SYSTEM_ROLE)
    return Actor(user=user, face=Face.SYSTEM, source_address=operator())
