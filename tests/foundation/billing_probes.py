"""Probes of the billing actions for the permission table walk: each calls the real service
on the patient; what it needs (a location, a payment, a second person, a price list, a
consultation) is made here first, never through the actor being probed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.billing import charges, dayclose, money, packages, services, worklist
from ketaclinic.records.context import Actor, Face
from support import PASSWORD

Probe = Callable[[Any, Any], object]


def _location() -> Any:
    from ketaclinic.records.clinics.models import Location

    location, _ = Location.objects.get_or_create(
        slug="billing-probe", defaults={"name": "Billing probe", "time_zone": "UTC"}
    )
    return location


def _staff(role: str) -> Actor:
    from ketaclinic.records.accounts.models import User

    user = User.objects.filter(username=f"billing-{role}").first() or User.objects.create_user(
        username=f"billing-{role}", password=PASSWORD, role=role
    )
    return Actor(user=user, face=Face.SYSTEM)


def _witness() -> dict[str, str]:
    return {"witness_username": _staff("manager").user.username, "witness_password": PASSWORD}


def _payment(patient: Any) -> Any:
    body = {"amount_cents": 5000, "method": "cash", "location": _location().slug}
    return money.record_payment(_staff("front_desk"), patient.pk, body)


def _package_price() -> None:
    from ketaclinic.records.pricing.models import PriceItem, PriceList

    price_list = PriceList.objects.create(
        location=_location(),
        version=1,
        effective_from=date.today() - timedelta(days=1),
        created_by=_staff("manager").user,
    )
    PriceItem.objects.create(
        price_list=price_list,
        kind="package",
        label="Series",
        codes=["96365", "J3490"],
        sessions=6,
        amount_cents=240000,
    )


def _consultation(patient: Any) -> Any:
    from ketaclinic.records.bookings.models import Appointment

    starts = timezone.now() - timedelta(hours=1)
    return Appointment.objects.create(
        patient=patient,
        location=_location(),
        appointment_type="consultation",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        policy_version="probe",
        booked_by=_staff("front_desk").user,
    )


def _refund(actor: Any, patient: Any) -> object:
    body = {"payment_id": _payment(patient).pk, "amount_cents": 100, "reason": "probe"}
    return money.record_refund(actor, patient.pk, {**body, **_witness()})


def _adjust(actor: Any, patient: Any) -> object:
    body = {"amount_cents": 100, "direction": "lower", "reason": "probe"}
    return money.record_adjustment(
        actor, patient.pk, {**body, "location": _location().slug, **_witness()}
    )


def _sell(actor: Any, patient: Any) -> object:
    _package_price()
    return packages.sell_package(actor, patient.pk, {"location": _location().slug})


def _count(actor: Any, patient: Any) -> object:
    body = {"location": _location().slug, "day": date.today().isoformat(), "counted_cents": 0}
    return dayclose.count_cash(actor, body)


BILLING_PROBES: dict[Action, Probe] = {
    Action.BILLING_VIEW: lambda actor, p: services.balance(actor, p.pk),
    Action.PAYMENT_RECORD: lambda actor, p: money.record_payment(
        actor, p.pk, {"amount_cents": 100, "method": "cash", "location": _location().slug}
    ),
    Action.REFUND_RECORD: _refund,
    Action.BILLING_ADJUST: _adjust,
    Action.PACKAGE_SELL: _sell,
    Action.BILLING_REPORT: lambda actor, p: worklist.worklist(actor),
    Action.CASH_COUNT: _count,
    Action.VISIT_COMPLETE: lambda actor, p: charges.complete_consultation(
        actor, _consultation(p).pk
    ),
}
