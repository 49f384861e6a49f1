"""A bulk export job: who asked for what, how far it got, and the files it wrote."""

from __future__ import annotations

import uuid

from django.db import models

from ketaclinic.records.fields import user_field


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BulkExport(models.Model):
    """One FHIR ``$export`` request; its files live under ``VAR_DIR/bulk-exports/<id>/``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = user_field(related_name="+")
    request_url = models.TextField()
    group = models.CharField(max_length=50, blank=True, help_text="A location's slug, or none.")
    resource_types = models.JSONField(default=list, blank=True, help_text="_type; empty: all.")
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default="queued")
    patients_total = models.PositiveIntegerField(default=0)
    patients_done = models.PositiveIntegerField(default=0)
    output = models.JSONField(default=list, blank=True, help_text="[{type, count}] when done.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="bulk_export_created")]

    def __str__(self) -> str:
        return f"bulk export {self.pk} ({self.status})"
