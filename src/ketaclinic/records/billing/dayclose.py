"""Day close at a location: the day's payments, deposits and refunds by method with their
totals (the day is the location's calendar day, in its zone), and the cash the book expects
against the cash the staff counted in the drawer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.toolkit import attempt, get_or_invalid, local_start, validate

from .choices import MONEY_IN, EntryKind, Method
from .inputs import CashCountIn
from .models import CashCount, Entry


@dataclass(frozen=True)
class MethodTotal:
    method: Method
    payments: int
    received_cents: int
    refunds: int
    refunded_cents: int

    @property
    def net_cents(self) -> int:
        return self.received_cents - self.refunded_cents


@dataclass(frozen=True)
class DayClose:
    location: Location
    day: date
    methods: list[MethodTotal]
    counted: CashCount | None

    @property
    def received_cents(self) -> int:
        return sum(m.received_cents for m in self.methods)

    @property
    def refunded_cents(self) -> int:
        return sum(m.refunded_cents for m in self.methods)

    @property
    def net_cents(self) -> int:
        return self.received_cents - self.refunded_cents

    @property
    def cash_expected_cents(self) -> int:
        return next(m.net_cents for m in self.methods if m.method == Method.CASH)

    @property
    def cash_difference_cents(self) -> int | None:
        """Counted less expected: negative is cash missing from the drawer."""
        if self.counted is None:
            return None
        return self.counted.counted_cents - self.cash_expected_cents

    def as_dict(self) -> dict[str, Any]:
        """What ``billing day-close --format json`` prints (amounts in cents)."""
        return {
            "location": self.location.slug,
            "date": self.day.isoformat(),
            "time_zone": self.location.time_zone,
            "methods": [
                {
                    "method": str(m.method),
                    "payments": m.payments,
                    "received_cents": m.received_cents,
                    "refunds": m.refunds,
                    "refunded_cents": m.refunded_cents,
                    "net_cents": m.net_cents,
                }
                for m in self.methods
            ],
            "total_received_cents": self.received_cents,
            "total_refunded_cents": self.refunded_cents,
            "total_net_cents": self.net_cents,
            "cash_expected_cents": self.cash_expected_cents,
            "cash_counted_cents": self.counted.counted_cents if self.counted else None,
            "cash_difference_cents": self.cash_difference_cents,
        }


def _location(slug: str) -> Location:
    return get_or_invalid(Location.objects.all(), slug, "location", "location", by="slug")


def _totals(location: Location, day: date) -> list[MethodTotal]:
    """One SQL aggregate over the entries recorded during the location's local day."""
    start = local_start(day, location.zone)
    end = local_start(day + timedelta(days=1), location.zone)
    rows = (
        Entry.objects.filter(
            location=location,
            kind__in=[*MONEY_IN, EntryKind.REFUND],
            recorded_at__gte=start,
            recorded_at__lt=end,
        )
        .values("method", "kind")
        .annotate(n=Count("id"), cents=Sum("amount_cents"))
    )
    found: dict[tuple[str, bool], tuple[int, int]] = {}
    for row in rows:
        key = (row["method"], row["kind"] == EntryKind.REFUND)
        n, cents = found.get(key, (0, 0))
        found[key] = (n + row["n"], cents + int(row["cents"]))
    return [
        MethodTotal(
            method,
            *found.get((method.value, False), (0, 0)),
            *found.get((method.value, True), (0, 0)),
        )
        for method in Method
    ]


def _latest_count(location: Location, day: date) -> CashCount | None:
    return (
        CashCount.objects.filter(location=location, day=day).order_by("-counted_at", "-id").first()
    )


def day_close(actor: Actor, location_slug: str, day: date) -> DayClose:
    """The day's money at the location by method, and the cash counted (front desk, managers)."""
    authorize(actor, Action.BILLING_REPORT)
    with attempt(actor, Action.BILLING_REPORT, what="day close"):
        location = _location(location_slug)
        found = DayClose(location, day, _totals(location, day), _latest_count(location, day))
        audit.record(
            actor,
            Audited.BILLING_DAY_CLOSE,
            obj=location,
            detail={"date": day.isoformat(), "net_cents": found.net_cents},
        )
    return found


def count_cash(actor: Actor, data: Mapping[str, Any]) -> CashCount:
    """Record the cash counted in the drawer for a day, beside what the book expects then;
    a recount is a new row."""
    authorize(actor, Action.CASH_COUNT)
    with attempt(actor, Action.CASH_COUNT, what="cash count"):
        fields = validate(CashCountIn, data)
        location = _location(fields.location)
        with transaction.atomic():
            expected = next(
                m.net_cents for m in _totals(location, fields.day) if m.method == Method.CASH
            )
            count = CashCount.objects.create(
                location=location,
                day=fields.day,
                counted_cents=fields.counted_cents,
                expected_cents=expected,
                note=fields.note,
                counted_by=actor.user,
            )
            audit.record(
                actor,
                Action.CASH_COUNT,
                obj=count,
                detail={"counted_cents": count.counted_cents, "expected_cents": expected},
            )
    return count
