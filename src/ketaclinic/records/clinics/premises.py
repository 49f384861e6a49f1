"""Setting up the premises: a new location, its weekly hours and its chairs. A change that
would leave booked visits outside the hours or on a chair out of use is refused, naming the
first visit it would break."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import atomic_or, audits_refusals, get_or_404, validate

from .inputs import ChairChangeIn, ChairIn, HoursIn, LocationIn
from .models import Chair, Location, OpeningHours, Place, Room
from .services import get_location, lock, refuse_breaks

P = TypeVar("P", bound=Place)


@audits_refusals(Audited.CLINIC_LOCATION_CREATE)
def create_location(actor: Actor, data: Mapping[str, Any]) -> Location:
    """A new location, with no hours or chairs yet (nothing can be booked there until then)."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(LocationIn, data).model_dump(exclude_none=True)
    with atomic_or(InvalidInput.single("slug", "is already used by another location")):
        location = Location.objects.create(**fields)
        audit.record(
            actor, Audited.CLINIC_LOCATION_CREATE, obj=location, detail={"slug": location.slug}
        )
    return get_location(location.pk)


@audits_refusals(Audited.CLINIC_HOURS_SET)
def set_hours(actor: Actor, location_id: int, data: Mapping[str, Any]) -> Location:
    """Replace the location's weekly hours, unless booked visits would fall outside them."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(HoursIn, data)
    with transaction.atomic():
        location = lock(location_id)
        before = [str(h) for h in location.hours.all()]
        location.hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, **row.model_dump()) for row in fields.hours
        )
        refuse_breaks(location, timezone.now(), None, "these hours", "hours")
        audit.record(
            actor,
            Audited.CLINIC_HOURS_SET,
            obj=location,
            detail={"before": before, "after": [str(h) for h in location.hours.all()]},
        )
    return get_location(location.pk)


@audits_refusals(Audited.CLINIC_CHAIR_ADD)
def add_chair(actor: Actor, location_id: int, data: Mapping[str, Any]) -> Chair:
    return _add_place(actor, Audited.CLINIC_CHAIR_ADD, Chair, location_id, data)


@audits_refusals(Audited.CLINIC_ROOM_ADD)
def add_room(actor: Actor, location_id: int, data: Mapping[str, Any]) -> Room:
    """A consultation room: consultations book one (and a physician), never a chair."""
    return _add_place(actor, Audited.CLINIC_ROOM_ADD, Room, location_id, data)


def _add_place(
    actor: Actor, action: Audited, model: type[P], location_id: int, data: Mapping[str, Any]
) -> P:
    """A named chair or room at the location; refused if the location has one of that name."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(ChairIn, data)
    with transaction.atomic():
        location = lock(location_id)
        if model._default_manager.filter(location=location, name=fields.name).exists():
            word = model._meta.verbose_name
            raise InvalidInput.single("name", f"{location.name} already has a {word} of that name")
        place = model._default_manager.create(location=location, name=fields.name)
        audit.record(actor, action, obj=place, detail={"name": place.name})
    return place


@audits_refusals(Audited.CLINIC_CHAIR_CHANGE)
def update_chair(actor: Actor, chair_id: int, data: Mapping[str, Any]) -> Chair:
    """Rename a chair or take it in or out of use (out: refused while visits are booked on it)."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(ChairChangeIn, data)
    changes = fields.model_dump(exclude_none=True)
    if not changes:
        raise InvalidInput.single("body", "name at least one field to change")
    chair = get_or_404(Chair.objects.all(), chair_id, "chair")
    with atomic_or(InvalidInput.single("name", "another chair here already has that name")):
        location = lock(chair.location_id)
        chair = Chair.objects.get(pk=chair_id)
        for name, value in changes.items():
            setattr(chair, name, value)
        chair.save(update_fields=list(changes))
        if changes.get("active") is False:
            refuse_breaks(
                location,
                timezone.now(),
                None,
                f"taking {chair.name} out of use",
                "unknown_chair",
            )
        audit.record(actor, Audited.CLINIC_CHAIR_CHANGE, obj=chair, detail={"changed": changes})
    return chair
