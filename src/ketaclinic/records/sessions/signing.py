"""Signing a session record: after the signature it takes amendments only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError

from ketaclinic.records.accounts.choices import Meaning
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.signatures import SignatureProof, SignerCredentials, confirm_signer
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict
from ketaclinic.records.patients.signals import outcome_changed
from ketaclinic.records.toolkit import Strict, attempt, validate
from ketaclinic.sessions import FINAL_STATES

from .common import authorize_session, locked, open_alert_count
from .gates import SIGN, refuse_unless_clear
from .models import Signature
from .signals import session_signed


class SessionSignIn(Strict, SignerCredentials):
    """The signer's password (or authenticator code), re-entered to sign the record."""


def sign_session(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Signature:
    """Sign a discharged (or cancelled) session whose alerts are all acknowledged; the signer
    re-enters their credential (``accounts.signatures``)."""
    patient_id = authorize_session(actor, Action.SESSION_SIGN, session_id)
    with attempt(actor, Action.SESSION_SIGN, what="sign", patient_id=patient_id):
        fields = validate(SessionSignIn, data)
        proof = confirm_signer(actor, Meaning.AUTHORED, password=fields.password, otp=fields.otp)
        return _sign(actor, session_id, patient_id, proof)


def _sign(actor: Actor, session_id: int, patient_id: int, proof: SignatureProof) -> Signature:
    with locked(session_id, what="a signature", final_allowed=True) as ctx:
        session = ctx.session
        if Signature.objects.filter(session=session).exists():
            raise Conflict(f"session {session.pk} is already signed")
        if ctx.timeline.state not in FINAL_STATES:
            raise Conflict(
                f"session {session.pk} is {ctx.timeline.state}: sign it once the patient "
                "is discharged (or the session cancelled)"
            )
        unacknowledged = open_alert_count(session)
        if unacknowledged:
            raise Conflict(f"acknowledge the session's {unacknowledged} open alert(s) first")
        refuse_unless_clear(SIGN, session, ctx.timeline, ctx.now)
        try:
            signature = Signature.objects.create(
                session=session,
                signed_by=actor.user,
                meaning=proof.meaning,
                credential=proof.credential,
            )
        except IntegrityError:
            raise Conflict(f"session {session.pk} is already signed") from None
        outcome_changed(patient_id)
        session_signed(actor, session.pk)
        ctx.record(
            actor,
            Action.SESSION_SIGN,
            session,
            "sign",
            state=ctx.timeline.state,
            meaning=proof.meaning,
            credential=proof.credential,
        )
    return signature
