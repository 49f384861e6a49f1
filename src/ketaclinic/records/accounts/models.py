"""Accounts: a user with one role; a patient account is linked to exactly one patient."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import Role


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices)
    patient = models.OneToOneField(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
        help_text="Set for patient accounts only: the one record this account may see.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="patient_account_has_patient",
                condition=(models.Q(role="patient") & models.Q(patient__isnull=False))
                | (~models.Q(role="patient") & models.Q(patient__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} for {self.user_id}"


class PasswordResetLink(models.Model):
    """A one-time link a manager issues so that a user sets a new password; only the SHA-256
    digest of its secret is stored; it expires and works once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reset_links"
    )
    digest = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when issued by the system actor (an operator at the command line).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reset link {self.pk} for {self.user_id}"
