"""The choices a patient record offers."""

from __future__ import annotations

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Coverage(models.TextChoices):
    """How the patient pays: a self-pay patient gets a Good Faith Estimate before care."""

    UNKNOWN = "unknown", "Not recorded"
    SELF_PAY = "self_pay", "Self-pay"
    INSURANCE = "insurance", "Insurance"


class ContactUse(models.TextChoices):
    """What a phone number or e-mail address is for (FHIR ContactPoint.use)."""

    HOME = "home", "Home"
    WORK = "work", "Work"
    MOBILE = "mobile", "Mobile"
    TEMP = "temp", "Temporary"
    OLD = "old", "No longer in use"
