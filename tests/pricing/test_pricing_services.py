"""Prices in effect on a day, and the Good Faith Estimate a self-pay patient's booking issues."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pricing_support import PRICES

from bookings.bookings_support import book_proposed_series
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.pricing import estimates, lookups, services
from ketaclinic.records.pricing.lookups import NoPrice, price_on
from ketaclinic.records.pricing.models import Estimate

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


def test_price_on_takes_the_version_in_effect_that_day(
    staff: dict[str, Any], prices: Any, location: Any
) -> None:
    today = timezone.localdate()
    later = today + timedelta(days=30)
    services.add_price_list(
        staff["manager"],
        {
            "location": location.slug,
            "effective_from": later.isoformat(),
            "items": [
                *PRICES,
                {"kind": "infusion", "protocol": PROTOCOL, "amount_cents": 49900},
            ],
        },
    )
    assert price_on(location, "infusion", today).amount_cents == 55000
    assert price_on(location.slug, "infusion", later, protocol=PROTOCOL).amount_cents == 49900
    assert (
        price_on(location.pk, "infusion", later, protocol="ketamine-iv-0.5mgkg-60min").amount_cents
        == 55000
    )
    assert price_on(location, "infusion", later).code == "96365"
    with pytest.raises(NoPrice, match="no price list in effect"):
        price_on(location, "infusion", today - timedelta(days=1))
    assert isinstance(NoPrice("x"), Conflict)
    assert [p.version for p in lookups.price_lists(location)] == [2, 1]


def test_the_npi_check_digit_is_verified(staff: dict[str, Any], location: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.set_billing_provider(
            staff["manager"],
            location.slug,
            {"name": "X", "npi": "1234567890", "tax_id": "12-3456789"},
        )
    assert [e.field for e in refused.value.errors] == ["npi"]


def test_booking_a_self_pay_patients_series_issues_its_estimate(
    staff: dict[str, Any],
    patient: Any,
    signed_plan: Any,
    location: Any,
    prices: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from ketaclinic.records.patients.services import update_patient

    update_patient(staff["front_desk"], patient.pk, {"coverage": "self_pay"})
    with django_capture_on_commit_callbacks(execute=True):
        series = book_proposed_series(staff["nurse"], patient, signed_plan, location)
    estimate = Estimate.objects.get(series=series)
    assert estimate.basis == "booked"
    assert not estimate.requested
    lines = [(i.kind, i.code, i.quantity, i.amount_cents) for i in estimate.items.all()]
    assert lines == [("package", "96365", 1, 285000)]
    assert estimate.total_cents == 285000
    assert estimate.service_from is not None
    assert estimate.service_to is not None
    assert estimate.scheduled_on == timezone.localdate(series.booked_at, location.zone)
    assert estimate.due_by is not None  # the series starts in 2031: within 3 business days
    entry = AuditEvent.objects.get(action="estimate.issue_on_booking")
    assert entry.outcome == "allowed"
    assert entry.patient_id == patient.pk
    # Idempotent: the same series never issues a second estimate.
    assert estimates.issue_for_series(staff["nurse"], series.pk) == estimate


def test_booking_for_an_insured_patient_issues_none(
    staff: dict[str, Any],
    patient: Any,
    signed_plan: Any,
    location: Any,
    prices: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    assert Estimate.objects.count() == 0


def test_a_booking_without_prices_stands_and_the_missing_estimate_is_audited(
    staff: dict[str, Any],
    patient: Any,
    signed_plan: Any,
    location: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from ketaclinic.records.patients.services import update_patient

    update_patient(staff["front_desk"], patient.pk, {"coverage": "self_pay"})
    with django_capture_on_commit_callbacks(execute=True):
        series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    assert series.pk is not None
    assert Estimate.objects.count() == 0
    failed = AuditEvent.objects.get(action="estimate.issue_on_booking")
    assert failed.outcome == "failed"
    assert "price list" in failed.detail["error"]


def test_a_booked_consultation_is_estimated_with_its_date(
    staff: dict[str, Any],
    patient: Any,
    location: Any,
    prices: Any,
) -> None:
    from bookings.bookings_support import book_consultation, soon

    book_consultation(staff["front_desk"], patient, location, soon(72))
    estimate = estimates.issue_estimate(staff["front_desk"], patient.pk, {})
    assert estimate.basis == "booked"
    assert [(i.code, i.quantity) for i in estimate.items.all()] == [("99204", 1)]
    assert estimate.service_from is not None


def test_a_signed_plan_not_yet_booked_is_estimated_as_planned(
    staff: dict[str, Any], patient: Any, signed_plan: Any, prices: Any
) -> None:
    estimate = estimates.issue_estimate(staff["manager"], patient.pk, {"requested": False})
    assert estimate.basis == "planned"
    assert [(i.kind, i.quantity) for i in estimate.items.all()] == [("package", 1)]
    assert estimate.service_from is None
    assert estimate.due_by is not None  # undated care: the request's 3 business days
