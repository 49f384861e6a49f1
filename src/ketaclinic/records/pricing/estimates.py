"""Good Faith Estimates (45 CFR 149.610): issued by the front desk or a manager, or by booking
a self-pay patient's series; never changed (a new estimate supersedes the patient's previous
one); seen by staff who may and by the patient in the portal. Every read and write audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from ketaclinic.core import load_toml
from ketaclinic.protocols import get_protocol, protocol_ids
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.bookings.models import Appointment, Series
from ketaclinic.records.clinics.models import Closure, Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.choices import Coverage
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import (
    atomic_or,
    attempt,
    audits_refusals,
    authorize_on,
    get_or_404,
    get_or_invalid,
    local_date,
    local_start,
    local_today,
    validate,
)

from . import codes
from .care import (
    Care,
    Line,
    Shape,
    booked_care,
    lines_for,
    planned_care,
    standard_course,
    total_cents,
)
from .choices import EstimateBasis, PriceKind
from .inputs import EstimateIn, EstimateItemIn
from .lookups import billing_provider, item_in, list_on
from .models import Estimate, EstimateItem, PriceList
from .timing import issue_deadline

_PACKAGE = "ketaclinic.records.pricing"


@dataclass(frozen=True)
class Notice:
    key: str
    text: str
    source: str


@dataclass(frozen=True)
class Notices:
    version: str
    notices: tuple[Notice, ...]
    dispute_threshold_cents: int


@cache
def notices() -> Notices:
    """The disclaimers every estimate prints (data/estimates.toml, each with its source)."""
    data = load_toml(_PACKAGE, "estimates.toml")
    return Notices(
        version=data["version"],
        notices=tuple(Notice(d["key"], d["text"], d["source"]) for d in data["disclaimers"]),
        dispute_threshold_cents=int(data["dispute_threshold_cents"]["value"]),
    )


def closed_days(location: Location, start: date, days: int = 60) -> frozenset[date]:
    """The location's days closed from opening to close (whole local days), from ``start``."""
    zone = location.zone
    first, end = local_start(start, zone), local_start(start + timedelta(days=days), zone)
    closed: set[date] = set()
    for closure in Closure.objects.filter(location=location, starts_at__lt=end, ends_at__gt=first):
        day = local_date(closure.starts_at, zone)
        while local_start(day, zone) < closure.ends_at:
            if (
                closure.starts_at <= local_start(day, zone)
                and local_start(day + timedelta(days=1), zone) <= closure.ends_at
            ):
                closed.add(day)
            day += timedelta(days=1)
    return frozenset(closed)


def _describe(care: Care) -> str:
    protocol = f" ({get_protocol(care.protocol).name})" if care.protocol else ""
    if care.shape == Shape.CONSULTATION:
        return "Consultation" if care.count == 1 else f"{care.count} consultations"
    if care.shape == Shape.IM_DOSES:
        return f"{care.count} ketamine IM injection{'s' if care.count != 1 else ''}{protocol}"
    if care.shape == Shape.BOOSTER:
        return f"{care.count} booster infusion{'s' if care.count != 1 else ''}{protocol}"
    return f"Series of {care.count} ketamine infusions{protocol}"


@dataclass(frozen=True)
class Draft:
    basis: EstimateBasis
    location: Location
    price_list: PriceList
    lines: list[Line]
    summary: str
    service_on: date | None


def _explicit(location: Location, items: list[EstimateItemIn], today: date) -> Draft:
    dated = sorted(i.service_date for i in items if i.service_date)
    price_list = list_on(location, max(today, dated[0]) if dated else today)
    lines = []
    for index, wanted in enumerate(items):
        if wanted.protocol and wanted.protocol not in protocol_ids():
            raise InvalidInput.single(f"items.{index}.protocol", "is not a known protocol")
        item = item_in(price_list, wanted.kind, wanted.protocol or None)
        lines.append(
            Line(
                kind=PriceKind(item.kind),
                description=item.label,
                code=item.code,
                codes=tuple(item.codes),
                quantity=wanted.quantity,
                amount_cents=item.amount_cents,
                service_date=wanted.service_date,
            )
        )
    summary = ", ".join(line.description for line in lines)[:300]
    return Draft(
        EstimateBasis.ITEMS, location, price_list, lines, summary, dated[0] if dated else None
    )


def _usual_location(patient: Patient) -> Location | None:
    last = (
        Appointment.objects.filter(patient=patient)
        .select_related("location")
        .order_by("-starts_at")
        .first()
    )
    return last.location if last else Location.objects.order_by("name").first()


def _from_care(
    patient: Patient, location: Location | None, care: list[Care], basis: EstimateBasis
) -> Draft:
    place = location
    if place is None:
        located = next((piece.location_id for piece in care if piece.location_id), None)
        place = Location.objects.get(pk=located) if located else _usual_location(patient)
    if place is None:
        raise Conflict("the clinic has no location to estimate for")
    today = local_today(place.zone)
    dates = sorted(day for piece in care for day in piece.dates)
    price_list = list_on(place, max(today, dates[0]) if dates else today)
    if basis == EstimateBasis.STANDARD_COURSE:
        care = standard_course(price_list)
    lines = [line for piece in care for line in lines_for(price_list, piece)]
    if not lines:
        raise Conflict("nothing that is charged for is booked or planned")
    summary = ", ".join(_describe(piece) for piece in care)[:300]
    return Draft(basis, place, price_list, lines, summary, dates[0] if dates else None)


def _draft(patient: Patient, fields: EstimateIn) -> Draft:
    location = (
        get_or_invalid(Location.objects.all(), fields.location, "location", "location", by="slug")
        if fields.location
        else None
    )
    if fields.items:
        place = location or _usual_location(patient)
        if place is None:
            raise Conflict("the clinic has no location to estimate for")
        return _explicit(place, fields.items, local_today(place.zone))
    booked = booked_care(patient.pk)
    if booked:
        return _from_care(
            patient, location, booked + planned_care(patient.pk), EstimateBasis.BOOKED
        )
    planned = planned_care(patient.pk)
    if planned:
        return _from_care(patient, location, planned, EstimateBasis.PLANNED)
    return _from_care(patient, location, [], EstimateBasis.STANDARD_COURSE)


def _issue(
    actor: Actor,
    action: Action | Audited,
    patient: Patient,
    draft: Draft,
    *,
    requested: bool,
    asked_on: date,
    diagnosis: list[str],
    series: Series | None = None,
) -> Estimate:
    provider = billing_provider(draft.location)
    if provider is None:
        raise Conflict(
            f"who bills at {draft.location.name} (name, NPI, tax id) is not set up: a manager "
            "sets it on the Prices page"
        )
    deadline = issue_deadline(
        asked_on,
        draft.service_on,
        requested=requested,
        closed=closed_days(draft.location, asked_on),
    )
    dates = sorted(line.service_date for line in draft.lines if line.service_date)
    printed = notices()
    with atomic_or(
        Conflict("another estimate for this patient was issued at the same time; try again")
    ):
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        previous = (
            Estimate.objects.filter(patient=patient, superseded_by__isnull=True)
            .order_by("-issued_at", "-id")
            .first()
        )
        estimate = Estimate.objects.create(
            patient=patient,
            location=draft.location,
            price_list=draft.price_list,
            supersedes=previous,
            series=series,
            patient_name=patient.full_name,
            patient_date_of_birth=patient.date_of_birth,
            summary=draft.summary,
            basis=draft.basis,
            requested=requested,
            service_from=dates[0] if dates else None,
            service_to=dates[-1] if dates else None,
            scheduled_on=None if requested else asked_on,
            due_by=deadline.due_by,
            timing=deadline.reason[:200],
            provider={
                "name": provider.name,
                "npi": provider.npi,
                "tax_id": provider.tax_id,
                "address": provider.address,
                "phone": provider.phone,
                "email": provider.email,
            },
            location_name=draft.location.name,
            location_address=draft.location.address,
            diagnosis_codes=[
                {"code": c, "description": codes.code_set().codes[c].description} for c in diagnosis
            ],
            disclaimers=[
                {"key": n.key, "text": n.text, "source": n.source} for n in printed.notices
            ],
            disclaimers_version=printed.version,
            total_cents=total_cents(draft.lines),
            issued_by=actor.user,
        )
        EstimateItem.objects.bulk_create(
            EstimateItem(
                estimate=estimate,
                position=position,
                kind=line.kind,
                description=line.description[:300],
                code=line.code,
                codes=list(line.codes),
                quantity=line.quantity,
                amount_cents=line.amount_cents,
                service_date=line.service_date,
            )
            for position, line in enumerate(draft.lines, start=1)
        )
        audit.record(
            actor,
            action,
            obj=estimate,
            patient_id=patient.pk,
            detail={
                "basis": draft.basis,
                "total_cents": estimate.total_cents,
                "lines": len(draft.lines),
                "price_list": draft.price_list.pk,
                "supersedes": previous.pk if previous else None,
                "due_by": deadline.due_by.isoformat() if deadline.due_by else None,
            },
        )
    return estimate


@audits_refusals(Action.ESTIMATE_ISSUE)
def issue_estimate(
    actor: Actor, patient_id: int, data: Mapping[str, Any] | None = None
) -> Estimate:
    """Issue a Good Faith Estimate: of the items given, or (empty body) of the patient's
    booked and planned care, or when there is none the location's standard course."""
    authorize(actor, Action.ESTIMATE_ISSUE, patient_id=patient_id)
    fields = validate(EstimateIn, dict(data or {}))
    diagnosis = (
        codes.diagnosis_codes(fields.diagnosis_codes, "diagnosis_codes")
        if fields.diagnosis_codes is not None
        else codes.default_diagnosis()
    )
    patient = patient_or_404(patient_id)
    draft = _draft(patient, fields)
    created = _issue(
        actor,
        Action.ESTIMATE_ISSUE,
        patient,
        draft,
        requested=fields.requested,
        asked_on=local_today(draft.location.zone),
        diagnosis=diagnosis,
    )
    return estimate_of(created.pk)


def issue_for_series(actor: Actor, series_id: int) -> Estimate | None:
    """The estimate booking a self-pay patient's series issues (once per series), as the
    person who booked; None when the patient is not self-pay. Refusals are audited."""
    series = Series.objects.select_related("patient", "location").get(pk=series_id)
    patient = series.patient
    if patient.coverage != Coverage.SELF_PAY:
        return None
    existing = Estimate.objects.filter(series=series).first()
    if existing is not None:
        return existing
    with attempt(actor, Audited.ESTIMATE_ISSUE_ON_BOOKING, patient_id=patient.pk):
        care = booked_care(patient.pk)
        draft = _from_care(patient, series.location, care, EstimateBasis.BOOKED)
        first = Appointment.objects.filter(series=series).order_by("starts_at").first()
        draft = Draft(
            draft.basis,
            draft.location,
            draft.price_list,
            draft.lines,
            draft.summary,
            local_date(first.starts_at, series.location.zone) if first else draft.service_on,
        )
        return _issue(
            actor,
            Audited.ESTIMATE_ISSUE_ON_BOOKING,
            patient,
            draft,
            requested=False,
            asked_on=local_date(series.booked_at, series.location.zone),
            diagnosis=codes.default_diagnosis(),
            series=series,
        )


def estimate_of(estimate_id: int) -> Estimate:
    """Internal read (callers have authorized): the estimate with its items."""
    return get_or_404(
        Estimate.objects.select_related("location", "issued_by", "superseded_by").prefetch_related(
            "items"
        ),
        estimate_id,
        "estimate",
    )


def current_estimate(patient_id: int) -> Estimate | None:
    """Internal read (callers have authorized): the patient's estimate no newer one has
    superseded, with its items; None when none was issued. Billing compares charges with it
    (``notices().dispute_threshold_cents``, 45 CFR 149.620)."""
    return (
        Estimate.objects.filter(patient_id=patient_id, superseded_by__isnull=True)
        .select_related("location")
        .prefetch_related("items")
        .order_by("-issued_at", "-id")
        .first()
    )


def get_estimate(actor: Actor, estimate_id: int) -> Estimate:
    """One estimate, for staff who may see estimates or the patient it is for (audited)."""
    patient_id = authorize_on(actor, Action.ESTIMATE_VIEW, Estimate, estimate_id, "patient_id")
    estimate = estimate_of(estimate_id)
    audit.record(actor, Action.ESTIMATE_VIEW, obj=estimate, patient_id=patient_id)
    return estimate


def patient_estimates(actor: Actor, patient_id: int) -> list[Estimate]:
    """The patient's estimates, newest first (audited as one read)."""
    authorize(actor, Action.ESTIMATE_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    found = list(
        Estimate.objects.filter(patient_id=patient_id)
        .select_related("location", "issued_by", "superseded_by")
        .prefetch_related("items")
        .order_by("-issued_at", "-id")
    )
    audit.record(
        actor, Action.ESTIMATE_VIEW, patient_id=patient_id, detail={"estimates": len(found)}
    )
    return found


def estimate_dict(estimate: Estimate) -> dict[str, Any]:
    """An estimate as the API and CLI show it: ``total_cents`` is the sum of quantity ×
    ``amount_cents`` (per unit) over ``items``."""
    superseded = getattr(estimate, "superseded_by", None)
    return {
        "id": estimate.pk,
        "patient_id": estimate.patient_id,
        "patient_name": estimate.patient_name,
        "date_of_birth": estimate.patient_date_of_birth.isoformat(),
        "summary": estimate.summary,
        "basis": estimate.basis,
        "requested": estimate.requested,
        "location": estimate.location.slug,
        "location_name": estimate.location_name,
        "location_address": estimate.location_address,
        "provider": estimate.provider,
        "issued_at": estimate.issued_at.isoformat(),
        "issued_by": estimate.issued_by.get_full_name() or estimate.issued_by.get_username(),
        "scheduled_on": estimate.scheduled_on.isoformat() if estimate.scheduled_on else None,
        "due_by": estimate.due_by.isoformat() if estimate.due_by else None,
        "timing": estimate.timing,
        "service_from": estimate.service_from.isoformat() if estimate.service_from else None,
        "service_to": estimate.service_to.isoformat() if estimate.service_to else None,
        "diagnosis_codes": estimate.diagnosis_codes,
        "items": [
            {
                "position": item.position,
                "kind": item.kind,
                "description": item.description,
                "code": item.code,
                "codes": list(item.codes),
                "quantity": item.quantity,
                "amount_cents": item.amount_cents,
                "line_cents": item.line_cents,
                "service_date": item.service_date.isoformat() if item.service_date else None,
            }
            for item in estimate.items.all()
        ],
        "total_cents": estimate.total_cents,
        "disclaimers": [d["text"] for d in estimate.disclaimers],
        "supersedes": estimate.supersedes_id,
        "superseded_by": superseded.pk if superseded else None,
    }
