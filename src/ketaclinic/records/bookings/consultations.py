"""A consultation holds a physician and a consultation room, never a chair (nor a nurse).

Called under the location's booking lock: the physician and room named are checked free over
the visit; when none is named, the first free one is taken. A location without rooms set up
books consultations without a room (its manager adds rooms on the location page); a clinic
without physician accounts books them without a physician.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ketaclinic import scheduling
from ketaclinic.records.accounts.models import User
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.clinics.calendars import domain_location
from ketaclinic.records.clinics.models import Location, Room
from ketaclinic.records.errors import Conflict, InvalidInput

from .models import Appointment, Status

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class Staffing:
    physician: User | None
    room: Room | None


def _busy(start: datetime, end: datetime, exclude: Sequence[int]) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        status=Status.BOOKED, starts_at__lt=end, ends_at__gt=start
    ).exclude(pk__in=exclude)


def staff_consultation(
    location: Location,
    start: datetime,
    end: datetime,
    physician_id: int | None,
    room_id: int | None,
    exclude: Sequence[int] = (),
) -> Staffing:
    """The physician and room for a consultation over [start, end); call under the lock."""
    busy = _busy(start, end, exclude)
    rooms = Room.objects.filter(location=location, active=True).order_by("name", "pk")
    taken_rooms = busy.filter(room__isnull=False).values("room_id")
    if room_id is not None:
        room = rooms.filter(pk=room_id).first()
        if room is None:
            raise InvalidInput.single(
                "room_id", f"is not a consultation room in use at {location.name}"
            )
        if busy.filter(room=room).exists():
            raise Conflict(f"{room.name} is already booked then")
    else:
        room = rooms.exclude(pk__in=taken_rooms).first()
        if room is None and rooms.exists():
            raise Conflict(f"no consultation room is free then at {location.name}")
    physicians = User.objects.filter(role=Role.PHYSICIAN, is_active=True).order_by("pk")
    taken_physicians = busy.filter(physician__isnull=False).values("physician_id")
    if physician_id is not None:
        physician = physicians.filter(pk=physician_id).first()
        if physician is None:
            raise InvalidInput.single("physician_id", "is not an active physician")
        if busy.filter(physician=physician).exists():
            raise Conflict(f"{physician.get_full_name() or physician.username} is booked then")
    else:
        physician = physicians.exclude(pk__in=taken_physicians).first()
        if physician is None and physicians.exists():
            raise Conflict("no physician is free then")
    return Staffing(physician, room)


OFFER_STEP = timedelta(minutes=30)
OFFER_DAYS = 14


def free_consultation_starts(location: Location, after: datetime, count: int) -> list[datetime]:
    """The first ``count`` consultation starts after ``after`` (on the half hour, within the
    location's hours, outside closures) at which a room and a physician are free."""
    length = timedelta(minutes=scheduling.consultation().duration_min)
    first = after.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    last = first + timedelta(days=OFFER_DAYS)
    calendar = domain_location(location, first, last).calendar
    rooms = Room.objects.filter(location=location, active=True).count()
    physicians = User.objects.filter(role=Role.PHYSICIAN, is_active=True).count()
    booked = list(
        Appointment.objects.filter(status=Status.BOOKED, starts_at__lt=last, ends_at__gt=first)
        .filter(Q(room__location=location) | Q(physician__isnull=False))
        .values_list("starts_at", "ends_at", "room_id", "room__location_id", "physician_id")
    )
    found: list[datetime] = []
    start = first
    while start < last and len(found) < count:
        end = start + length
        lower, upper = scheduling.TimeRange(start, end).epoch_s
        if calendar.within_hours(lower, upper) and calendar.closure_over(lower, upper) is None:
            over = [row for row in booked if row[0] < end and row[1] > start]
            rooms_taken = len({row[2] for row in over if row[3] == location.pk})
            physicians_taken = len({row[4] for row in over if row[4] is not None})
            if (not rooms or rooms_taken < rooms) and (
                not physicians or physicians_taken < physicians
            ):
                found.append(start)
        start += OFFER_STEP
    return found
