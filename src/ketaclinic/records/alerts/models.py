"""Clinical alerts: raised by the records (a questionnaire answer, a vital sign), shown until a
clinician acknowledges them with a note. Neither an alert nor its acknowledgement is edited."""

from __future__ import annotations

from django.db import models

from ketaclinic.records.fields import user_field

from .choices import Severity


class Alert(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="alerts")
    code = models.CharField(
        max_length=64, help_text="What raised it, e.g. phq9.item9 or vitals.sbp_high."
    )
    message = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    suggested_action = models.TextField(blank=True)
    source_type = models.CharField(
        max_length=64, help_text="The record that raised it, as app.model."
    )
    source_id = models.CharField(max_length=64)
    addressed_to = user_field(
        null=True,
        help_text="The patient's responsible physician when one is set; else every clinician.",
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    raised_by = user_field()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["patient", "-raised_at"], name="alert_patient_time")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.code} for patient {self.patient_id}"


class Acknowledgement(models.Model):
    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="acknowledgement")
    acknowledged_by = user_field()
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="acknowledgement_has_note", condition=~models.Q(note=""))
        ]

    def __str__(self) -> str:
        return f"acknowledgement of alert {self.alert_id}"


class AlertNote(models.Model):
    """What a clinician did about an alert addressed to someone else (a nurse's note on an
    alert for the physician); the alert stays open until its addressee closes it."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="notes")
    written_by = user_field()
    written_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField()

    class Meta:
        ordering = ["written_at", "id"]
        constraints = [
            models.CheckConstraint(name="alert_note_has_text", condition=~models.Q(note=""))
        ]

    def __str__(self) -> str:
        return f"note on alert {self.alert_id}"
