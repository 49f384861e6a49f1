"""No infusion starts without the patient's current, countersigned consent to the protocol."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from sessions_support import walk

from ketaclinic.records.consents import services as consents
from ketaclinic.records.errors import Conflict
from ketaclinic.records.sessions import lifecycle, supply
from ketaclinic.sessions import State
from support import sign_consent

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


def _at_dose_verified(make_order: Any, open_session: Any, nurse: Any, patient: Any) -> Any:
    session = open_session(make_order(patient, consented=False))
    walk(nurse, session.pk, State.DOSE_VERIFIED, timezone.now() - timedelta(minutes=30))
    supply.waive_draw(nurse, session.pk, {"reason": "Bag prepared by the hospital pharmacy"})
    return session


def _start(nurse: Any, session: Any) -> Any:
    pump = {"rate_ml_per_h": session.order.rate_ml_per_h, "vtbi_ml": session.order.volume_ml}
    return lifecycle.transition(nurse, session.pk, {"command": "start_infusion", **pump})


def test_start_is_refused_without_consent_and_allowed_with_it(
    make_order: Any, open_session: Any, nurse: Any, physician: Any, patient: Any
) -> None:
    session = _at_dose_verified(make_order, open_session, nurse, patient)
    with pytest.raises(Conflict, match="no current informed consent"):
        _start(nurse, session)
    sign_consent(physician, patient.pk, PROTOCOL)
    assert _start(nurse, session).to_state == State.INFUSING


def test_a_consent_awaiting_countersignature_is_not_enough(
    make_order: Any, open_session: Any, nurse: Any, patient: Any, patient_user: Any, actor_for: Any
) -> None:
    from ketaclinic.protocols.consent import consent_document

    session = _at_dose_verified(make_order, open_session, nurse, patient)
    consents.sign_consent(
        actor_for(patient_user),
        patient.pk,
        {
            "protocol": PROTOCOL,
            "document_version": consent_document(PROTOCOL).version,
            "signed_name": "Ada Example",
            "agree": True,
        },
    )
    with pytest.raises(Conflict, match="awaiting the clinician's countersignature"):
        _start(nurse, session)


def test_a_consent_to_another_protocol_is_not_enough(
    make_order: Any, open_session: Any, nurse: Any, physician: Any, patient: Any
) -> None:
    session = _at_dose_verified(make_order, open_session, nurse, patient)
    sign_consent(physician, patient.pk, "ketamine-iv-0.5mgkgh-240min")
    with pytest.raises(Conflict, match="no current informed consent"):
        _start(nurse, session)
