"""Booking endpoints: series proposals and bookings, single appointments, reschedule, cancel,
no-show, the waitlist, reminders and calendar feeds. A clash answers 409 with the slot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ketaclinic.records.bookings import feeds, reminders, services, waitlist
from ketaclinic.records.bookings.checks import SlotConflict
from ketaclinic.records.bookings.inputs import (
    AppointmentIn,
    CancelIn,
    FeedIn,
    ProposalIn,
    RescheduleIn,
    SeriesIn,
    WaitlistIn,
)

from .auth import actor
from .errors import ERRORS, ErrorOut
from .params import Day

if TYPE_CHECKING:
    from ketaclinic.records.bookings.models import (
        Appointment,
        CalendarFeed,
        Reminder,
        WaitlistEntry,
    )

router = Router(tags=["bookings"])
patient_router = Router(tags=["bookings"])
T = TypeVar("T")


class SlotOut(Schema):
    chair_id: int
    chair: str
    starts_at: datetime
    ends_at: datetime


class ClashOut(ErrorOut):
    slot: SlotOut | None = None


# Every booking write may clash: 409 carries the slot in the way when it is a chair.
BOOKING_ERRORS: dict[int, type[ErrorOut]] = {**ERRORS, 409: ClashOut}


def _clash(write: Callable[[], T]) -> T | Status[dict[str, Any]]:
    try:
        return write()
    except SlotConflict as clash:
        slot = clash.slot
        return Status(
            409,
            {
                "detail": str(clash),
                "errors": [],
                "slot": {
                    "chair_id": slot.chair_id,
                    "chair": slot.chair,
                    "starts_at": slot.starts_at,
                    "ends_at": slot.ends_at,
                },
            },
        )


class AppointmentOut(Schema):
    id: int
    patient_id: int
    location_id: int
    chair_id: int | None
    chair: str | None
    room_id: int | None
    room: str | None
    physician_id: int | None
    series_id: int | None
    session: int | None
    plan_id: int | None
    appointment_type: str
    starts_at: datetime
    ends_at: datetime
    status: str
    replaces_id: int | None
    status_reason: str

    @staticmethod
    def resolve_chair(obj: Appointment) -> str | None:
        return obj.chair.name if obj.chair else None

    @staticmethod
    def resolve_room(obj: Appointment) -> str | None:
        return obj.room.name if obj.room else None


class SeriesOut(Schema):
    id: int
    patient_id: int
    plan_id: int
    location_id: int
    appointment_type: str
    visit_min: int
    sessions: int
    min_spacing_h: float
    max_spacing_h: float
    max_span_days: float | None
    protocol_id: str
    protocol_version: str
    policy_version: str
    booked_at: datetime
    appointments: list[AppointmentOut]


class ReasonOut(Schema):
    code: str
    message: str


class ProposedOut(Schema):
    session: int
    chair_id: int
    chair: str
    starts_at: datetime
    ends_at: datetime


class ProposalOut(Schema):
    found: bool
    sessions: list[ProposedOut]
    reasons: list[ReasonOut]
    candidate_counts: dict[str, int]
    visit_min: int
    not_before: datetime
    not_after: datetime


class PlanChoiceOut(Schema):
    plan_id: int
    protocol_name: str
    sessions: int
    visit_min: int
    visit_label: str
    signed_at: datetime


class DeclinedOut(Schema):
    declined_offer_id: int
    next_offer_id: int | None
    """The offer the slot went to next, if another entry fits it."""


class WaitlistOut(Schema):
    id: int
    patient_id: int
    location_id: int
    plan_id: int | None
    appointment_type: str
    visit_min: int
    earliest: datetime
    latest: datetime
    status: str
    note: str
    offer_ids: list[int]

    @staticmethod
    def resolve_offer_ids(obj: WaitlistEntry) -> list[int]:
        return [offer.pk for offer in obj.offers.all()]


class ReminderOut(Schema):
    id: int
    kind: str
    patient_id: int
    appointment_id: int | None
    due_at: datetime
    next_attempt_at: datetime
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None


class RunOut(Schema):
    tried: int
    sent: int
    failed: int
    pending: int


class FeedOut(Schema):
    id: int
    kind: str
    patient_id: int | None
    location_id: int | None
    chair_id: int | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class NewFeedOut(FeedOut):
    url: str
    """The secret URL: shown once."""


class ReminderQuery(Schema):
    status: str = "failed"


class WaitlistQuery(Schema):
    location_id: int | None = None
    status: str | None = None
    """waiting, offered, booked or withdrawn; default waiting and offered."""


class FreeSlotsQuery(Schema):
    days: int = 14
    start: Day | None = None


class FreeSlotOut(Schema):
    chair_id: int
    chair: str
    starts_at: datetime
    ends_at: datetime


class FreeSlotsOut(Schema):
    appointment_id: int
    not_before: datetime
    not_after: datetime
    spacing_from: datetime | None
    spacing_until: datetime | None
    slots: list[FreeSlotOut]


class AppointmentQuery(Schema):
    upcoming_only: bool = False


def _series(detail: services.SeriesDetail) -> dict[str, Any]:
    series = detail.series
    return {
        **{
            name: getattr(series, name) for name in SeriesOut.model_fields if name != "appointments"
        },
        "appointments": detail.appointments,
    }


@router.post("/proposals", response={200: ProposalOut, **ERRORS})
def propose(request: HttpRequest, data: ProposalIn) -> dict[str, Any]:
    """The earliest series the patient's signed plan allows at a location (nothing is booked);
    when none fits, ``reasons`` say why."""
    proposal = services.propose(actor(request), data.model_dump(exclude_unset=True))
    return {
        "found": proposal.found,
        "sessions": [
            {
                "session": s.session,
                "chair_id": s.chair.pk,
                "chair": s.chair.name,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
            }
            for s in proposal.sessions
        ],
        "reasons": [{"code": r.code, "message": r.message} for r in proposal.reasons],
        "candidate_counts": dict(proposal.candidate_counts),
        "visit_min": proposal.plan_visit.visit.duration_min,
        "not_before": proposal.not_before,
        "not_after": proposal.not_after,
    }


@router.post("/series", response={201: SeriesOut, **BOOKING_ERRORS})
def book_series(request: HttpRequest, data: SeriesIn) -> Any:
    """Book every session of a signed plan's series in one go; 409 names the slot in the way."""
    who = actor(request)

    def write() -> Status[dict[str, Any]]:
        series = services.book_series(who, data.model_dump())
        return Status(201, _series(services.get_series(who, series.pk)))

    return _clash(write)


@router.get("/series/{series_id}", response={200: SeriesOut, **ERRORS})
def get_series(request: HttpRequest, series_id: int) -> dict[str, Any]:
    """A series with every row (moved and cancelled sessions too)."""
    return _series(services.get_series(actor(request), series_id))


@router.post("/series/{series_id}/cancel", response={200: SeriesOut, **ERRORS})
def cancel_series(request: HttpRequest, series_id: int, data: CancelIn) -> dict[str, Any]:
    """Cancel every future session of a series."""
    who = actor(request)
    services.cancel_series(who, series_id, data.model_dump())
    return _series(services.get_series(who, series_id))


@router.post("/appointments", response={201: AppointmentOut, **BOOKING_ERRORS})
def book_appointment(request: HttpRequest, data: AppointmentIn) -> Any:
    """Book one visit: a consultation or call, or a treatment visit of a signed plan."""
    who = actor(request)
    return _clash(
        lambda: Status(201, services.book_appointment(who, data.model_dump(exclude_unset=True)))
    )


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    return services.get_appointment(actor(request), appointment_id)


@router.post(
    "/appointments/{appointment_id}/reschedule", response={200: AppointmentOut, **BOOKING_ERRORS}
)
def reschedule(request: HttpRequest, appointment_id: int, data: RescheduleIn) -> Any:
    """Move a visit (a session must keep its series valid; 422 says why not); returns the new
    appointment, which ``replaces`` the old."""
    who = actor(request)
    return _clash(
        lambda: services.reschedule(who, appointment_id, data.model_dump(exclude_unset=True))
    )


@router.get("/appointments/{appointment_id}/free-slots", response={200: FreeSlotsOut, **ERRORS})
def free_slots(
    request: HttpRequest, appointment_id: int, query: Query[FreeSlotsQuery]
) -> dict[str, Any]:
    """Where a chair visit could move over ``days`` days (from ``start``, a local date, or the
    earliest allowed): every slot listed is one ``reschedule`` accepts, its own chair first.
    ``spacing_from``/``spacing_until`` bound a series session by its neighbours."""
    found = services.free_slots(actor(request), appointment_id, query.model_dump(exclude_none=True))
    return {
        "appointment_id": found.appointment.pk,
        "not_before": found.not_before,
        "not_after": found.not_after,
        "spacing_from": found.spacing_from,
        "spacing_until": found.spacing_until,
        "slots": [
            {
                "chair_id": slot.chair.pk,
                "chair": slot.chair.name,
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
            }
            for slot in found.slots
        ],
    }


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel(request: HttpRequest, appointment_id: int, data: CancelIn) -> Appointment:
    return services.cancel(actor(request), appointment_id, data.model_dump())


@router.post("/appointments/{appointment_id}/no-show", response={200: AppointmentOut, **ERRORS})
def no_show(request: HttpRequest, appointment_id: int, data: CancelIn) -> Appointment:
    return services.mark_no_show(actor(request), appointment_id, data.model_dump())


@patient_router.get("/{patient_id}/appointments", response={200: list[AppointmentOut], **ERRORS})
def patient_appointments(
    request: HttpRequest, patient_id: int, query: Query[AppointmentQuery]
) -> list[Appointment]:
    """A patient's appointments, every status, soonest first."""
    return services.list_appointments(actor(request), patient_id, upcoming_only=query.upcoming_only)


@patient_router.get("/{patient_id}/bookable-plans", response={200: list[PlanChoiceOut], **ERRORS})
def bookable_plans(request: HttpRequest, patient_id: int) -> list[services.PlanChoice]:
    """The signed plan a series may be booked for, with its visit length (no doses)."""
    return services.bookable_plans(actor(request), patient_id)


@router.get("/waitlist", response={200: list[WaitlistOut], **ERRORS})
def list_waitlist(request: HttpRequest, query: Query[WaitlistQuery]) -> list[WaitlistEntry]:
    return list(waitlist.entries(actor(request), query.location_id, query.status))


@router.post("/waitlist", response={201: WaitlistOut, **ERRORS})
def add_to_waitlist(request: HttpRequest, data: WaitlistIn) -> Status[WaitlistEntry]:
    """A freed slot that fits is offered (recorded and e-mailed) to the oldest entry first."""
    return Status(201, waitlist.add(actor(request), data.model_dump(exclude_unset=True)))


@router.post("/waitlist/{entry_id}/withdraw", response={200: WaitlistOut, **ERRORS})
def withdraw(request: HttpRequest, entry_id: int) -> WaitlistEntry:
    return waitlist.withdraw(actor(request), entry_id)


@router.post("/waitlist/offers/{offer_id}/book", response={201: AppointmentOut, **BOOKING_ERRORS})
def book_offer(request: HttpRequest, offer_id: int) -> Any:
    """The patient accepted the offered slot: book it (409 if it was taken meanwhile)."""
    who = actor(request)
    return _clash(lambda: Status(201, waitlist.book_offer(who, offer_id)))


@router.post("/waitlist/offers/{offer_id}/decline", response={200: DeclinedOut, **ERRORS})
def decline_offer(request: HttpRequest, offer_id: int) -> dict[str, Any]:
    """The patient said no: the entry waits again and the slot goes to the next entry."""
    passed_on = waitlist.decline_offer(actor(request), offer_id)
    return {"declined_offer_id": offer_id, "next_offer_id": passed_on.pk if passed_on else None}


@router.get("/reminders", response={200: list[ReminderOut], **ERRORS})
def list_reminders(request: HttpRequest, query: Query[ReminderQuery]) -> list[Reminder]:
    """Failed (``status=failed``) or pending reminders and offers, for follow-up."""
    return list(reminders.list_reminders(actor(request), query.status)[:200])


@router.post("/reminders/{reminder_id}/retry", response={200: ReminderOut, **ERRORS})
def retry_reminder(request: HttpRequest, reminder_id: int) -> Reminder:
    return reminders.retry(actor(request), reminder_id)


@router.post("/calendar-feeds", response={201: NewFeedOut, **ERRORS})
def create_feed(request: HttpRequest, data: FeedIn) -> Status[dict[str, Any]]:
    """A secret iCalendar URL for a patient's (a patient: their own), a location's or a chair's
    appointments; the URL is shown only now."""
    made = feeds.create_feed(actor(request), data.model_dump(exclude_unset=True))
    feed = made.feed
    url = request.build_absolute_uri(f"/calendar/{made.token}.ics")
    return Status(201, {**{n: getattr(feed, n) for n in FeedOut.model_fields}, "url": url})


@router.get("/calendar-feeds", response={200: list[FeedOut], **ERRORS})
def list_feeds(request: HttpRequest) -> list[CalendarFeed]:
    """Your feeds that still work."""
    return list(feeds.my_feeds(actor(request)))


@router.delete("/calendar-feeds/{feed_id}", response={204: None, **ERRORS})
def revoke_feed(request: HttpRequest, feed_id: int) -> Status[None]:
    feeds.revoke_feed(actor(request), feed_id)
    return Status(204, None)
