"""The day board of a location (chairs × time: who is where, and in what state) and chair
utilisation (booked chair time over open chair time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketaclinic import scheduling
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.calendars import domain_location
from ketaclinic.records.clinics.models import Chair, Location, StaffShift
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import get_or_404

from .models import Appointment, Status

UTILISATION_DAYS_MAX = 92


@dataclass(frozen=True)
class BoardVisit:
    appointment: Appointment
    row: int
    """First row (1-based, after the header) the visit covers."""
    rows: int


@dataclass(frozen=True)
class BoardColumn:
    chair: Chair
    visits: list[BoardVisit]


@dataclass(frozen=True)
class DayUse:
    day: date
    open_chair_min: int
    booked_chair_min: int

    @property
    def ratio(self) -> float | None:
        return self.booked_chair_min / self.open_chair_min if self.open_chair_min else None


@dataclass(frozen=True)
class Board:
    location: Location
    day: date
    times: list[datetime]
    """The local start of each row."""
    slot_min: int
    columns: list[BoardColumn]
    without_chair: list[Appointment]
    shifts: list[StaffShift]
    peak_patients: int
    nurses_at_peak: int
    use: DayUse

    @property
    def capacity_at_peak(self) -> int:
        return self.nurses_at_peak * self.location.patients_per_nurse


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 h on a daylight-saving change)."""
    return (
        datetime.combine(day, time(0), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
    )


def _location(location_id: int) -> Location:
    return get_or_404(Location.objects.prefetch_related("hours"), location_id, "location")


def _day_use(location: Location, day: date, visits: list[Appointment], chairs: int) -> DayUse:
    start, end = day_bounds(day, location.zone)
    calendar = domain_location(location, start, end).calendar
    open_ranges = calendar.open_ranges(start, end)
    open_min = sum(int((r.end - r.start).total_seconds() // 60) for r in open_ranges)
    booked = 0
    for visit in visits:
        if visit.chair_id is None or visit.status != Status.BOOKED:
            continue
        for span in open_ranges:
            overlap = min(visit.ends_at, span.end) - max(visit.starts_at, span.start)
            booked += max(0, int(overlap.total_seconds() // 60))
    return DayUse(day, open_min * chairs, booked)


def _peak(visits: list[Appointment], shifts: list[StaffShift]) -> tuple[int, int]:
    """The most patients in chairs at once, and the nurses on shift at that moment."""
    chaired = [v for v in visits if v.chair_id is not None and v.status == Status.BOOKED]
    best = (0, 0)
    for moment in sorted({v.starts_at for v in chaired}):
        patients = sum(1 for v in chaired if v.starts_at <= moment < v.ends_at)
        nurses = len({s.nurse_id for s in shifts if s.starts_at <= moment < s.ends_at})
        best = max(best, (patients, -nurses))
    return best[0], -best[1]


def day_board(actor: Actor, location_id: int, day: date) -> Board:
    """Chairs × time for one local day at a location; audited with the patients shown."""
    authorize(actor, Action.BOARD_VIEW)
    location = _location(location_id)
    zone = location.zone
    start, end = day_bounds(day, zone)
    chairs = list(Chair.objects.filter(location=location, active=True))
    visits = list(
        Appointment.objects.filter(location=location, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=Status.RESCHEDULED)
        .select_related("patient", "chair", "series")
        .order_by("starts_at", "id")
    )
    shifts = list(
        StaffShift.objects.filter(location=location, starts_at__lt=end, ends_at__gt=start)
        .select_related("nurse")
        .order_by("starts_at")
    )
    slot_min = scheduling.scheduling_policy().slot_min
    slot = timedelta(minutes=slot_min)
    calendar = domain_location(location, start, end).calendar
    opening = calendar.open_ranges(start, end)
    edges = [r.start for r in opening] + [r.end for r in opening]
    edges += [max(v.starts_at, start) for v in visits] + [min(v.ends_at, end) for v in visits]
    times: list[datetime] = []
    if edges:
        first = min(edges).astimezone(zone)
        first = first.replace(minute=first.minute - first.minute % slot_min, second=0)
        moment = first
        while moment < max(edges):
            times.append(moment.astimezone(zone))
            moment += slot
    columns = []
    for chair in chairs:
        placed = []
        for visit in visits:
            if visit.chair_id != chair.pk or visit.status == Status.CANCELLED:
                continue
            row = int((max(visit.starts_at, times[0]) - times[0]) // slot)
            span = max(1, -(-(min(visit.ends_at, end) - max(visit.starts_at, times[0])) // slot))
            placed.append(BoardVisit(visit, row + 2, int(span)))
        columns.append(BoardColumn(chair, placed))
    peak, nurses = _peak(visits, shifts)
    board = Board(
        location=location,
        day=day,
        times=times,
        slot_min=slot_min,
        columns=columns,
        without_chair=[v for v in visits if v.chair_id is None],
        shifts=shifts,
        peak_patients=peak,
        nurses_at_peak=nurses,
        use=_day_use(location, day, visits, len(chairs)),
    )
    audit.record(
        actor,
        Action.BOARD_VIEW,
        obj=location,
        detail={"day": day.isoformat(), "patients": sorted({v.patient_id for v in visits})},
    )
    return board


def utilisation(actor: Actor, location_id: int, first: date, last: date) -> list[DayUse]:
    """Booked over open chair minutes for each local day from ``first`` to ``last``."""
    authorize(actor, Action.BOARD_VIEW)
    if last < first:
        raise InvalidInput.single("end", "must not be before start")
    if (last - first).days >= UTILISATION_DAYS_MAX:
        raise InvalidInput.single("end", f"at most {UTILISATION_DAYS_MAX} days at a time")
    location = _location(location_id)
    chairs = Chair.objects.filter(location=location, active=True).count()
    start, _ = day_bounds(first, location.zone)
    _, end = day_bounds(last, location.zone)
    visits = list(
        Appointment.objects.filter(
            location=location, status=Status.BOOKED, starts_at__lt=end, ends_at__gt=start
        ).only("chair_id", "status", "starts_at", "ends_at")
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    result = []
    for day in days:
        lower, upper = day_bounds(day, location.zone)
        today = [v for v in visits if v.starts_at < upper and v.ends_at > lower]
        result.append(_day_use(location, day, today, chairs))
    audit.record(
        actor,
        Audited.BOARD_UTILISATION,
        obj=location,
        detail={"first": first.isoformat(), "last": last.isoformat()},
    )
    return result
