"""One row per (user, key): the request's fingerprint and, once done, the answer given."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the method, the path and the body."
    )
    created_at = models.DateTimeField(db_index=True)
    status_code = models.PositiveSmallIntegerField(
        null=True, help_text="Empty until the answer is recorded (within the same transaction)."
    )
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_request_per_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"
