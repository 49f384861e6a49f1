"""The kinds of billing entries and the ways a patient pays."""

from __future__ import annotations

from django.db import models


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    DEPOSIT = "deposit", "Deposit"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"


class Method(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card (external terminal)"


# Entries that lower what the patient owes (money in) and those that raise it.
MONEY_IN = frozenset({EntryKind.PAYMENT, EntryKind.DEPOSIT})


class WarningKind(models.TextChoices):
    OVERRUN = "overrun", "Billed charges exceed the Good Faith Estimate"
    UNPRICED = "unpriced", "A completed visit has no price to charge"
