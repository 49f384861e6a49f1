"""The audit trail: one append-only, chained row per access to patient data, per change, per
denial; the chain heads and their checkpoints (``chain``, ``checkpoints``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ketaclinic.records.append_only import AppendOnlyError, AppendOnlyModel
from ketaclinic.records.fields import user_field

from .chain import ChainedModel, ChainHead
from .choices import Outcome

__all__ = ["AppendOnlyError", "AuditEvent", "ChainHead", "Checkpoint", "Outcome"]


class AuditEvent(ChainedModel):
    chain = "audit"
    chained_fields = (
        "occurred_at",
        "actor",
        "username",
        "role",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "patient_id",
        "face",
        "source_address",
        "detail",
    )

    # Set before the row is hashed (``auto_now_add`` would set it after).
    occurred_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = user_field(null=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    face = models.CharField(max_length=10)
    source_address = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["patient_id", "occurred_at"], name="audit_patient_time"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"


class Checkpoint(AppendOnlyModel):
    """A chain's head as it was at ``taken_at``: verification finds that entry unchanged."""

    chain = models.CharField(max_length=32)
    entry_id = models.BigIntegerField(null=True, blank=True)
    entry_hash = models.CharField(max_length=64)
    taken_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"{self.chain} checkpoint at entry {self.entry_id} ({self.taken_at:%Y-%m-%d %H:%M})"
