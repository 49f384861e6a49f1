"""Assessments: scored questionnaires and clinical scores, signed when submitted and never
edited (a correction is an amendment: a new row pointing at the one it corrects); and
requests asking a patient to complete a bundle of them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from ketaclinic.records.append_only import AppendOnlyModel, AppendOnlyQuerySet
from ketaclinic.records.fields import amendment_has_reason, amends_field, one_of, user_field

from .choices import Context, EnteredBy


class AssessmentRequest(AppendOnlyModel):
    """Staff ask a patient to complete a bundle; completion is derived from the assessments
    submitted against the request."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessment_requests"
    )
    bundle_id = models.CharField(max_length=64)
    bundle_version = models.CharField(max_length=32)
    instruments = models.JSONField(help_text="The bundle's instrument ids, in order, as asked.")
    context = models.CharField(max_length=20, choices=Context.choices, default=Context.BASELINE)
    due_on = models.DateField(null=True, blank=True)
    requested_by = user_field()
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-requested_at"], name="assessment_request_patient")
        ]
        constraints = [
            one_of("assessment_request_context", "context", Context),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id} for patient {self.patient_id}"


class RequestWithdrawal(AppendOnlyModel):
    """Staff withdraw a request the patient will not complete (an abandoned intake, a bundle
    asked in error); the request stays on record and stops counting as open."""

    request = models.OneToOneField(
        AssessmentRequest, on_delete=models.PROTECT, related_name="withdrawal"
    )
    reason = models.TextField()
    withdrawn_by = user_field()
    withdrawn_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"withdrawal of request {self.request_id}"


class AssessmentQuerySet(AppendOnlyQuerySet):
    def current(self) -> AssessmentQuerySet:
        """Assessments that no amendment supersedes."""
        return self.filter(amendment__isnull=True)


AssessmentManager = models.Manager.from_queryset(AssessmentQuerySet)


class Assessment(AppendOnlyModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    instrument_id = models.CharField(max_length=64)
    instrument_version = models.CharField(max_length=32)
    context = models.CharField(max_length=20, choices=Context.choices)
    completed_at = models.DateTimeField()
    answers = models.JSONField(help_text="By item id; null = unanswered.")
    total = models.FloatField(null=True, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    band_code = models.CharField(max_length=64, blank=True)
    band_label = models.CharField(max_length=200, blank=True)
    valid = models.BooleanField()
    invalid_reasons = models.JSONField(default=list, blank=True)
    criteria = models.JSONField(null=True, blank=True)
    alerts = models.JSONField(default=list, blank=True)
    entered_by = models.CharField(max_length=10, choices=EnteredBy.choices)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)
    request = models.ForeignKey(
        AssessmentRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    amends = amends_field("assessment")
    amendment_reason = models.TextField(blank=True)

    objects: ClassVar[AssessmentManager] = AssessmentManager()

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-completed_at"], name="assessment_patient_time"),
            models.Index(
                fields=["patient", "instrument_id", "-completed_at"],
                name="assessment_patient_instrument",
            ),
        ]
        constraints = [
            one_of("assessment_context", "context", Context),
            one_of("assessment_entered_by", "entered_by", EnteredBy),
            models.CheckConstraint(
                name="assessment_total_when_valid",
                condition=Q(valid=True, total__isnull=False) | Q(valid=False, total__isnull=True),
            ),
            models.CheckConstraint(
                name="assessment_band_when_valid", condition=Q(valid=True) | Q(band_code="")
            ),
            amendment_has_reason("assessment_amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} for patient {self.patient_id} at {self.completed_at:%Y-%m-%d}"

    @property
    def urgent(self) -> bool:
        return any(alert.get("severity") == "urgent" for alert in self.alerts)
