"""Location set-up: closures, nurse shifts and the nurse ratio. A change that would leave booked
visits over the nurse ratio is refused, naming the first moment it would be broken; a new
closure over booked visits is recorded and returns them, so the front desk can move them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic import scheduling
from ketaclinic.records.accounts.models import User
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.toolkit import audits_refusals, get_or_404, validate
from ketaclinic.scheduling.verify import location_violations

from .booked import booked_visits
from .calendars import chair_key, domain_location
from .inputs import ClosureIn, LocationSettingsIn, ShiftIn
from .models import Closure, Location, StaffShift


def locations() -> QuerySet[Location]:
    """Every location with its hours and chairs (no patient data: no permission needed)."""
    return Location.objects.prefetch_related("hours", "chairs")


def get_location(location_id: int) -> Location:
    return get_or_404(locations(), location_id, "location")


CLOSURES_SHOWN = 200


@dataclass(frozen=True)
class Setup:
    """A location's set-up as its manager sees it (no patient data)."""

    location: Location
    closures: list[Closure]
    """Closures that have not ended before today, soonest first."""
    week: date
    """The Monday of the week whose nurse shifts are listed."""
    shifts: list[StaffShift]
    nurses: list[User]
    """Active nurses, who may be put on a shift."""


@audits_refusals(Action.CLINIC_CONFIGURE)
def setup(actor: Actor, location_id: int, week: date | None = None) -> Setup:
    """Hours, chairs, coming closures, one local week's nurse shifts (this week by default)."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    location = get_location(location_id)
    zone = location.zone
    today = timezone.now().astimezone(zone).date()
    monday = (week or today) - timedelta(days=(week or today).weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    closures = Closure.objects.filter(
        location=location, ends_at__gt=datetime.combine(today, time(0), tzinfo=zone)
    )
    shifts = StaffShift.objects.filter(location=location, starts_at__lt=end, ends_at__gt=start)
    return Setup(
        location,
        list(closures[:CLOSURES_SHOWN]),
        monday,
        list(shifts.select_related("nurse")),
        list(User.objects.filter(role=Role.NURSE, is_active=True).order_by("last_name", "pk")),
    )


def lock(location_id: int) -> Location:
    return get_or_404(Location.objects.select_for_update(), location_id, "location")


# The rules a set-up change must not break for visits already booked, by violation code.
RULES_GUARDED = {
    "nurse_ratio": "the nurse ratio",
    "hours": "the opening hours",
    "unknown_chair": "the chairs in use",
}


def refuse_breaks(
    location: Location,
    start: datetime,
    end: datetime | None,
    doing: str,
    code: str = "nurse_ratio",
) -> None:
    """Under the location's lock: refuse (Conflict) if booked chair visits from ``start`` (to
    ``end``, or all later ones) now break the rule ``code`` names -- the nurse ratio, opening
    hours, an active chair (the caller has made its change already, inside the transaction)."""
    rows = booked_visits(location, start, end, chair_only=True)
    if not rows:
        return
    first = min(r.starts_at for r in rows)
    last = max(r.ends_at for r in rows)
    domain = domain_location(location, first, last)
    visits = [
        scheduling.Appointment(
            str(r.patient_id),
            "",
            1,
            location.slug,
            chair_key(r.chair_id),
            "visit",
            r.starts_at,
            r.ends_at,
            location.zone,
        )
        for r in rows
    ]
    broken = [v for v in location_violations(domain, visits) if v.code == code]
    if broken:
        rule = RULES_GUARDED[code]
        raise Conflict(f"{doing} would break {rule} for booked visits: {broken[0].message}")


@dataclass(frozen=True)
class ClosureResult:
    closure: Closure
    affected: list[Any]
    """Booked visits inside the closure: the front desk must move them."""


@audits_refusals(Action.CLINIC_CONFIGURE)
def add_closure(actor: Actor, location_id: int, data: Mapping[str, Any]) -> ClosureResult:
    """Close a location for a whole local day or a span."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(ClosureIn, data)
    location = get_location(location_id)
    if fields.date is not None:
        if fields.starts_at or fields.ends_at:
            raise InvalidInput.single("date", "give a date or a span, not both")
        span = scheduling.Closure.whole_day(fields.date, location.zone, fields.reason)
        starts_at, ends_at = span.start, span.end
    elif fields.starts_at is None or fields.ends_at is None:
        raise InvalidInput.single("date", "give a date, or both starts_at and ends_at")
    else:
        starts_at, ends_at = fields.starts_at, fields.ends_at
    with transaction.atomic():
        lock(location.pk)
        closure = Closure.objects.create(
            location=location,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=fields.reason,
            created_by=actor.user,
        )
        affected = booked_visits(location, starts_at, ends_at)
        audit.record(
            actor,
            Action.CLINIC_CONFIGURE,
            obj=closure,
            detail={"closure": fields.reason, "affected": [a.pk for a in affected]},
        )
    return ClosureResult(closure, affected)


@audits_refusals(Audited.CLINIC_CLOSURE_REMOVE)
def remove_closure(actor: Actor, closure_id: int) -> None:
    authorize(actor, Action.CLINIC_CONFIGURE)
    closure = get_or_404(Closure.objects.all(), closure_id, "closure")
    with transaction.atomic():
        audit.record(
            actor, Audited.CLINIC_CLOSURE_REMOVE, obj=closure, detail={"reason": closure.reason}
        )
        closure.delete()


@audits_refusals(Action.CLINIC_CONFIGURE)
def add_shift(actor: Actor, location_id: int, data: Mapping[str, Any]) -> StaffShift:
    """Put a nurse on duty at a location."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(ShiftIn, data)
    if not User.objects.filter(pk=fields.nurse_id, role=Role.NURSE, is_active=True).exists():
        raise InvalidInput.single("nurse_id", "is not an active nurse")
    with transaction.atomic():
        location = lock(location_id)
        shift = StaffShift.objects.create(
            location=location,
            nurse_id=fields.nurse_id,
            starts_at=fields.starts_at,
            ends_at=fields.ends_at,
            created_by=actor.user,
        )
        audit.record(actor, Action.CLINIC_CONFIGURE, obj=shift, detail={"nurse": fields.nurse_id})
    return shift


@audits_refusals(Action.CLINIC_CONFIGURE)
def add_weekly_shifts(
    actor: Actor,
    location_id: int,
    nurse_id: int,
    weekly: list[tuple[int, time, time]],
    first: datetime,
    days: int,
) -> list[StaffShift]:
    """Lay a weekly pattern of one nurse's shifts over ``days`` days from ``first`` (skipping
    shifts already there): rosters for the demo and the command line."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    location = get_location(location_id)
    windows = [scheduling.WeeklyWindow(day, start, end) for day, start, end in weekly]
    calendar = scheduling.LocationCalendar(location.zone, tuple(windows))
    pattern = [scheduling.WeeklyNurseShift(window, 1) for window in windows]
    spans = scheduling.expand_weekly_shifts(pattern, calendar, first, first + timedelta(days=days))
    made = []
    with transaction.atomic():
        lock(location.pk)
        existing = set(
            StaffShift.objects.filter(location=location, nurse_id=nurse_id).values_list(
                "starts_at", "ends_at"
            )
        )
        for span in spans:
            if (span.start, span.end) in existing:
                continue
            made.append(
                StaffShift.objects.create(
                    location=location,
                    nurse_id=nurse_id,
                    starts_at=span.start,
                    ends_at=span.end,
                    created_by=actor.user,
                )
            )
        if made:
            audit.record(
                actor, Action.CLINIC_CONFIGURE, obj=location, detail={"shifts_added": len(made)}
            )
    return made


@audits_refusals(Audited.CLINIC_SHIFT_REMOVE)
def remove_shift(actor: Actor, shift_id: int) -> None:
    """Take a shift off the roster, unless booked visits would then exceed the nurse ratio."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    shift = get_or_404(StaffShift.objects.all(), shift_id, "shift")
    with transaction.atomic():
        location = lock(shift.location_id)
        audit.record(
            actor, Audited.CLINIC_SHIFT_REMOVE, obj=shift, detail={"nurse": shift.nurse_id}
        )
        shift.delete()
        refuse_breaks(location, shift.starts_at, shift.ends_at, "removing this shift")


@audits_refusals(Action.CLINIC_CONFIGURE)
def update_location(actor: Actor, location_id: int, data: Mapping[str, Any]) -> Location:
    """Change the nurse ratio or the location's own visit notes."""
    authorize(actor, Action.CLINIC_CONFIGURE)
    fields = validate(LocationSettingsIn, data)
    changes = fields.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise InvalidInput.single("body", "name at least one field to change")
    for one, other in (("latitude", "longitude"), ("longitude", "latitude")):
        if one in changes and other not in changes:
            raise InvalidInput.single(other, f"is required with {one}")
    with transaction.atomic():
        location = lock(location_id)
        for name, value in changes.items():
            setattr(location, name, value)
        location.save(update_fields=list(changes))
        if "patients_per_nurse" in changes:
            refuse_breaks(location, timezone.now(), None, "this ratio")
        audit.record(
            actor, Action.CLINIC_CONFIGURE, obj=location, detail={"changed": sorted(changes)}
        )
    return get_location(location.pk)
