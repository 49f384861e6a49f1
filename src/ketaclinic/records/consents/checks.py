"""The consent check a session start calls: no infusion without a current consent."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import Consent
from .services import consent_state


def consent_missing(session: Any) -> str | None:
    """Why the session's infusion may not start for want of consent; None when the patient has
    a current, countersigned consent to the protocol of the session's plan.

    ``session`` is an infusion session (records.sessions): its ``patient_id`` and
    ``order.plan.protocol_id`` are read."""
    protocol_id = session.order.plan.protocol_id
    today = timezone.localdate()
    reasons = [
        consent_state(consent, today)
        for consent in Consent.objects.filter(
            patient_id=session.patient_id, protocol_id=protocol_id
        ).select_related("countersignature")
    ]
    if "current" in reasons:
        return None
    why = f" (latest: {reasons[0]})" if reasons else ""
    return f"no current informed consent to {protocol_id}{why}: the patient signs it first"
