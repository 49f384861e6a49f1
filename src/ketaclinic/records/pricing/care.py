"""What an estimate quotes: the care a patient has booked or planned (or the clinic's standard
course), priced on one price list as estimate lines. ``total_cents`` is always the sum of
quantity × amount_cents over the lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache

from django.utils import timezone

from ketaclinic.core import load_toml
from ketaclinic.protocols import get_protocol
from ketaclinic.records.bookings.choices import AppointmentType, Status
from ketaclinic.records.bookings.models import Appointment, Series
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.plans.models import TreatmentPlan
from ketaclinic.records.toolkit import local_date

from .choices import EstimateBasis, PriceKind
from .codes import additional_hours
from .lookups import NoPrice, item_in
from .models import PriceList


class Shape(StrEnum):
    """How care is priced: a visit, a series of infusions (packages where they fit), a single
    infusion (booster) or IM doses."""

    CONSULTATION = "consultation"
    SERIES = "series"
    BOOSTER = "booster"
    IM_DOSES = "im_doses"


@dataclass(frozen=True)
class Care:
    shape: Shape
    count: int
    protocol: str = ""
    duration_min: float = 0
    dates: tuple[date, ...] = ()
    location_id: int | None = None


@dataclass(frozen=True)
class Line:
    kind: PriceKind
    description: str
    code: str
    codes: tuple[str, ...]
    quantity: int
    amount_cents: int
    service_date: date | None = None

    @property
    def line_cents(self) -> int:
        return self.quantity * self.amount_cents


@dataclass
class Quote:
    basis: EstimateBasis
    care: list[Care] = field(default_factory=list)
    series_id: int | None = None


def total_cents(lines: Iterable[Line]) -> int:
    return sum(line.line_cents for line in lines)


def _line(
    price_list: PriceList, kind: PriceKind, care: Care, quantity: int, note: str = ""
) -> Line:
    item = item_in(price_list, kind, care.protocol or None)
    description = item.label + (f" — {note}" if note else "")
    return Line(
        kind=kind,
        description=description,
        code=item.code,
        codes=tuple(item.codes),
        quantity=quantity,
        amount_cents=item.amount_cents,
        service_date=care.dates[0] if care.dates else None,
    )


def _dates(care: Care) -> str:
    if not care.dates:
        return "dates not yet scheduled"
    if len(care.dates) == 1:
        return care.dates[0].isoformat()
    return f"{care.dates[0].isoformat()} to {care.dates[-1].isoformat()}"


def _package(price_list: PriceList, care: Care) -> int | None:
    """Infusions per package for the care's protocol, or None when the list has none."""
    try:
        return item_in(price_list, PriceKind.PACKAGE, care.protocol or None).sessions
    except NoPrice:
        return None


def lines_for(price_list: PriceList, care: Care) -> list[Line]:
    """The priced lines of one piece of care (``NoPrice`` when the list lacks a price)."""
    when = _dates(care)
    if care.shape == Shape.CONSULTATION:
        return [_line(price_list, PriceKind.CONSULTATION, care, care.count, when)]
    if care.shape == Shape.IM_DOSES:
        return [_line(price_list, PriceKind.IM_DOSE, care, care.count, when)]
    lines: list[Line] = []
    if care.shape == Shape.BOOSTER:
        lines.append(_line(price_list, PriceKind.BOOSTER, care, care.count, when))
    else:
        per_package = _package(price_list, care)
        packages, single = divmod(care.count, per_package) if per_package else (0, care.count)
        if packages:
            lines.append(_line(price_list, PriceKind.PACKAGE, care, packages, when))
        if single:
            lines.append(_line(price_list, PriceKind.INFUSION, care, single, when))
    hours = additional_hours(care.duration_min)
    if hours:
        note = f"{hours} per infusion of {care.duration_min:g} min"
        lines.append(_line(price_list, PriceKind.ADDITIONAL_HOUR, care, hours * care.count, note))
    return lines


def price(price_list: PriceList, care: Sequence[Care]) -> list[Line]:
    return [line for piece in care for line in lines_for(price_list, piece)]


# -- what the patient has booked and planned -------------------------------------------------


def _shape_of(appointment_type: str, in_series: bool) -> Shape | None:
    if appointment_type == AppointmentType.CONSULTATION:
        return Shape.CONSULTATION
    if appointment_type == AppointmentType.IM_INJECTION:
        return Shape.IM_DOSES
    if appointment_type == AppointmentType.INFUSION:
        return Shape.SERIES if in_series else Shape.BOOSTER
    if appointment_type == AppointmentType.ESKETAMINE:
        raise NoPrice("the clinic's price lists have no price for esketamine nasal spray visits")
    return None  # follow-up calls are not charged


def _duration(plan: TreatmentPlan | None, protocol: str) -> float:
    if plan is not None:
        return float(plan.duration_min)
    return float(get_protocol(protocol).duration_min.value) if protocol else 0.0


def booked_care(patient_id: int, series_id: int | None = None) -> list[Care]:
    """The patient's booked visits still to come (or one series' visits), grouped: each series
    is one piece of care, single visits of one kind at one protocol another."""
    rows = (
        Appointment.objects.filter(
            patient_id=patient_id, status=Status.BOOKED, starts_at__gte=timezone.now()
        )
        .select_related("location", "plan", "series")
        .order_by("starts_at", "id")
    )
    if series_id is not None:
        rows = rows.filter(series_id=series_id)
    groups: dict[tuple[object, ...], list[Appointment]] = {}
    for row in rows:
        key = (row.series_id or 0, row.appointment_type, row.plan_id or 0, row.location_id)
        groups.setdefault(key, []).append(row)
    care: list[Care] = []
    for (series, kind, _plan, location_id), visits in groups.items():
        shape = _shape_of(str(kind), bool(series))
        if shape is None:
            continue
        first = visits[0]
        protocol = (
            first.series.protocol_id
            if first.series
            else (first.plan.protocol_id if first.plan else "")
        )
        care.append(
            Care(
                shape=shape,
                count=len(visits),
                protocol=protocol,
                duration_min=_duration(first.plan, protocol) if shape != Shape.CONSULTATION else 0,
                dates=tuple(local_date(v.starts_at, v.location.zone) for v in visits),
                location_id=int(str(location_id)),
            )
        )
    return care


def planned_care(patient_id: int) -> list[Care]:
    """The patient's signed current plans with no series booked yet: their series, undated."""
    booked = Series.objects.filter(patient_id=patient_id).values_list("plan_id", flat=True)
    care: list[Care] = []
    for plan in (
        TreatmentPlan.objects.current().filter(patient_id=patient_id).exclude(pk__in=booked)
    ):
        protocol = get_protocol(plan.protocol_id)
        if protocol.route == "intranasal":
            raise NoPrice(
                "the clinic's price lists have no price for esketamine nasal spray visits"
            )
        shape = Shape.SERIES if protocol.is_infusion else Shape.IM_DOSES
        care.append(Care(shape, plan.sessions, plan.protocol_id, float(plan.duration_min)))
    return care


@cache
def _standard_course() -> tuple[str, ...]:
    return tuple(
        load_toml("ketaclinic.records.pricing", "estimates.toml")["standard_course"]["items"]
    )


def standard_course(price_list: PriceList) -> list[Care]:
    """The clinic's standard course (clinic policy): a consultation and the series package."""
    care: list[Care] = []
    for kind in _standard_course():
        if kind == PriceKind.CONSULTATION:
            care.append(Care(Shape.CONSULTATION, 1))
        elif kind == PriceKind.PACKAGE:
            sessions = item_in(price_list, PriceKind.PACKAGE).sessions
            care.append(Care(Shape.SERIES, sessions))
    return care


def care_location(care: Sequence[Care]) -> int | None:
    return next((piece.location_id for piece in care if piece.location_id), None)


def first_location() -> Location | None:
    return Location.objects.order_by("name").first()
