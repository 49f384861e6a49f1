"""Demo online intake: one new patient invited (the link not used yet) and one who made their
account from the link, filled in their intake and some baseline questionnaires, and sent it:
it awaits a clinician's review. Synthetic; loaded once; sends nothing (the links are made and
not delivered: only their digests are stored)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.models import Patient

from . import entries, invitations
from .models import Intake, Invitation

INVITED = ("DEMO-0101", "Uma", "Newcomer", date(1984, 3, 9))
SENT = ("DEMO-0102", "Vera", "Onlinefirst", date(1979, 11, 23))


def load_intake(front_desk: Actor, physician_id: int, username: str, password: str) -> bool:
    """Add what is missing; True when the sent intake's patient account was made now."""
    invited = _registered(front_desk, *INVITED, physician_id=physician_id)
    if not Invitation.objects.filter(patient=invited).exists():
        invitations.invite(front_desk, invited.pk, {})
    sent = _registered(front_desk, *SENT, physician_id=physician_id)
    if Intake.objects.filter(patient=sent).exists():
        return False
    made = invitations.invite(front_desk, sent.pk, {})
    user = invitations.redeem(
        made.token,
        {"username": username, "password": password, "password_again": password},
        "demo-loader",
    )
    _fill(Actor(user=user, face=Face.SYSTEM, source_address="demo-loader"), made)
    return True


def _registered(
    front_desk: Actor, mrn: str, given: str, family: str, born: date, *, physician_id: int
) -> Patient:
    found = Patient.objects.filter(mrn=mrn).first()
    if found is not None:
        return found
    return patients.register_patient(
        front_desk,
        {
            "mrn": mrn,
            "given_name": given,
            "family_name": family,
            "date_of_birth": born,
            "sex": "unknown",
            "email": f"{given.lower()}.{family.lower()}@example.org",
            "physician_id": physician_id,
        },
    )


def _fill(patient: Actor, made: Any) -> None:
    entries.save_section(
        patient,
        "contacts",
        {
            "sex": "female",
            "phone": "555-0310",
            "address": "22 Sample Street\nSpringfield, KY 00000",
            "emergency_contact_name": "Wim Onlinefirst",
            "emergency_contact_phone": "555-0311",
            "emergency_contact_relationship": "partner",
        },
    )
    entries.save_section(
        patient,
        "medicines",
        {
            "medications": [{"name": "Duloxetin 60 mg"}, {"name": "Ibuprofen 400 mg"}],
            "allergies": ["Penicillin (rash)"],
        },
    )
    entries.save_section(patient, "history", {"history_flags": ["hypertension"]})
    request_id = made.invitation.assessment_request_id
    answers = {
        "phq9": {item.id: 1 for item in registry().get("phq9").items} | {"phq9_9": 0},
        "gad7": {item.id: 1 for item in registry().get("gad7").items},
        "nrs_pain_average": {"nrs_pain_average": 7},
    }
    for instrument, given in answers.items():
        assessments.record_assessment(
            patient,
            made.invitation.patient_id,
            {
                "instrument": instrument,
                "answers": given,
                "context": "baseline",
                "request_id": request_id,
            },
        )
    entries.submit(patient)
