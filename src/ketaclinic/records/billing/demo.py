"""The demo clinic's billing: the completed demo session's charge (posted when it was signed,
or now for a demo made before billing existed) and a cash payment for it, so the account, a
receipt and a superbill have something to show. Idempotent: a second run writes nothing."""

from __future__ import annotations

from ketaclinic.records.context import Actor
from ketaclinic.records.sessions.models import Session

from . import charges, money
from .choices import MONEY_IN
from .common import balance_of
from .models import Entry


def load_billing(front_desk: Actor) -> None:
    """After the sessions and the prices."""
    signed = Session.objects.filter(
        patient__mrn__startswith="DEMO-", signature__isnull=False
    ).order_by("id")
    for session in signed:
        charges.post_session_charges(front_desk, session.pk)
        owed = balance_of(session.patient_id)
        paid = Entry.objects.filter(patient_id=session.patient_id, kind__in=MONEY_IN).exists()
        if owed > 0 and not paid:
            money.record_payment(
                front_desk,
                session.patient_id,
                {"amount_cents": owed, "method": "cash", "location": session.location.slug},
            )
