"""Scheduling endpoints: locations and their set-up (hours, chairs, closures, nurse shifts,
ratio), the day board and chair utilisation."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ketaclinic.records.bookings import board as boards
from ketaclinic.records.clinics import premises, services
from ketaclinic.records.clinics.inputs import (
    ChairChangeIn,
    ChairIn,
    ClosureIn,
    HoursIn,
    LocationIn,
    LocationSettingsIn,
    ShiftIn,
)

from .auth import actor
from .errors import ERRORS
from .params import Day

if TYPE_CHECKING:
    from ketaclinic.records.clinics.models import Chair, Closure, Location, StaffShift

router = Router(tags=["scheduling"])


class HoursOut(Schema):
    weekday: int
    opens_at: time
    closes_at: time


class ChairOut(Schema):
    id: int
    name: str
    active: bool


class LocationOut(Schema):
    id: int
    slug: str
    name: str
    time_zone: str
    address: str
    phone: str
    patients_per_nurse: int
    visit_instructions: str
    latitude: float | None
    longitude: float | None
    hours: list[HoursOut]
    chairs: list[ChairOut]

    @staticmethod
    def resolve_hours(obj: Location) -> list[Any]:
        return list(obj.hours.all())

    @staticmethod
    def resolve_chairs(obj: Location) -> list[Any]:
        return list(obj.chairs.all())


class ClosureOut(Schema):
    id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


class ClosureResultOut(Schema):
    closure: ClosureOut
    affected_appointment_ids: list[int]


class ShiftOut(Schema):
    id: int
    location_id: int
    nurse_id: int
    starts_at: datetime
    ends_at: datetime


class BoardVisitOut(Schema):
    appointment_id: int
    patient_id: int
    patient: str
    chair_id: int | None
    appointment_type: str
    session: int | None
    sessions: int | None
    status: str
    starts_at: datetime
    ends_at: datetime


class DayUseOut(Schema):
    day: date
    open_chair_min: int
    booked_chair_min: int
    ratio: float | None


class BoardOut(Schema):
    location_id: int
    day: date
    time_zone: str
    chairs: list[ChairOut]
    visits: list[BoardVisitOut]
    nurses_on_shift: list[ShiftOut]
    peak_patients: int
    capacity_at_peak: int
    utilisation: DayUseOut


class BoardQuery(Schema):
    day: Day


class UtilisationQuery(Schema):
    start: Day
    end: Day


@router.get("/locations", response={200: list[LocationOut], **ERRORS})
def list_locations(request: HttpRequest) -> list[Location]:
    """Every location with its hours (local time, weekday 0 = Monday) and chairs."""
    return list(services.locations())


@router.get("/locations/{location_id}", response={200: LocationOut, **ERRORS})
def get_location(request: HttpRequest, location_id: int) -> Location:
    return services.get_location(location_id)


@router.post("/locations", response={201: LocationOut, **ERRORS})
def create_location(request: HttpRequest, data: LocationIn) -> Status[Location]:
    """A new location (managers); set its hours and chairs next."""
    return Status(
        201, premises.create_location(actor(request), data.model_dump(exclude_unset=True))
    )


@router.put("/locations/{location_id}/hours", response={200: LocationOut, **ERRORS})
def set_hours(request: HttpRequest, location_id: int, data: HoursIn) -> Location:
    """Replace the weekly hours (local time, weekday 0 = Monday); 409 if booked visits would
    fall outside them."""
    return premises.set_hours(actor(request), location_id, data.model_dump())


@router.post("/locations/{location_id}/chairs", response={201: ChairOut, **ERRORS})
def add_chair(request: HttpRequest, location_id: int, data: ChairIn) -> Status[Chair]:
    return Status(201, premises.add_chair(actor(request), location_id, data.model_dump()))


@router.patch("/chairs/{chair_id}", response={200: ChairOut, **ERRORS})
def update_chair(request: HttpRequest, chair_id: int, data: ChairChangeIn) -> Chair:
    """Rename a chair or take it out of use; 409 while visits are booked on it."""
    return premises.update_chair(actor(request), chair_id, data.model_dump(exclude_unset=True))


@router.patch("/locations/{location_id}", response={200: LocationOut, **ERRORS})
def update_location(request: HttpRequest, location_id: int, data: LocationSettingsIn) -> Location:
    """Change the nurse ratio, the location's visit notes or its ``latitude`` and ``longitude``
    (together; managers); 409 if booked visits would exceed the new ratio."""
    return services.update_location(
        actor(request), location_id, data.model_dump(exclude_unset=True)
    )


@router.post("/locations/{location_id}/closures", response={201: ClosureResultOut, **ERRORS})
def add_closure(request: HttpRequest, location_id: int, data: ClosureIn) -> Status[dict[str, Any]]:
    """Close for a local ``date`` or a span; returns the booked visits inside it, to move."""
    result = services.add_closure(actor(request), location_id, data.model_dump(exclude_unset=True))
    return Status(
        201,
        {
            "closure": result.closure,
            "affected_appointment_ids": [a.pk for a in result.affected],
        },
    )


@router.get("/locations/{location_id}/closures", response={200: list[ClosureOut], **ERRORS})
def list_closures(request: HttpRequest, location_id: int) -> list[Closure]:
    return list(services.get_location(location_id).closures.all()[:500])


@router.delete("/closures/{closure_id}", response={204: None, **ERRORS})
def remove_closure(request: HttpRequest, closure_id: int) -> Status[None]:
    services.remove_closure(actor(request), closure_id)
    return Status(204, None)


@router.post("/locations/{location_id}/shifts", response={201: ShiftOut, **ERRORS})
def add_shift(request: HttpRequest, location_id: int, data: ShiftIn) -> Status[StaffShift]:
    """Put a nurse on duty (managers)."""
    return Status(201, services.add_shift(actor(request), location_id, data.model_dump()))


@router.delete("/shifts/{shift_id}", response={204: None, **ERRORS})
def remove_shift(request: HttpRequest, shift_id: int) -> Status[None]:
    """Take a shift off; 409 if booked visits would then exceed the nurse ratio."""
    services.remove_shift(actor(request), shift_id)
    return Status(204, None)


def _board_visit(board: boards.Board, visit: Any) -> dict[str, Any]:
    patient = visit.patient
    return {
        "appointment_id": visit.pk,
        "patient_id": patient.pk,
        "patient": f"{patient.family_name}, {patient.given_name}",
        "chair_id": visit.chair_id,
        "appointment_type": visit.appointment_type,
        "session": visit.session,
        "sessions": visit.series.sessions if visit.series else None,
        "status": visit.status,
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
    }


@router.get("/locations/{location_id}/board", response={200: BoardOut, **ERRORS})
def day_board(request: HttpRequest, location_id: int, query: Query[BoardQuery]) -> dict[str, Any]:
    """Who is in which chair on a local day, with status, nurses on shift and utilisation."""
    board = boards.day_board(actor(request), location_id, query.day)
    visits = [v.appointment for column in board.columns for v in column.visits]
    visits += board.without_chair
    return {
        "location_id": board.location.pk,
        "day": board.day,
        "time_zone": board.location.time_zone,
        "chairs": [column.chair for column in board.columns],
        "visits": [_board_visit(board, v) for v in sorted(visits, key=lambda v: v.starts_at)],
        "nurses_on_shift": board.shifts,
        "peak_patients": board.peak_patients,
        "capacity_at_peak": board.capacity_at_peak,
        "utilisation": _use(board.use),
    }


def _use(use: boards.DayUse) -> dict[str, Any]:
    return {
        "day": use.day,
        "open_chair_min": use.open_chair_min,
        "booked_chair_min": use.booked_chair_min,
        "ratio": use.ratio,
    }


@router.get("/locations/{location_id}/utilisation", response={200: list[DayUseOut], **ERRORS})
def utilisation(
    request: HttpRequest, location_id: int, query: Query[UtilisationQuery]
) -> list[dict[str, Any]]:
    """Booked over open chair minutes per local day, ``start`` to ``end`` inclusive."""
    days = boards.utilisation(actor(request), location_id, query.start, query.end)
    return [_use(use) for use in days]
