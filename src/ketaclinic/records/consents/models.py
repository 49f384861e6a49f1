"""Informed consent: the patient's signature on one version of a protocol's consent document,
and the clinician's countersignature (with a witness where the clinic requires one). Both are
written once; a new version or another protocol needs a new signature."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.records.accounts.fields import credential_field, meaning_field
from ketaclinic.records.append_only import AppendOnlyModel
from ketaclinic.records.fields import one_of


class SignedVia(models.TextChoices):
    PORTAL = "portal", "Patient portal"
    TABLET = "tablet", "Clinic tablet"


class Consent(AppendOnlyModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    protocol_id = models.CharField(max_length=64)
    document_version = models.CharField(max_length=32)
    document = models.JSONField(help_text="The words signed: title and sections, as shown.")
    signed_name = models.CharField(max_length=200, help_text="The name the patient typed.")
    signed_via = models.CharField(max_length=10, choices=SignedVia.choices)
    signed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_on = models.DateField()

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "protocol_id"], name="consent_patient")]
        constraints = [
            one_of("consent_signed_via", "signed_via", SignedVia),
        ]

    def __str__(self) -> str:
        return f"consent to {self.protocol_id} ({self.document_version}) by {self.patient_id}"


class Countersignature(AppendOnlyModel):
    consent = models.OneToOneField(
        Consent, on_delete=models.PROTECT, related_name="countersignature"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField()
    meaning = meaning_field("co_signed")
    credential = credential_field()

    def __str__(self) -> str:
        return f"countersignature of consent {self.consent_id}"
