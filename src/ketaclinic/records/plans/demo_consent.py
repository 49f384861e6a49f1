"""Demo data for consent and results: the demo patient with a signed plan has signed the
plan's consent (on the clinic tablet, countersigned and witnessed) and has a liver test on
record. Idempotent: a patient who already has a consent to the protocol, or a result, keeps
what they have."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from ketaclinic.protocols.consent import consent_document
from ketaclinic.records.consents import services as consents
from ketaclinic.records.consents.models import Consent
from ketaclinic.records.context import Actor
from ketaclinic.records.results import services as results
from ketaclinic.records.results.models import TestResult

from .models import TreatmentPlan

DEMO_RESULT = {"test": "alt", "value": 24, "unit": "U/L", "reference_low": 7, "reference_high": 56}
# Synthetic normal results for whatever a demo screening asks for before a plan is signed.
NORMAL_RESULTS: dict[str, dict[str, Any]] = {
    "ecg": {"code": "normal"},
    "alt": DEMO_RESULT,
    "ast": {"value": 20, "unit": "U/L", "reference_low": 8, "reference_high": 48},
    "bilirubin": {"value": 9, "unit": "umol/L", "reference_low": 3, "reference_high": 21},
    "pregnancy_test": {"code": "negative"},
    "urinalysis": {"code": "normal"},
}
WITNESS = "Noor Demo-Nurse"


def signed(actor: Actor, passwords: Mapping[str, str]) -> dict[str, str]:
    """The body part that signs as ``actor``: the demo login's password, re-entered."""
    return {"password": passwords.get(actor.user.get_username(), "")}


def load_consent_and_results(physician: Actor, passwords: Mapping[str, str]) -> None:
    plans = TreatmentPlan.objects.current().filter(patient__mrn__startswith="DEMO-")
    for plan in plans.select_related("patient"):
        patient = plan.patient
        if not Consent.objects.filter(patient=patient, protocol_id=plan.protocol_id).exists():
            document = consent_document(plan.protocol_id)
            consent = consents.sign_consent(
                physician,
                patient.pk,
                {
                    "protocol": plan.protocol_id,
                    "document_version": document.version,
                    "signed_name": f"{patient.given_name} {patient.family_name}",
                    "agree": True,
                    "via": "tablet",
                },
            )
            consents.countersign(
                physician, consent.pk, {"witness_name": WITNESS, **signed(physician, passwords)}
            )
        if not TestResult.objects.filter(patient=patient).exists():
            results.record_result(
                physician, patient.pk, {**DEMO_RESULT, "taken_on": timezone.localdate()}
            )


def record_required_results(physician: Actor, patient_id: int, required: Iterable[str]) -> None:
    """Normal results, taken today, for the laboratory tests and ECG a demo patient's screening
    asks for (other checks it lists, such as the urinary symptom screen, are not results)."""
    for test in (name for name in required if name in NORMAL_RESULTS):
        normal = {key: value for key, value in NORMAL_RESULTS[test].items() if key != "test"}
        results.record_result(
            physician, patient_id, {"test": test, **normal, "taken_on": timezone.localdate()}
        )
