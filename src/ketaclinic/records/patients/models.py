"""Patients: identity, contacts, clinical lists, and a dated history of weight and height."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ketaclinic.records.fields import user_field

from .choices import ContactUse, Coverage, Sex
from .limits import HEIGHT_CM_MAX, HEIGHT_CM_MIN, WEIGHT_KG_MAX


class Patient(models.Model):
    mrn = models.CharField("medical record number", max_length=64, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)
    other_given_names = models.JSONField(
        default=list, blank=True, help_text="Given names after the first (middle names), in order."
    )
    phone_use = models.CharField(max_length=8, choices=ContactUse.choices, blank=True)
    email_use = models.CharField(max_length=8, choices=ContactUse.choices, blank=True)
    address_lines = models.JSONField(default=list, blank=True, help_text="Street lines, in order.")
    address_city = models.CharField(max_length=100, blank=True)
    address_state = models.CharField(max_length=100, blank=True)
    address_postal_code = models.CharField(max_length=20, blank=True)
    address_country = models.CharField(max_length=100, blank=True)
    preferred_language = models.CharField(
        max_length=35, blank=True, help_text="A BCP-47 language tag, e.g. en-US or es."
    )
    interpreter_needed = models.BooleanField(null=True, blank=True)
    other_identifiers = models.JSONField(
        default=list,
        blank=True,
        help_text="Identifiers other systems give the patient (system, value, type code and text).",
    )
    allergies = models.JSONField(default=list, blank=True)
    medications = models.JSONField(default=list, blank=True)
    history_flags = models.JSONField(default=list, blank=True)
    coverage = models.CharField(
        max_length=16,
        choices=Coverage.choices,
        default=Coverage.UNKNOWN,
        help_text="Self-pay patients get a Good Faith Estimate when their care is booked.",
    )
    physician = user_field(
        null=True,
        limit_choices_to={"role": "physician"},
        help_text="The responsible physician: alerts about this patient are addressed to them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [models.Index(fields=["family_name", "given_name"], name="patient_name")]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class BodyMeasurement(models.Model):
    """A weight and/or height taken at a moment; the history is never overwritten."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measurements")
    measured_at = models.DateTimeField()
    weight_kg = models.FloatField(null=True, blank=True)
    height_cm = models.FloatField(null=True, blank=True)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-measured_at"], name="measurement_patient_time")
        ]
        constraints = [
            models.CheckConstraint(
                name="measurement_has_value",
                condition=Q(weight_kg__isnull=False) | Q(height_cm__isnull=False),
            ),
            models.CheckConstraint(
                name="weight_kg_in_range",
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gt=0, weight_kg__lte=WEIGHT_KG_MAX),
            ),
            models.CheckConstraint(
                name="height_cm_in_range",
                condition=Q(height_cm__isnull=True)
                | Q(height_cm__gte=HEIGHT_CM_MIN, height_cm__lte=HEIGHT_CM_MAX),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} at {self.measured_at:%Y-%m-%d}"
