"""Online intake: the single-use invitation link, and what the patient entered through it.

Only a SHA-256 digest of an invitation's token is stored; the link itself is shown once, to
the member of staff who made it. What the patient enters is kept here, marked as theirs,
until a physician or nurse confirms it into the patient's record."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ketaclinic.records.fields import one_of, user_field

from .choices import IntakeStatus


class Invitation(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intake_invitations"
    )
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a newer invitation replaces this one."
    )
    assessment_request = models.ForeignKey(
        "assessments.AssessmentRequest",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The baseline questionnaires asked with the invitation.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="intake_invitation_patient")
        ]

    def __str__(self) -> str:
        return f"intake invitation {self.pk} for patient {self.patient_id}"


class Intake(models.Model):
    """One patient's intake as they entered it, section by section (``entries``), until a
    clinician confirms it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intakes"
    )
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="intake")
    status = models.CharField(
        max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.IN_PROGRESS
    )
    entries = models.JSONField(default=dict, blank=True, help_text="By section; patient-entered.")
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = user_field(null=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="intake_status_time")]
        constraints = [
            one_of("intake_status", "status", IntakeStatus),
            models.CheckConstraint(
                name="intake_confirmed_has_who",
                condition=~Q(status=IntakeStatus.CONFIRMED)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"intake {self.pk} of patient {self.patient_id}"
