"""The checklist items that are not flowsheet entries: confirmations (pregnancy excluded,
fasting, escort, discharge instructions) and the weight taken on the day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.models import BodyMeasurement
from ketaclinic.records.toolkit import attempt, validate
from ketaclinic.sessions import Phase, session_rules

from .common import authorize_session, locked
from .inputs import ConfirmationIn, WeightIn
from .models import Confirmation


def confirm(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Confirmation:
    """Confirm one checklist item of the rules, once, after check-in."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    with attempt(actor, Action.SESSION_RECORD, what="confirmation", patient_id=patient_id):
        fields = validate(ConfirmationIn, data)
        rules = session_rules()
        item = rules.confirmation(fields.kind)
        if item is None:
            kinds = [known.kind for known in rules.confirmations]
            raise InvalidInput.single("kind", f"must be one of {', '.join(kinds)}")
        with locked(session_id, what="a confirmation") as ctx:
            at = ctx.moment(fields.at)
            ctx.phase_at(at, "a confirmation")
            if not item.applies_to(ctx.session.patient.sex):
                raise InvalidInput.single("kind", f"does not apply to this patient ({item.label})")
            try:
                confirmation = Confirmation.objects.create(
                    session=ctx.session,
                    kind=item.kind,
                    note=fields.note.strip(),
                    at=at,
                    recorded_by=actor.user,
                )
            except IntegrityError:
                raise Conflict(f"{item.label}: already confirmed") from None
            ctx.record(actor, Action.SESSION_RECORD, confirmation, "confirmation", kind=item.kind)
    return confirmation


def record_weight(actor: Actor, session_id: int, data: Mapping[str, Any]) -> BodyMeasurement:
    """Weigh the patient before the infusion; the weight goes to the patient's history."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    authorize(actor, Action.PATIENT_RECORD_MEASUREMENT, patient_id=patient_id)
    with attempt(actor, Action.SESSION_RECORD, what="weight", patient_id=patient_id):
        fields = validate(WeightIn, data)
        with locked(session_id, what="a weight") as ctx:
            if ctx.phase_at(ctx.now, "a weight") != Phase.PRE_INFUSION:
                raise Conflict("the weight is taken before the infusion")
            measurement = patients.record_measurement(
                actor, patient_id, {"weight_kg": fields.weight_kg}
            )
            ctx.record(
                actor, Action.SESSION_RECORD, ctx.session, "weight", measurement=measurement.pk
            )
    return measurement
