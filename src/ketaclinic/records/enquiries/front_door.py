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


def offered_times(location_slug: str, now: datetime) -> list[datetime]:
    """Free consultation times to offer on the public form, where self-booking is on."""
    if not location_slug or not current_settings().self_booking:
        return []
    location = Location.objects.prefetch_related("hours").filter(slug=location_slug).first()
    if location is None:
        return []
    return free_consultation_starts(location, now, OFFERED_TIMES)
