"""The states of a consultation request in the front-desk queue."""

from __future__ import annotations

from django.db import models


class RequestStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"
    DUPLICATE = "duplicate", "Duplicate"
