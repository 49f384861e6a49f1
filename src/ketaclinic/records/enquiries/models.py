"""Consultation requests from the public site, the front door's settings, and the marks that
count each client address's submissions (the rate limit, shared by every app server)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ketaclinic.records.fields import at_least_one, one_of, user_field

from .choices import RequestStatus


class ConsultationRequest(models.Model):
    """A prospective patient asked for a consultation; the front desk works the queue."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=40, blank=True)
    phone_digits = models.CharField(
        max_length=40, blank=True, help_text="The phone number's digits, to find duplicates."
    )
    email = models.CharField(max_length=254, blank=True)
    consent_to_contact = models.BooleanField()
    location = models.ForeignKey(
        "clinics.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    preferred_times = models.CharField(max_length=500, blank=True)
    preferred_start = models.DateTimeField(
        null=True, blank=True, help_text="A free consultation time the requester chose."
    )
    heard_from = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    status_changed_by = user_field(null=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_note = models.CharField(max_length=500, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The registered patient this request became or duplicates.",
    )
    appointment = models.ForeignKey(
        "bookings.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "-received_at"], name="enquiry_queue")]
        constraints = [
            models.CheckConstraint(
                name="enquiry_phone_or_email", condition=~Q(phone="") | ~Q(email="")
            ),
            models.CheckConstraint(name="enquiry_consented", condition=Q(consent_to_contact=True)),
            one_of("enquiry_status", "status", RequestStatus),
        ]

    def __str__(self) -> str:
        return f"consultation request {self.pk} ({self.status})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class FrontDoorSettings(models.Model):
    """The clinic's one row of public-site settings (``pk`` 1), changed by a manager."""

    requests_per_hour = models.PositiveSmallIntegerField(
        default=10, help_text="Consultation requests one client address may send in an hour."
    )
    min_submit_seconds = models.PositiveSmallIntegerField(
        default=3, help_text="The least time between showing the web form and sending it."
    )
    self_booking = models.BooleanField(
        default=False, help_text="Offer the nearest free consultation times on the form."
    )
    costly_requests_per_minute = models.PositiveSmallIntegerField(
        default=30,
        help_text="Costly API requests (simulations, reports, cohorts, FHIR bundles) one account,"
        " or one address without an account, may make in a minute.",
    )
    changed_by = user_field(null=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="front_door_one_row", condition=Q(pk=1)),
            at_least_one("front_door_limit_positive", "requests_per_hour"),
        ]

    def __str__(self) -> str:
        return "front-door settings"


class SubmissionMark(models.Model):
    """One counted request from a client (a keyed digest, never the address or account)."""

    address_digest = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address_digest", "at"], name="submission_address_time")]

    def __str__(self) -> str:
        return f"submission at {self.at:%Y-%m-%d %H:%M}"
