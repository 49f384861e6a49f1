"""A physician's booster decision and the reasons a patient stops the programme."""

from __future__ import annotations

from django.db import models


class BoosterChoice(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class DiscontinuationReason(models.TextChoices):
    SIDE_EFFECTS = "side_effects", "Side effects"
    NO_BENEFIT = "no_benefit", "No benefit"
    PATIENT_CHOICE = "patient_choice", "Patient's choice"
    COST = "cost", "Cost or coverage"
    MEDICAL = "medical", "Medical reason (contraindication, other illness)"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"
    OTHER = "other", "Other"
