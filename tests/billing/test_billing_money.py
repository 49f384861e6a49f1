"""Payments, deposits, refunds and adjustments: append-only entries that reconcile to the
cent; bad input refused naming the field with nothing written; the second person where the
clinic's policy asks one."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.billing import money, services
from ketaclinic.records.billing.models import Entry
from ketaclinic.records.errors import Forbidden, InvalidInput
from support import PASSWORD

_NUMBERS = itertools.count()


def test_a_payment_lowers_the_balance_by_its_amount(desk: Any, patient: Any, location: Any) -> None:
    assert services.balance(desk, patient.pk) == 0
    entry = money.record_payment(desk, patient.pk, {"amount_cents": 12345, "method": "cash"})
    assert entry.location == location  # the only location: the patient's usual one
    assert services.balance(desk, patient.pk) == -12345


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount_cents": -5, "method": "cash"}, "amount_cents"),
        ({"amount_cents": 0, "method": "cash"}, "amount_cents"),
        ({"amount_cents": 10.5, "method": "cash"}, "amount_cents"),
        ({"amount_cents": "10.50", "method": "cash"}, "amount_cents"),
        ({"amount_cents": True, "method": "cash"}, "amount_cents"),
        ({"amount_cents": 1050, "method": "cheque"}, "method"),
        ({"amount_cents": 1050, "method": "cash", "location": "nowhere"}, "location"),
        ({"amount_cents": 1050, "method": "card"}, "reference"),
        (
            {"amount_cents": 1050, "method": "card", "reference": "4111 1111 1111 1111"},
            "reference",
        ),
        ({"amount_cents": 1050, "method": "card", "reference": "4111111111111111"}, "reference"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(
    desk: Any, patient: Any, location: Any, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        money.record_payment(desk, patient.pk, data)
    assert field in {e.field for e in refused.value.errors}
    assert not Entry.objects.exists()


def test_clinicians_see_no_money(physician: Any, nurse: Any, patient: Any, location: Any) -> None:
    for clinician in (physician, nurse):
        with pytest.raises(Forbidden):
            services.balance(clinician, patient.pk)
        with pytest.raises(Forbidden):
            money.record_payment(clinician, patient.pk, {"amount_cents": 100, "method": "cash"})


def test_a_refund_needs_a_second_person_and_never_exceeds_the_payment(
    desk: Any, manager: Any, patient: Any, location: Any
) -> None:
    paid = money.record_payment(
        desk, patient.pk, {"amount_cents": 5000, "method": "card", "reference": "TRX-0042"}
    )
    refund = {"payment_id": paid.pk, "amount_cents": 2000, "reason": "overpaid"}
    with pytest.raises(InvalidInput) as alone:
        money.record_refund(desk, patient.pk, refund)
    assert alone.value.errors[0].field == "witness_username"
    witnessed = {"witness_username": manager.user.username, "witness_password": PASSWORD}
    first = money.record_refund(desk, patient.pk, {**refund, **witnessed})
    assert first.method == "card"
    assert first.second_person == manager.user
    with pytest.raises(InvalidInput) as above:
        money.record_refund(desk, patient.pk, {**refund, "amount_cents": 3001, **witnessed})
    assert above.value.errors[0].field == "amount_cents"
    assert services.balance(desk, patient.pk) == -3000
    with pytest.raises(AppendOnlyError):
        first.save()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["payment", "deposit", "refund", "raise", "lower"]),
            st.integers(min_value=1, max_value=500_000),
        ),
        max_size=12,
    )
)
def test_payments_refunds_and_adjustments_reconcile_to_the_cent(
    desk: Any,
    manager: Any,
    register: Callable[..., Any],
    location: Any,
    steps: list[tuple[str, int]],
) -> None:
    """Whatever the order, the SQL balance is the sum of the amounts by kind, a refund never
    takes back more than was paid, and each refused step writes nothing."""
    fresh = register(mrn=f"P-{next(_NUMBERS)}")  # a fresh patient for each example
    witnessed = {"witness_username": manager.user.username, "witness_password": PASSWORD}
    expected = 0
    payments: dict[int, int] = {}
    for kind, cents in steps:
        if kind in ("payment", "deposit"):
            entry = money.record_payment(
                desk,
                fresh.pk,
                {"amount_cents": cents, "method": "cash", "deposit": kind == "deposit"},
            )
            payments[entry.pk] = cents
            expected -= cents
        elif kind == "refund" and payments:
            payment_id, left = max(payments.items(), key=lambda item: item[1])
            data = {"payment_id": payment_id, "amount_cents": cents, "reason": "r", **witnessed}
            if cents > left:
                before = Entry.objects.count()
                with pytest.raises(InvalidInput):
                    money.record_refund(desk, fresh.pk, data)
                assert Entry.objects.count() == before
                continue
            money.record_refund(desk, fresh.pk, data)
            payments[payment_id] = left - cents
            expected += cents
        elif kind in ("raise", "lower"):
            money.record_adjustment(
                desk,
                fresh.pk,
                {"amount_cents": cents, "direction": kind, "reason": "correction", **witnessed},
            )
            expected += cents if kind == "raise" else -cents
        assert services.balance(desk, fresh.pk) == expected
    rows = Entry.objects.filter(patient=fresh)
    assert sum(e.owed_cents for e in rows) == expected


@pytest.mark.postgres
def test_postgres_refuses_changing_or_deleting_an_entry(
    desk: Any, patient: Any, location: Any
) -> None:
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the triggers exist on PostgreSQL only")
    paid = money.record_payment(desk, patient.pk, {"amount_cents": 100, "method": "cash"})
    for statement in (
        "UPDATE billing_entry SET amount_cents = 1, owed_cents = -1 WHERE id = %s",
        "DELETE FROM billing_entry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [paid.pk])
    assert services.balance(desk, patient.pk) == -100
