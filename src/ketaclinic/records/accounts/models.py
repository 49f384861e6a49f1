"""Accounts: a user with one role; a patient account is linked to exactly one patient."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from ketaclinic.records.fields import has_text

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


class TotpDevice(models.Model):
    """A user's authenticator (TOTP, RFC 6238): its shared secret, confirmed once the user
    entered a code from it, and the last time step accepted (no code is accepted twice)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"authenticator of {self.user_id}"


class RecoveryCode(models.Model):
    """A single-use code for when the authenticator is lost; only its SHA-256 digest is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk} of {self.user_id}"


class RestrictedRecord(models.Model):
    """A patient record outside every staff member's normal reach (a colleague's, a public
    figure's) but its care team's: anyone else opens it with emergency access and a reason."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="restriction"
    )
    reason = models.TextField()
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    restricted_at = models.DateTimeField(auto_now_add=True)
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="restricted_records"
    )

    def __str__(self) -> str:
        return f"restricted record {self.patient_id}"


class EmergencyAccess(models.Model):
    """A clinician's time-limited emergency access to one restricted record, with the reason;
    a manager reviews each one afterwards."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "patient", "expires_at"])]
        constraints = [
            has_text("emergency_access_has_reason"),
        ]

    def __str__(self) -> str:
        return f"emergency access of {self.user_id} to {self.patient_id}"


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
