"""When an assessment was taken, and who entered it."""

from __future__ import annotations

from django.db import models


class Context(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    PRE_INFUSION = "pre_infusion", "Before an infusion"
    DURING_INFUSION = "during_infusion", "During an infusion"
    POST_INFUSION = "post_infusion", "After an infusion"
    FOLLOW_UP = "follow_up", "Follow-up"


class EnteredBy(models.TextChoices):
    STAFF = "staff", "Staff"
    PATIENT = "patient", "Patient"
