"""Signing a session record: after the signature it takes amendments only."""

from __future__ import annotations

from django.db import IntegrityError

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict
from ketaclinic.records.patients.signals import outcome_changed
from ketaclinic.records.toolkit import attempt
from ketaclinic.sessions import FINAL_STATES

from .common import authorize_session, locked, open_alert_count
from .gates import SIGN, refuse_unless_clear
from .models import Signature
from .signals import session_signed


def sign_session(actor: Actor, session_id: int) -> Signature:
    """Sign a discharged (or cancelled) session whose alerts are all acknowledged."""
    patient_id = authorize_session(actor, Action.SESSION_SIGN, session_id)
    with (
        attempt(actor, Action.SESSION_SIGN, what="sign", patient_id=patient_id),
        locked(session_id, what="a signature", final_allowed=True) as ctx,
    ):
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
            signature = Signature.objects.create(session=session, signed_by=actor.user)
        except IntegrityError:
            raise Conflict(f"session {session.pk} is already signed") from None
        outcome_changed(patient_id)
        session_signed(actor, session.pk)
        audit.record(
            actor,
            Action.SESSION_SIGN,
            obj=session,
            patient_id=patient_id,
            detail={"what": "sign", "state": ctx.timeline.state},
        )
    return signature
