"""How urgent an alert is."""

from __future__ import annotations

from django.db import models


class Severity(models.TextChoices):
    INFO = "info", "Information"
    WARNING = "warning", "Warning"
    URGENT = "urgent", "Urgent"
