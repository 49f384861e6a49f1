"""The clinic's front-door settings (one row): the rate limit per address, the least time to
fill in the web form, and whether the form offers free consultation times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.bookings.consultations import free_consultation_starts
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import audits_refusals, validate

from .inputs import FrontDoorSettingsIn
from .models import FrontDoorSettings

OFFERED_TIMES = 6


def current_settings() -> FrontDoorSettings:
    """The settings row (made with the defaults on first use)."""
    found, _ = FrontDoorSettings.objects.get_or_create(pk=1)
    return found


@audits_refusals(Audited.FRONT_DOOR_SETTINGS)
def change_settings(actor: Actor, data: Mapping[str, Any]) -> FrontDoorSettings:
    authorize(actor, Action.CLINIC_CONFIGURE)
    changes = validate(FrontDoorSettingsIn, data).model_dump(exclude_none=True)
    if not changes:
        raise InvalidInput.single("body", "name at least one setting to change")
    with transaction.atomic():
        current_settings()
        row = FrontDoorSettings.objects.select_for_update().get(pk=1)
        for name, value in changes.items():
            setattr(row, name, value)
        row.changed_by = actor.user
        row.save()
        audit.record(actor, Audited.FRONT_DOOR_SETTINGS, obj=row, detail=changes)
    return row


def free_times(location_id: int, now: datetime, count: int = OFFERED_TIMES) -> list[datetime]:
    """The next free consultation times at a location, in its zone (for the front desk)."""
    location = Location.objects.prefetch_related("hours").filter(pk=location_id).first()
    if location is None:
        return []
    starts = free_consultation_starts(location, now, count)
    return [start.astimezone(location.zone) for start in starts]


def offered_times(location_slug: str, now: datetime) -> list[datetime]:
    """Free consultation times to offer on the public form, where self-booking is on, in the
    location's zone."""
    if not location_slug or not current_settings().self_booking:
        return []
    location = Location.objects.filter(slug=location_slug).values_list("pk", flat=True).first()
    return [] if location is None else free_times(location, now)
