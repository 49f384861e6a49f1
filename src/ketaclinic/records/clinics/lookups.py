"""Reads of the clinic's premises that the faces show beside other records (pickers,
confirmation messages). They hold no patient data, so they are neither permission-checked
beyond the log-in nor audited."""

from __future__ import annotations

from ketaclinic.records.errors import NotFound

from .models import Chair, Closure, Location, Room, StaffShift


def locations() -> list[Location]:
    """Every clinic location, by name."""
    return list(Location.objects.order_by("name"))


def active_chairs(location_id: int | None = None) -> list[Chair]:
    """The chairs in use (at one location when given), each with its location."""
    chairs = Chair.objects.filter(active=True).select_related("location")
    if location_id is not None:
        chairs = chairs.filter(location_id=location_id)
    return list(chairs)


def chair(chair_id: int) -> Chair:
    found = Chair.objects.filter(pk=chair_id).first()
    if found is None:
        raise NotFound("no such chair")
    return found


def closure(closure_id: int) -> Closure:
    found = Closure.objects.filter(pk=closure_id).first()
    if found is None:
        raise NotFound("no such closure")
    return found


def shift(shift_id: int) -> StaffShift:
    """The nurse's shift, with its location."""
    found = StaffShift.objects.select_related("location").filter(pk=shift_id).first()
    if found is None:
        raise NotFound("no such shift")
    return found


def active_rooms(location_id: int | None = None) -> list[Room]:
    """The consultation rooms in use (at one location when given), each with its location."""
    rooms = Room.objects.filter(active=True).select_related("location")
    if location_id is not None:
        rooms = rooms.filter(location_id=location_id)
    return list(rooms)
