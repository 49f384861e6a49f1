"""Bookings: series (one row per series, one appointment row per session), single appointments,
the waitlist and its offers, reminders with their retries, and calendar feeds.

An appointment is never moved in place: a reschedule marks the row ``rescheduled`` and books a
new row that ``replaces`` it, so the history of every session stays readable. On PostgreSQL,
exclusion constraints make a double-booked chair or patient impossible (migration 0002).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

from ketaclinic.records.fields import at_least_one, ends_after_start, one_of, user_field

from .choices import AppointmentType, FeedKind, ReminderKind, ReminderStatus, Status, WaitlistStatus


class Series(models.Model):
    """A signed plan's series booked in one go at one location; its sessions are appointments.

    The rule (count, spacing, span) and the visit length are copied from the plan's protocol
    when booked, with the versions used, so a later data change never rewrites the past.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey("plans.TreatmentPlan", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.CharField(max_length=32)
    visit_min = models.PositiveIntegerField()
    sessions = models.PositiveSmallIntegerField()
    min_spacing_h = models.FloatField()
    max_spacing_h = models.FloatField()
    max_span_days = models.FloatField(null=True, blank=True)
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=32)
    policy_version = models.CharField(max_length=32)
    booked_by = user_field()
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-booked_at", "-id"]
        indexes = [models.Index(fields=["patient", "-booked_at"], name="series_patient_time")]
        constraints = [
            at_least_one("series_sessions_positive", "sessions"),
            models.CheckConstraint(
                name="series_spacing_ordered",
                condition=Q(min_spacing_h__gt=0, max_spacing_h__gte=F("min_spacing_h")),
            ),
        ]

    def __str__(self) -> str:
        return f"series {self.pk} of patient {self.patient_id} ({self.sessions} sessions)"


# Visits that hold a chair (and count toward the nurse ratio) and need a signed plan.
CHAIR_TYPES = frozenset(
    {AppointmentType.INFUSION, AppointmentType.ESKETAMINE, AppointmentType.IM_INJECTION}
)


class Appointment(models.Model):
    """One visit: a session of a series, or a single appointment (consultation, booster)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="appointments"
    )
    chair = models.ForeignKey(
        "clinics.Chair",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    room = models.ForeignKey(
        "clinics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text="A consultation's room (visits in a chair have none).",
    )
    physician = user_field(
        null=True,
        limit_choices_to={"role": "physician"},
        help_text="The physician who sees the patient at a consultation.",
    )
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    session = models.PositiveSmallIntegerField(null=True, blank=True)
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointment_type = models.CharField(max_length=32, choices=AppointmentType.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text="The appointment this one was moved from.",
    )
    note = models.CharField(max_length=500, blank=True)
    calendar_uid = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="The visit's calendar identity: random, kept when the visit is moved.",
    )
    policy_version = models.CharField(max_length=32)
    booked_by = user_field()
    booked_at = models.DateTimeField(auto_now_add=True)
    status_changed_by = user_field(null=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_time"),
            models.Index(fields=["location", "starts_at"], name="appointment_location_time"),
            models.Index(fields=["chair", "starts_at"], name="appointment_chair_time"),
            models.Index(fields=["room", "starts_at"], name="appointment_room_time"),
            models.Index(fields=["physician", "starts_at"], name="appointment_physician_time"),
        ]
        constraints = [
            ends_after_start("appointment_ends_after_start"),
            one_of("appointment_status", "status", Status),
            models.CheckConstraint(
                name="appointment_session_with_series",
                condition=Q(series__isnull=True, session__isnull=True)
                | Q(series__isnull=False, session__isnull=False),
            ),
            models.CheckConstraint(
                name="appointment_chair_for_chair_types",
                condition=Q(chair__isnull=False, appointment_type__in=sorted(CHAIR_TYPES))
                | (Q(chair__isnull=True) & ~Q(appointment_type__in=sorted(CHAIR_TYPES))),
            ),
            models.CheckConstraint(
                name="appointment_room_only_without_chair",
                condition=Q(room__isnull=True) | Q(chair__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["series", "session"],
                condition=Q(status="booked"),
                name="appointment_one_booked_per_session",
            ),
            # A moved visit's old row (rescheduled) shares its calendar identity with the new.
            models.UniqueConstraint(
                fields=["calendar_uid"],
                condition=~Q(status="rescheduled"),
                name="appointment_calendar_uid_once",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.starts_at:%Y-%m-%d %H:%M}"
        return f"{self.appointment_type} for patient {self.patient_id} at {when}"

    @property
    def is_active(self) -> bool:
        return self.status == Status.BOOKED

    @property
    def duration_min(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class WaitlistEntry(models.Model):
    """A patient who wants an earlier visit at a location, between two times."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointment_type = models.CharField(max_length=32, choices=AppointmentType.choices)
    visit_min = models.PositiveIntegerField()
    earliest = models.DateTimeField()
    latest = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["location", "status", "created_at"], name="waitlist_queue"),
            models.Index(fields=["patient", "created_at"], name="waitlist_patient_time"),
        ]
        constraints = [
            models.CheckConstraint(
                name="waitlist_window_ordered", condition=Q(latest__gt=F("earliest"))
            ),
        ]

    def __str__(self) -> str:
        return f"waitlist {self.pk}: patient {self.patient_id} at {self.location_id}"


class WaitlistOffer(models.Model):
    """A freed slot offered to the first fitting waitlist entry; e-mailed to the patient."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    chair = models.ForeignKey(
        "clinics.Chair", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    freed_by = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField(auto_now_add=True)
    booked = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declined_at = models.DateTimeField(
        null=True, blank=True, help_text="The patient said no; the slot went to the next entry."
    )

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            ends_after_start("offer_ends_after_start"),
            models.CheckConstraint(
                name="offer_booked_or_declined",
                condition=Q(booked__isnull=True) | Q(declined_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} to waitlist entry {self.entry_id}"


class Reminder(models.Model):
    """An e-mail to a patient, sent by the task queue; every attempt's outcome is kept here so
    that a failed send is retried with back-off and stays visible until someone acts."""

    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    offer = models.OneToOneField(
        WaitlistOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="reminder"
    )
    due_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    instructions_version = models.CharField(max_length=32)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="reminder_queue"),
            models.Index(fields=["patient", "due_at"], name="reminder_patient_time"),
        ]
        constraints = [
            models.CheckConstraint(
                name="reminder_has_one_subject",
                condition=Q(kind="reminder", appointment__isnull=False, offer__isnull=True)
                | Q(kind="offer", appointment__isnull=True, offer__isnull=False),
            ),
            models.CheckConstraint(
                name="reminder_sent_has_time",
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} for patient {self.patient_id}: {self.status}"


class CalendarFeed(models.Model):
    """An iCalendar feed reached by a secret URL; only the token's SHA-256 digest is kept."""

    kind = models.CharField(max_length=16, choices=FeedKind.choices)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        "clinics.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chair = models.ForeignKey(
        "clinics.Chair", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, help_text="The URL stops working then (KETACLINIC_CALENDAR_FEED_DAYS)."
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="feed_owner_time")]
        constraints = [
            models.CheckConstraint(
                name="feed_has_its_target",
                condition=Q(
                    kind="patient",
                    patient__isnull=False,
                    location__isnull=True,
                    chair__isnull=True,
                )
                | Q(
                    kind="location",
                    patient__isnull=True,
                    location__isnull=False,
                    chair__isnull=True,
                )
                | Q(kind="chair", patient__isnull=True, location__isnull=True, chair__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} feed {self.pk}"
