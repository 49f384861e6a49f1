"""The states of a patient's online intake and the parts it is filled in by."""

from __future__ import annotations

from django.db import models


class IntakeStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "Being filled in by the patient"
    SUBMITTED = "submitted", "Sent by the patient: awaiting review"
    CONFIRMED = "confirmed", "Confirmed by a clinician"


class Section(models.TextChoices):
    """The parts of the intake form, in the order the patient fills them in."""

    CONTACTS = "contacts", "About you and your contacts"
    MEDICINES = "medicines", "Medicines and allergies"
    HISTORY = "history", "Your medical history"
