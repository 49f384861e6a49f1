"""Posting the session to the controlled-substance ledger through its services: the dose
given is administered from the nurse's draw, and what is left of the draw is wasted before
a witness. Both entries and the link commit together, once per session."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.ledger import services as ledger
from ketaclinic.records.ledger.models import DrawBalance, EntryKind
from ketaclinic.records.ledger.models import Entry as LedgerEntry
from ketaclinic.records.ledger.quantities import ML_STEP
from ketaclinic.records.toolkit import attempt, validate

from .common import authorize_session, locked
from .inputs import LedgerPostingIn
from .models import LedgerPosting, PumpEvent, PumpEventKind
from .summary import dose_given_mg


def open_draws(actor: Actor, session_id: int) -> list[LedgerEntry]:
    """The session's patient's draws with something left to account for, newest first."""
    patient_id = authorize_session(actor, Action.SESSION_VIEW, session_id)
    authorize(actor, Action.LEDGER_VIEW, patient_id=patient_id)
    draws = list(
        LedgerEntry.objects.filter(
            kind=EntryKind.DRAW, patient_id=patient_id, remainder__remaining_ml__gt=0
        )
        .select_related("lot__product", "remainder")
        .order_by("-occurred_at", "-id")
    )
    audit.record(
        actor,
        Action.LEDGER_VIEW,
        patient_id=patient_id,
        detail={"what": "open draws", "session": session_id, "shown": [d.pk for d in draws]},
    )
    return draws


def post_to_ledger(actor: Actor, session_id: int, data: Mapping[str, Any]) -> LedgerPosting:
    """Administer the dose given from a draw of this patient, and waste the rest of the draw
    with a witness (the ledger checks the witness and the amounts)."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    authorize(actor, Action.LEDGER_ADMINISTER, patient_id=patient_id)
    authorize(actor, Action.LEDGER_WASTE, patient_id=patient_id)
    with attempt(actor, Action.SESSION_RECORD, what="ledger", patient_id=patient_id):
        fields = validate(LedgerPostingIn, data)
        with locked(session_id, what="a ledger posting", final_allowed=True) as ctx:
            session = ctx.session
            if LedgerPosting.objects.filter(session=session).exists():
                raise Conflict(f"session {session.pk} is already posted to the ledger")
            ended = ctx.timeline.infusion_ended_at
            if ended is None:
                raise Conflict("post to the ledger after the infusion has ended")
            volume = (
                PumpEvent.objects.current()
                .filter(session=session, kind=PumpEventKind.END)
                .order_by("-at", "-id")
                .values_list("volume_infused_ml", flat=True)
                .first()
            )
            dose_mg = dose_given_mg(session.order, ctx.timeline.infusion_started_at, volume)
            if dose_mg is None:
                raise Conflict("the dose given is not known: record the volume infused")
            drawn = (
                LedgerEntry.objects.select_related("lot__product")
                .filter(pk=fields.draw_id, kind=EntryKind.DRAW, patient_id=session.patient_id)
                .first()
            )
            if drawn is None:
                raise InvalidInput.single("draw_id", "is not a draw for this patient")
            # Given when the infusion ended, or when the draw was recorded if that was later.
            given_at = max(ended, drawn.occurred_at)
            # The ledger counts whole 0.001 mL of the vial's strength: the dose given is
            # posted as that volume (at 50 mg/mL, within 0.025 mg of the computed dose).
            strength = drawn.lot.product.strength_mg_per_ml
            remaining = DrawBalance.objects.get(draw=drawn).remaining_ml
            given_ml = (Decimal(str(dose_mg)) / strength).quantize(ML_STEP, ROUND_HALF_UP)
            given = ledger.record_administered(
                actor, drawn.pk, {"volume_ml": min(given_ml, remaining), "occurred_at": given_at}
            )
            left = DrawBalance.objects.get(draw=drawn).remaining_ml
            wasted = None
            if left > 0:
                wasted = ledger.waste(
                    actor,
                    drawn.pk,
                    {
                        "volume_ml": left,
                        "witness_username": fields.witness_username,
                        "witness_password": fields.witness_password,
                    },
                )
            posting = LedgerPosting.objects.create(
                session=session,
                draw=drawn,
                administered=given,
                wasted=wasted,
                posted_by=actor.user,
            )
            ctx.record(
                actor, Action.SESSION_RECORD, posting, "ledger", draw=drawn.pk, dose_mg=dose_mg
            )
    return posting
