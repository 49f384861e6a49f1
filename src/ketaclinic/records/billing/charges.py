"""Charges post from completed care, never typed by hand: a signed, discharged session (an
infusion: CPT 96365 and 96366 for each additional hour by the time infused, the drug's HCPCS
J3490 as the price list codes it; an IM dose: 96372) and a consultation seen to its end. The
amounts and codes are the price list's in effect at the location on the day of service. A
session of a patient with a prepaid package uses one of its infusions instead of a charge.
Where no price is in effect, nothing is charged and the manager's worklist says so: billing
never blocks the signing of a clinical record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.bookings.choices import AppointmentType, Status
from ketaclinic.records.bookings.models import Appointment
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict
from ketaclinic.records.pricing.choices import PriceKind
from ketaclinic.records.pricing.lookups import NoPrice, price_on
from ketaclinic.records.pricing.models import PriceItem
from ketaclinic.records.sessions.common import load_timeline
from ketaclinic.records.sessions.models import Session
from ketaclinic.records.toolkit import attempt, authorize_on, get_or_404, local_date
from ketaclinic.sessions import State

from .choices import EntryKind
from .models import CompletedVisit, Entry, Package, PackageUse
from .policy import infusion_hours
from .worklist import check_overruns, warn_unpriced

ROUTE_KINDS = {"iv_infusion": PriceKind.INFUSION, "im": PriceKind.IM_DOSE}


@dataclass(frozen=True)
class Line:
    item: PriceItem
    quantity: int


def session_lines(session: Session, day: date, infused_min: float) -> list[Line]:
    """What a completed session bills, from the price list in effect on ``day``; ``NoPrice``
    when a price is missing."""
    kind = ROUTE_KINDS.get(session.route)
    if kind is None:
        raise NoPrice(f"no price kind bills the {session.route} route")
    if kind == PriceKind.IM_DOSE:
        return [Line(price_on(session.location, kind, day, session.protocol_id), 1)]
    initial, additional = infusion_hours(infused_min)
    if not initial:
        raise NoPrice(
            f"the infusion ran {infused_min:.0f} min, which is reported as a push (CPT 96374), "
            "not as an infusion"
        )
    lines = [Line(_infusion_item(session, day), 1)]
    if additional:
        lines.append(Line(price_on(session.location, PriceKind.ADDITIONAL_HOUR, day), additional))
    return lines


def _infusion_item(session: Session, day: date) -> PriceItem:
    """A single infusion outside a series is a booster when the list prices boosters."""
    appointment = session.appointment
    if appointment is not None and appointment.series_id is None:
        try:
            return price_on(session.location, PriceKind.BOOSTER, day, session.protocol_id)
        except NoPrice:
            pass
    return price_on(session.location, PriceKind.INFUSION, day, session.protocol_id)


def post_session_charges(actor: Actor, session_id: int) -> list[Entry]:
    """Called inside the signing transaction (``sessions.signals.session_signed``): charge a
    discharged session, or use a prepaid infusion; nothing for a cancelled one; once."""
    session = Session.objects.select_related("location", "appointment", "order").get(pk=session_id)
    timeline = load_timeline(session)
    if timeline.state != State.DISCHARGED:
        return []
    if (
        Entry.objects.filter(session=session).exists()
        or PackageUse.objects.filter(session=session).exists()
    ):
        return []
    day = session.order.session_on
    if session.route == "iv_infusion" and _use_package(actor, session, day):
        return []
    try:
        lines = session_lines(session, day, timeline.infused_min)
    except NoPrice as error:
        warn_unpriced(
            actor,
            session.patient_id,
            session.location,
            day,
            f"The session of {day.isoformat()} was not charged: {error}.",
        )
        return []
    return post_lines(actor, lines, day, session=session, appointment=session.appointment)


def _use_package(actor: Actor, session: Session, day: date) -> bool:
    """Use one infusion of the patient's oldest package with infusions left, if any."""
    held = Package.objects.select_for_update().filter(patient_id=session.patient_id)
    for package in held.order_by("sold_at", "id"):  # locked: two sessions never share one
        used = package.uses.count()
        if used >= package.infusions:
            continue
        use = PackageUse.objects.create(package=package, session=session, service_on=day)
        audit.record(
            actor,
            Audited.BILLING_PACKAGE_USE,
            obj=use,
            patient_id=session.patient_id,
            detail={"package": package.pk, "left": package.infusions - used - 1},
        )
        return True
    return False


def post_lines(
    actor: Actor,
    lines: list[Line],
    day: date,
    *,
    session: Session | None = None,
    appointment: Appointment | None = None,
    package: Package | None = None,
) -> list[Entry]:
    """One charge entry per priced line (a free line is not charged), one audit entry."""
    first = session or appointment or package
    assert first is not None
    patient_id = first.patient_id
    location = first.location
    entries = [
        Entry.objects.create(
            patient_id=patient_id,
            location=location,
            kind=EntryKind.CHARGE,
            amount_cents=line.item.amount_cents * line.quantity,
            owed_cents=line.item.amount_cents * line.quantity,
            code=line.item.code,
            codes=list(line.item.codes),
            description=line.item.label,
            quantity=line.quantity,
            unit_cents=line.item.amount_cents,
            price_source=_source(line.item),
            service_on=day,
            session=session,
            appointment=appointment,
            package=package,
            recorded_by=actor.user,
        )
        for line in lines
        if line.item.amount_cents > 0
    ]
    audit.record(
        actor,
        Audited.BILLING_CHARGE_POST,
        obj=first,
        patient_id=patient_id,
        detail={"lines": [[e.code, e.quantity, e.unit_cents] for e in entries]},
    )
    check_overruns(actor, patient_id, day)
    return entries


def _source(item: PriceItem) -> str:
    price_list = item.price_list
    return f"price list v{price_list.version} from {price_list.effective_from.isoformat()}"


def complete_consultation(actor: Actor, appointment_id: int) -> list[Entry]:
    """A consultation seen to its end: marked done (once) and charged from the price list on
    its local date. Infusion and IM visits are charged when their session is signed."""
    patient_id = authorize_on(
        actor, Action.VISIT_COMPLETE, Appointment, appointment_id, "patient_id"
    )
    with attempt(actor, Action.VISIT_COMPLETE, what="consultation", patient_id=patient_id):
        appointment = get_or_404(
            Appointment.objects.select_related("location"), appointment_id, "appointment"
        )
        if appointment.appointment_type != AppointmentType.CONSULTATION:
            raise Conflict(
                f"a {appointment.get_appointment_type_display().lower()} visit is charged when "
                "its session is signed"
            )
        if appointment.status != Status.BOOKED:
            raise Conflict(f"the consultation is {appointment.get_status_display().lower()}")
        if appointment.starts_at > timezone.now():
            raise Conflict("the consultation has not started yet")
        day = local_date(appointment.starts_at, appointment.location.zone)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    completion = CompletedVisit.objects.create(
                        appointment=appointment, completed_by=actor.user
                    )
            except IntegrityError:
                raise Conflict("the consultation is already marked done") from None
            audit.record(actor, Action.VISIT_COMPLETE, obj=completion, patient_id=patient_id)
            try:
                item = price_on(appointment.location, PriceKind.CONSULTATION, day)
            except NoPrice as error:
                warn_unpriced(
                    actor,
                    appointment.patient_id,
                    appointment.location,
                    day,
                    f"The consultation of {day.isoformat()} was not charged: {error}.",
                )
                return []
            return post_lines(actor, [Line(item, 1)], day, appointment=appointment)


def consultations_to_complete(patient_id: int) -> list[Appointment]:
    """The patient's booked consultations that have started and are not marked done yet
    (internal: callers authorize)."""
    return list(
        Appointment.objects.filter(
            patient_id=patient_id,
            appointment_type=AppointmentType.CONSULTATION,
            status=Status.BOOKED,
            starts_at__lte=timezone.now(),
            completion__isnull=True,
        )
        .select_related("location")
        .order_by("-starts_at")[:10]
    )
