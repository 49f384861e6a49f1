"""The second person: present at the screen, re-entering their own password."""

from __future__ import annotations

from django.contrib.auth import authenticate

from ketaclinic.records.accounts.models import User
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.accounts.signatures import login_request
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Forbidden, InvalidInput

from .inputs import WitnessIn


def verify_witness(
    actor: Actor,
    given: WitnessIn,
    action: Action = Action.LEDGER_WITNESS,
    what: str = "witness the ledger",
) -> Actor:
    """The witness as an actor: a different, active user whose password matches and whose role
    may take ``action`` (witnessing the ledger, or the act witnessed elsewhere, e.g. a refund);
    else ``InvalidInput`` naming the witness field.

    The password goes through the log-in backends, so django-axes counts failures and a locked
    account cannot witness. A witness whose role may not witness has the denial audited under
    their own name.
    """
    username = given.witness_username.strip()
    if not username:
        raise InvalidInput.single("witness_username", "a second person must witness this")
    if username.lower() == actor.user.get_username().lower():
        raise InvalidInput.single(
            "witness_username", "the witness must be a second, different person"
        )
    user = authenticate(login_request(actor), username=username, password=given.witness_password)
    if not isinstance(user, User):
        raise InvalidInput.single(
            "witness_password", "does not match the witness's account, or the account is locked"
        )
    if user.pk == actor.user.pk:
        raise InvalidInput.single(
            "witness_username", "the witness must be a second, different person"
        )
    witness = Actor(user=user, face=actor.face, source_address=actor.source_address)
    try:
        authorize(witness, action)
    except Forbidden:
        raise InvalidInput.single(
            "witness_username", f"a {user.get_role_display().lower()} may not {what}"
        ) from None
    return witness
