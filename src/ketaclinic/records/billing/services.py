"""Reads of a patient's account for every face: the balance (one SQL sum), the entries, and
the data of a receipt (one payment) or a superbill (a period's care and payments). Front desk,
managers and the patient themself; permission-checked and audited."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.bookings.models import Appointment
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput, NotFound
from ketaclinic.records.pages import Page
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.pricing.choices import PriceKind
from ketaclinic.records.pricing.lookups import NoPrice, billing_provider, price_on

from .charges import consultations_to_complete
from .choices import MONEY_IN, EntryKind
from .common import balance_of
from .models import Entry, PackageUse
from .packages import PackageState, packages_of
from .policy import diagnoses

ACCOUNT_PAGE_SIZE = 50
SUPERBILL_DAYS_MAX = 366


def balance(actor: Actor, patient_id: int) -> int:
    """What the patient owes (positive) or is owed (negative), in cents."""
    authorize(actor, Action.BILLING_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    owed = balance_of(patient_id)
    audit.record(actor, Action.BILLING_VIEW, patient_id=patient_id, detail={"what": "balance"})
    return owed


@dataclass(frozen=True)
class Account:
    patient: Patient
    balance_cents: int
    entries: Page[Entry]
    packages: list[PackageState]
    consultations: list[Appointment]


def account(actor: Actor, patient_id: int, page: int = 1) -> Account:
    """The patient's balance, entries (newest first) and packages."""
    authorize(actor, Action.BILLING_VIEW, patient_id=patient_id)
    patient = patient_or_404(patient_id)
    rows = Entry.objects.filter(patient_id=patient_id).select_related(
        "location", "recorded_by", "second_person"
    )
    found = Account(
        patient=patient,
        balance_cents=balance_of(patient_id),
        entries=Page.of(rows.order_by("-recorded_at", "-id"), page, ACCOUNT_PAGE_SIZE),
        packages=packages_of(patient_id),
        consultations=consultations_to_complete(patient_id),
    )
    audit.record(actor, Action.BILLING_VIEW, patient_id=patient_id, detail={"what": "account"})
    return found


def entry_as_dict(entry: Entry) -> dict[str, Any]:
    """One entry as the API and the command line show it."""
    return {
        "id": entry.pk,
        "patient_id": entry.patient_id,
        "kind": entry.kind,
        "amount_cents": entry.amount_cents,
        "owed_cents": entry.owed_cents,
        "method": entry.method or None,
        "reference": entry.reference,
        "reason": entry.reason,
        "service_on": entry.service_on,
        "code": entry.code,
        "codes": list(entry.codes),
        "description": entry.description,
        "quantity": entry.quantity,
        "location": entry.location.slug,
        "recorded_at": entry.recorded_at,
    }


@dataclass(frozen=True)
class ServiceLine:
    """A date of service with its codes: charged, or covered by a prepaid package."""

    day: date
    codes: list[str]
    description: str
    quantity: int
    unit_cents: int | None
    amount_cents: int


@dataclass(frozen=True)
class Statement:
    """What a receipt or a superbill prints."""

    title: str
    number: str
    patient: Patient
    location: Location
    provider_name: str
    npi: str
    tax_id: str
    provider_address: str
    diagnoses: list[tuple[str, str]]
    first_day: date
    last_day: date
    services: list[ServiceLine]
    payments: list[Entry]
    balance_cents: int
    paid: Entry | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def charged_cents(self) -> int:
        return sum(line.amount_cents for line in self.services)

    @property
    def paid_cents(self) -> int:
        return -sum(entry.owed_cents for entry in self.payments)


def receipt(actor: Actor, patient_id: int, number: int) -> Statement:
    """The receipt of payment ``number`` (the entry's number): the payment, the care of that
    day with its codes, and the balance now."""
    authorize(actor, Action.BILLING_VIEW, patient_id=patient_id)
    patient = patient_or_404(patient_id)
    paid = (
        Entry.objects.select_related("location")
        .filter(pk=number, patient_id=patient_id, kind__in=MONEY_IN)
        .first()
    )
    if paid is None:
        raise NotFound(f"receipt {number} does not exist")
    day = paid.service_on
    found = _statement(
        "Receipt", f"R-{paid.pk:06d}", patient, paid.location, day, day, payments=[paid]
    )
    found = replace(found, paid=paid)
    audit.record(actor, Audited.BILLING_RECEIPT, obj=paid, patient_id=patient_id)
    return found


def superbill(actor: Actor, patient_id: int, first: date, last: date) -> Statement:
    """The patient's care from ``first`` to ``last`` (dates of service) with its codes and
    the payments of the period: what they send their insurer for out-of-network claims."""
    authorize(actor, Action.BILLING_VIEW, patient_id=patient_id)
    if last < first:
        raise InvalidInput.single("to", "must be on or after from")
    if (last - first).days > SUPERBILL_DAYS_MAX:
        raise InvalidInput.single("to", f"a superbill covers at most {SUPERBILL_DAYS_MAX} days")
    patient = patient_or_404(patient_id)
    money = Entry.objects.filter(
        patient_id=patient_id,
        kind__in=[*MONEY_IN, EntryKind.REFUND],
        service_on__gte=first,
        service_on__lte=last,
    )
    location = _location_of(patient_id, first, last)
    found = _statement(
        "Superbill",
        f"S-{patient.mrn}-{first:%Y%m%d}-{last:%Y%m%d}",
        patient,
        location,
        first,
        last,
        payments=list(money.order_by("service_on", "id")),
    )
    audit.record(
        actor,
        Audited.BILLING_SUPERBILL,
        patient_id=patient_id,
        detail={"from": first.isoformat(), "to": last.isoformat()},
    )
    return found


def _location_of(patient_id: int, first: date, last: date) -> Location:
    """Where the period's care was given (its first charge's location), else the latest."""
    entry = (
        Entry.objects.filter(patient_id=patient_id, service_on__gte=first, service_on__lte=last)
        .select_related("location")
        .order_by("service_on", "id")
        .first()
    ) or Entry.objects.filter(patient_id=patient_id).select_related("location").last()
    if entry is not None:
        return entry.location
    location = Location.objects.order_by("pk").first()
    if location is None:
        raise NotFound("the clinic has no location")
    return location


def _statement(
    title: str,
    number: str,
    patient: Patient,
    location: Location,
    first: date,
    last: date,
    *,
    payments: list[Entry],
) -> Statement:
    provider = billing_provider(location)
    notes = [] if provider else ["The location's billing provider is not set up."]
    return Statement(
        title=title,
        number=number,
        patient=patient,
        location=location,
        provider_name=provider.name if provider else location.name,
        npi=provider.npi if provider else "",
        tax_id=provider.tax_id if provider else "",
        provider_address=(provider.address if provider else "") or location.address,
        diagnoses=diagnoses(),
        first_day=first,
        last_day=last,
        services=service_lines(patient.pk, first, last),
        payments=payments,
        balance_cents=balance_of(patient.pk),
        notes=notes,
    )


def service_lines(patient_id: int, first: date, last: date) -> list[ServiceLine]:
    """The charges and the package-covered sessions with a date of service in the period."""
    charges = Entry.objects.filter(
        patient_id=patient_id,
        kind=EntryKind.CHARGE,
        service_on__gte=first,
        service_on__lte=last,
    ).order_by("service_on", "id")
    lines = [
        ServiceLine(
            e.service_on,
            list(e.codes) or [e.code],
            e.description,
            e.quantity,
            e.unit_cents,
            e.amount_cents,
        )
        for e in charges
    ]
    uses = PackageUse.objects.filter(
        package__patient_id=patient_id, service_on__gte=first, service_on__lte=last
    ).select_related("package", "session__location")
    lines += [
        ServiceLine(
            u.service_on, _prepaid_codes(u), f"Infusion prepaid by {u.package.name}", 1, 0, 0
        )
        for u in uses
    ]
    return sorted(lines, key=lambda line: line.day)


def _prepaid_codes(use: PackageUse) -> list[str]:
    """The codes the session would have been charged with (the list in effect on its day)."""
    session = use.session
    try:
        item = price_on(session.location, PriceKind.INFUSION, use.service_on, session.protocol_id)
    except NoPrice:
        return []
    return [str(code) for code in item.codes]
