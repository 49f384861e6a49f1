"""Demo data for consent and results: the demo patient with a signed plan has signed the
plan's consent (on the clinic tablet, countersigned and witnessed) and has a liver test on
record. Idempotent: a patient who already has a consent to the protocol, or a result, keeps
what they have."""

from __future__ import annotations

from django.utils import timezone

from ketaclinic.protocols.consent import consent_document
from ketaclinic.records.consents import services as consents
from ketaclinic.records.consents.models import Consent
from ketaclinic.records.context import Actor
from ketaclinic.records.results import services as results
from ketaclinic.records.results.models import TestResult

from .models import TreatmentPlan

DEMO_RESULT = {"test": "alt", "value": 24, "unit": "U/L", "reference_low": 7, "reference_high": 56}
WITNESS = "Noor Demo-Nurse"


def load_consent_and_results(physician: Actor) -> None:
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
            consents.countersign(physician, consent.pk, {"witness_name": WITNESS})
        if not TestResult.objects.filter(patient=patient).exists():
            results.record_result(
                physician, patient.pk, {**DEMO_RESULT, "taken_on": timezone.localdate()}
            )
