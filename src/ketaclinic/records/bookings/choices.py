"""The kinds and states of visits, waitlist entries, reminders and calendar feeds."""

from __future__ import annotations

from django.db import models


class AppointmentType(models.TextChoices):
    INFUSION = "infusion", "Infusion"
    ESKETAMINE = "esketamine", "Esketamine nasal spray"
    IM_INJECTION = "im_injection", "IM injection"
    CONSULTATION = "consultation", "Consultation"
    FOLLOW_UP_CALL = "follow_up_call", "Follow-up call"


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    RESCHEDULED = "rescheduled", "Rescheduled"
    NO_SHOW = "no_show", "No-show"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a slot"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", "Appointment reminder with instructions"
    OFFER = "offer", "Waitlist offer"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class FeedKind(models.TextChoices):
    PATIENT = "patient", "A patient's appointments"
    LOCATION = "location", "A location's appointments"
    CHAIR = "chair", "One chair's appointments"
