"""Physician overrides: the signed, audited decision that lets a session step proceed past
one gate (``records/sessions/gates.py``). Only a physician records one; it is written once per
gate and session, never changed, and shown on the flowsheet, the session record (PDF and print
view), the patient's report and the FHIR export.

Any gate named in the session rules' ``[gates]`` table can be overridden, whichever step it
belongs to, so a new gate needs no change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from django.db import IntegrityError
from pydantic import Field

from ketaclinic.records.accounts.choices import Meaning
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.signatures import SignerCredentials, confirm_signer
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.toolkit import Strict, attempt, validate
from ketaclinic.sessions import session_rules

from .common import authorize_session, locked
from .gates import blocker_of
from .models import GateOverride, Signature

REASON_MAX_CHARS = 2000


class OverrideIn(Strict, SignerCredentials):
    """Which gate to lift for this session, the physician's reason, and their password (or
    authenticator code): the override is their signature."""

    gate: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX_CHARS)]


def record_override(actor: Actor, session_id: int, data: Mapping[str, Any]) -> GateOverride:
    """A physician lets the session pass ``gate`` with the reason; once per gate."""
    patient_id = authorize_session(actor, Action.SESSION_OVERRIDE, session_id)
    with attempt(actor, Action.SESSION_OVERRIDE, what="override", patient_id=patient_id):
        fields = validate(OverrideIn, data)
        gates = session_rules().gates
        if fields.gate not in gates:
            raise InvalidInput.single("gate", f"must be one of {', '.join(gates)}")
        reason = fields.reason.strip()
        if not reason:
            raise InvalidInput.single("reason", "say why the step may proceed")
        proof = confirm_signer(actor, Meaning.APPROVED, password=fields.password, otp=fields.otp)
        # A discharged session may still need one (a gate of the signature); a signed one not.
        with locked(session_id, what="an override", final_allowed=True) as ctx:
            if Signature.objects.filter(session=ctx.session).exists():
                raise Conflict(f"session {ctx.session.pk} is signed: nothing left to override")
            blocker = blocker_of(fields.gate, ctx.session, ctx.timeline, ctx.now)
            try:
                override = GateOverride.objects.create(
                    session=ctx.session,
                    gate=fields.gate,
                    reason=reason,
                    blocked=blocker.message if blocker else "",
                    signed_by=actor.user,
                    signed_at=ctx.now,
                    meaning=proof.meaning,
                    credential=proof.credential,
                )
            except IntegrityError:
                raise Conflict(
                    f"{gates[fields.gate].label}: already overridden in this session"
                ) from None
            audit.record(
                actor,
                Action.SESSION_OVERRIDE,
                obj=override,
                patient_id=patient_id,
                detail={
                    "gate": fields.gate,
                    "reason": reason,
                    "blocked": override.blocked,
                    "meaning": proof.meaning,
                    "credential": proof.credential,
                },
            )
    return override
