"""Clinic locations: weekly opening hours, closures, infusion chairs, nurse shifts and the
nurse-to-patient ratio."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from ketaclinic.records.fields import at_least_one, ends_after_start, has_text, user_field

from .choices import Weekday


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone")


def default_patients_per_nurse() -> int:
    """The scheduling policy's ratio (data/scheduling.toml: 1 nurse : 4, clinic policy)."""
    from ketaclinic.scheduling import scheduling_policy

    return scheduling_policy().patients_per_nurse


class Location(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    patients_per_nurse = models.PositiveSmallIntegerField(
        default=default_patients_per_nurse,
        help_text="Patients in chairs per nurse on shift (clinic policy; default 1 : 4).",
    )
    visit_instructions = models.TextField(
        blank=True,
        help_text="This location's own pre-visit notes (parking, what to bring), added to the "
        "clinic's standard instructions in every reminder.",
    )
    latitude = models.FloatField(
        null=True, blank=True, help_text="Decimal degrees (WGS 84), for the public finder."
    )
    longitude = models.FloatField(null=True, blank=True, help_text="Decimal degrees (WGS 84).")

    class Meta:
        ordering = ["name"]
        constraints = [
            at_least_one("location_ratio_positive", "patients_per_nurse"),
            models.CheckConstraint(
                name="location_coordinates",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OpeningHours(models.Model):
    """One opening period on a weekday, in the location's local time."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["location", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                name="hours_open_before_close", condition=Q(opens_at__lt=F("closes_at"))
            ),
            models.UniqueConstraint(
                fields=["location", "weekday", "opens_at"], name="hours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class Closure(models.Model):
    """The location is closed over [starts_at, ends_at): a holiday, training day or repair."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "starts_at"]
        indexes = [models.Index(fields=["location", "starts_at"], name="closure_location_time")]
        constraints = [
            ends_after_start("closure_ends_after_start"),
            has_text("closure_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.location.name} closed {self.starts_at:%Y-%m-%d %H:%M}: {self.reason}"


class Place(models.Model):
    """A named resource at a location, booked by time (a chair or a room)."""

    location: models.ForeignKey[Location, Location]
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="%(class)s_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.location.name} — {self.name}"


class Chair(Place):
    """An infusion chair or room: a resource of its own, booked by time."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="chairs")

    class Meta(Place.Meta):
        pass


class Room(Place):
    """A consultation room: a physician sees a patient here (no chair, no nurse)."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")

    class Meta(Place.Meta):
        pass


class StaffShift(models.Model):
    """A nurse on duty at a location over [starts_at, ends_at); shifts set the nurse ratio."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="shifts")
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="shifts",
        limit_choices_to={"role": "nurse"},
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "starts_at", "id"]
        indexes = [models.Index(fields=["location", "starts_at"], name="shift_location_time")]
        constraints = [
            ends_after_start("shift_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"nurse {self.nurse_id} at {self.location_id} from {self.starts_at:%Y-%m-%d %H:%M}"
