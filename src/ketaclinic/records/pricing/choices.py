"""What a price item is for, and what an estimate covers."""

from __future__ import annotations

from django.db import models


class PriceKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    INFUSION = "infusion", "Infusion"
    ADDITIONAL_HOUR = "additional_hour", "Each additional infusion hour"
    IM_DOSE = "im_dose", "IM injection"
    BOOSTER = "booster", "Booster infusion"
    PACKAGE = "package", "Infusion series (package)"


class EstimateBasis(models.TextChoices):
    BOOKED = "booked", "Booked care"
    PLANNED = "planned", "Planned care"
    STANDARD_COURSE = "standard_course", "The clinic's standard course"
    ITEMS = "items", "Items chosen by the clinic"
