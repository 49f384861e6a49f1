"""Posting to the ledger: receipts, draws, administration, witnessed waste, adjustments and
reversals; every refusal writes nothing and is audited as a failed attempt."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from ledger_support import in_days, ml, receipt, witness

from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound
from ketaclinic.records.ledger import services
from ketaclinic.records.ledger.models import Balance, DrawBalance, Entry, Lot, Receipt


def _balance() -> Balance:
    return Balance.objects.get()


@contextmanager
def refused(action: str, kind: type[Exception] = InvalidInput) -> Iterator[Any]:
    """Expect the service to refuse: nothing written to the ledger, one failed audit entry."""
    entries, receipts = Entry.objects.count(), Receipt.objects.count()
    balances = list(Balance.objects.values_list("on_hand_ml", "in_use_ml"))
    remainders = list(DrawBalance.objects.values_list("remaining_ml", flat=True))
    failures = AuditEvent.objects.filter(action=action, outcome="failed").count()
    with pytest.raises(kind) as error:
        yield error
    assert Entry.objects.count() == entries
    assert Receipt.objects.count() == receipts
    assert list(Balance.objects.values_list("on_hand_ml", "in_use_ml")) == balances
    assert list(DrawBalance.objects.values_list("remaining_ml", flat=True)) == remainders
    assert AuditEvent.objects.filter(action=action, outcome="failed").count() == failures + 1


@pytest.fixture
def draw(nurse: Any, storage: Any, stocked: Any, patient: Any) -> Callable[..., Entry]:
    def make(volume_ml: str = "2", **changes: Any) -> Entry:
        return services.draw(
            nurse,
            {
                "storage_id": storage.pk,
                "lot_id": stocked.pk,
                "patient_id": patient.pk,
                "volume_ml": volume_ml,
                **changes,
            },
        )

    return make


def test_receipt_adds_vials_in_ml_and_mg(stocked: Any, storage: Any) -> None:
    balance = _balance()
    assert (balance.on_hand_ml, balance.on_hand_mg) == (ml(20), ml(1000))
    assert storage.location.slug == "test-clinic"
    entry = Entry.objects.get()
    assert (entry.kind, entry.on_hand_ml, entry.on_hand_after_ml) == ("receipt", 20, 20)
    saved = Receipt.objects.get()
    assert (saved.vials, saved.supplier_dea_number, saved.entry_id) == (2, "RS1234563", entry.pk)
    assert AuditEvent.objects.filter(action="ledger.receive", outcome="allowed").count() == 1


def test_a_second_receipt_of_a_lot_adds_to_it(nurse: Any, stocked: Any, storage: Any) -> None:
    services.receive(nurse, receipt(storage, stocked.product, vials=3, invoice_number="INV-2"))
    assert _balance().on_hand_ml == 50
    assert Lot.objects.count() == 1


@pytest.mark.parametrize("vials", [0, -1, -20])
def test_a_zero_or_negative_receipt_is_refused(
    nurse: Any, storage: Any, product: Any, vials: int
) -> None:
    with refused("ledger.receive") as error:
        services.receive(nurse, receipt(storage, product, vials=vials))
    assert error.value.errors[0].field == "vials"
    assert "zero or negative" in error.value.errors[0].message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": in_days(-1).isoformat()}, "expires_on"),
        ({"received_on": in_days(2).isoformat()}, "received_on"),
        ({"supplier_dea_number": "RS1234567"}, "supplier_dea_number"),
        ({"supplier_dea_number": "12345"}, "supplier_dea_number"),
        ({"lot_number": "bad lot!"}, "lot_number"),
        ({"storage_id": 999}, "storage_id"),
        ({"product_id": 999}, "product_id"),
        ({"invoice_number": ""}, "invoice_number"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_receipts_name_the_field(
    nurse: Any, storage: Any, product: Any, changes: dict[str, Any], field: str
) -> None:
    with refused("ledger.receive") as error:
        services.receive(nurse, receipt(storage, product, **changes))
    assert field in {e.field for e in error.value.errors}


def test_a_lot_keeps_its_expiry(nurse: Any, stocked: Any, storage: Any) -> None:
    other = in_days(200).isoformat()
    with refused("ledger.receive") as error:
        services.receive(nurse, receipt(storage, stocked.product, expires_on=other))
    assert error.value.errors[0].field == "expires_on"


def test_draw_administer_and_witnessed_waste(
    draw: Callable[..., Entry], nurse: Any, witness_user: Any, patient: Any
) -> None:
    drawn = draw("2", reference="plans.order:12")
    assert (_balance().on_hand_ml, _balance().in_use_ml) == (ml(18), ml(2))
    given = services.record_administered(nurse, drawn.pk, {"dose_mg": "35"})
    assert (given.in_use_ml, given.in_use_mg, given.draw_id) == (ml("-0.7"), ml(-35), drawn.pk)
    wasted = services.waste(nurse, drawn.pk, {"volume_ml": "1.3", **witness()})
    assert (wasted.witness_id, wasted.reference) == (witness_user.pk, "plans.order:12")
    balance = _balance()
    assert (balance.on_hand_ml, balance.in_use_ml, balance.on_hand_mg) == (ml(18), 0, ml(900))
    assert DrawBalance.objects.get(draw=drawn).remaining_ml == 0
    audited = AuditEvent.objects.filter(outcome="allowed", patient_id=patient.pk)
    assert set(audited.values_list("action", flat=True)) >= {
        "ledger.draw",
        "ledger.administer",
        "ledger.waste",
        "ledger.witness",
    }
    assert audited.get(action="ledger.witness").username == witness_user.username


def test_waste_cannot_exceed_what_is_left_of_the_draw(
    draw: Callable[..., Entry], nurse: Any
) -> None:
    drawn = draw("2")
    services.record_administered(nurse, drawn.pk, {"volume_ml": "1.5"})
    with refused("ledger.waste") as error:
        services.waste(nurse, drawn.pk, {"volume_ml": "0.6", **witness()})
    assert error.value.errors[0].field == "volume_ml"
    assert "only 0.5 mL (25 mg)" in error.value.errors[0].message
    with refused("ledger.administer") as error:
        services.record_administered(nurse, drawn.pk, {"dose_mg": "30"})
    assert error.value.errors[0].field == "dose_mg"


def test_the_witness_must_be_a_second_different_person(
    draw: Callable[..., Entry], nurse: Any, users: dict[str, Any]
) -> None:
    drawn = draw("2")
    for name in ("nurse-user", "NURSE-USER", ""):
        with refused("ledger.waste") as error:
            services.waste(
                nurse,
                drawn.pk,
                {"volume_ml": "1", "witness_username": name, "witness_password": "x"},
            )
        assert error.value.errors[0].field == "witness_username"


def test_the_witness_proves_who_they_are(draw: Callable[..., Entry], nurse: Any) -> None:
    drawn = draw("2")
    with refused("ledger.waste") as error:
        services.waste(
            nurse,
            drawn.pk,
            {"volume_ml": "1", "witness_username": "witness-nurse", "witness_password": "wrong"},
        )
    assert error.value.errors[0].field == "witness_password"


def test_a_role_that_may_not_witness_is_refused_and_its_denial_audited(
    draw: Callable[..., Entry], nurse: Any, users: dict[str, Any]
) -> None:
    drawn = draw("2")
    with refused("ledger.waste") as error:
        services.waste(nurse, drawn.pk, {"volume_ml": "1", **witness("front_desk-user")})
    assert error.value.errors[0].field == "witness_username"
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.username, denial.action) == ("front_desk-user", "ledger.witness")


def test_an_expired_lot_cannot_be_drawn(
    nurse: Any, storage: Any, product: Any, patient: Any
) -> None:
    # A lot that expired on the shelf (written directly: receiving it today would be refused).
    lot = Lot.objects.create(product=product, lot_number="OLD-1", expires_on=in_days(-1))
    Balance.objects.create(storage=storage, lot=lot, on_hand_ml=10, on_hand_mg=500)
    with refused("ledger.draw") as error:
        services.draw(
            nurse,
            {"storage_id": storage.pk, "lot_id": lot.pk, "patient_id": patient.pk, "volume_ml": 1},
        )
    assert error.value.errors[0].field == "lot_id"
    assert "expired" in error.value.errors[0].message
    failed = AuditEvent.objects.get(action="ledger.draw", outcome="failed")
    assert failed.patient_id == patient.pk


def test_drawing_more_than_is_on_hand_is_a_conflict(draw: Callable[..., Entry]) -> None:
    draw("19.5")
    with refused("ledger.draw", Conflict) as error:
        draw("0.501")
    assert "only 0.5 mL" in str(error.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"volume_ml": "0"}, "volume_ml"),
        ({"volume_ml": "-1"}, "volume_ml"),
        ({"volume_ml": "0.0001"}, "volume_ml"),
        ({"patient_id": 999}, "patient_id"),
        ({"lot_id": 999}, "lot_id"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
    ],
)
def test_bad_draws_name_the_field(
    draw: Callable[..., Entry], changes: dict[str, Any], field: str
) -> None:
    with refused("ledger.draw") as error:
        draw(**changes)
    assert error.value.errors[0].field == field


def test_an_amount_is_given_once_and_exactly(draw: Callable[..., Entry], nurse: Any) -> None:
    drawn = draw("2")
    for data, field in (
        ({}, "volume_ml"),
        ({"volume_ml": "1", "dose_mg": "50"}, "volume_ml"),
        ({"dose_mg": "35.01"}, "dose_mg"),
    ):
        with refused("ledger.administer") as error:
            services.record_administered(nurse, drawn.pk, data)
        assert error.value.errors[0].field == field


def test_a_use_cannot_predate_its_draw(draw: Callable[..., Entry], nurse: Any) -> None:
    drawn = draw("2")
    earlier = (drawn.occurred_at - timedelta(minutes=5)).isoformat()
    with refused("ledger.administer") as error:
        services.record_administered(nurse, drawn.pk, {"volume_ml": "1", "occurred_at": earlier})
    assert error.value.errors[0].field == "occurred_at"


def test_an_unknown_draw_is_not_found_and_audited(nurse: Any, stocked: Any) -> None:
    with refused("ledger.administer", NotFound):
        services.record_administered(nurse, 999, {"volume_ml": "1"})
    receipt_entry = Entry.objects.get()
    with refused("ledger.administer", NotFound):
        services.record_administered(nurse, receipt_entry.pk, {"volume_ml": "1"})


def test_front_desk_and_managers_handle_no_dose(
    draw: Callable[..., Entry], users: dict[str, Any], actor_for: Any, storage: Any, stocked: Any
) -> None:
    drawn = draw("2")
    for role in ("front_desk", "manager"):
        who = actor_for(users[role])
        with pytest.raises(Forbidden):
            services.record_administered(who, drawn.pk, {"volume_ml": "1"})
        with pytest.raises(Forbidden):
            services.waste(who, drawn.pk, {"volume_ml": "1", **witness()})
    assert AuditEvent.objects.filter(outcome="denied").count() == 4


def test_adjustment_needs_a_reason_and_a_witness(
    nurse: Any, storage: Any, stocked: Any, witness_user: Any
) -> None:
    base = {"storage_id": storage.pk, "lot_id": stocked.pk, "change_ml": "-2"}
    with refused("ledger.adjust") as error:
        services.adjust(nurse, {**base, "reason": "", **witness()})
    assert error.value.errors[0].field == "reason"
    with refused("ledger.adjust") as error:
        services.adjust(nurse, {**base, "reason": "vial dropped"})
    assert error.value.errors[0].field == "witness_username"
    with refused("ledger.adjust", Conflict):
        services.adjust(nurse, {**base, "change_ml": "-20.001", "reason": "x", **witness()})
    entry = services.adjust(nurse, {**base, "reason": "vial dropped", **witness()})
    assert (entry.kind, entry.on_hand_ml, entry.reason) == ("adjustment", -2, "vial dropped")
    assert _balance().on_hand_ml == 18


def test_reversing_corrects_without_editing(
    draw: Callable[..., Entry], nurse: Any, patient: Any
) -> None:
    drawn = draw("2")
    given = services.record_administered(nurse, drawn.pk, {"volume_ml": "2"})
    with refused("ledger.reverse", Conflict) as error:
        services.reverse(nurse, drawn.pk, {"reason": "wrong patient", **witness()})
    assert "reverse those entries first" in str(error.value)
    undone = services.reverse(nurse, given.pk, {"reason": "not given", **witness()})
    assert (undone.in_use_ml, undone.reverses_id, undone.draw_id) == (2, given.pk, drawn.pk)
    assert DrawBalance.objects.get(draw=drawn).remaining_ml == 2
    services.reverse(nurse, drawn.pk, {"reason": "wrong patient", **witness()})
    balance = _balance()
    assert (balance.on_hand_ml, balance.in_use_ml) == (20, 0)
    assert Entry.objects.filter(pk__in=[drawn.pk, given.pk]).count() == 2
    with refused("ledger.reverse", Conflict):
        services.reverse(nurse, given.pk, {"reason": "again", **witness()})
    with refused("ledger.reverse", Conflict):
        services.reverse(nurse, undone.pk, {"reason": "undo the undo", **witness()})
    with refused("ledger.administer", Conflict):
        services.record_administered(nurse, drawn.pk, {"volume_ml": "1"})
    reversal = AuditEvent.objects.filter(action="ledger.reverse", outcome="allowed").first()
    assert reversal is not None
    assert reversal.patient_id == patient.pk


def test_a_receipt_whose_stock_was_drawn_cannot_be_reversed(
    draw: Callable[..., Entry], nurse: Any
) -> None:
    draw("15")
    receipt_entry = Entry.objects.get(kind="receipt")
    with refused("ledger.reverse", Conflict):
        services.reverse(nurse, receipt_entry.pk, {"reason": "wrong invoice", **witness()})


def test_entries_are_append_only(draw: Callable[..., Entry]) -> None:
    drawn = draw("2")
    drawn.reason = "edited"
    with pytest.raises(AppendOnlyError):
        drawn.save()
    with pytest.raises(AppendOnlyError):
        drawn.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=drawn.pk).update(reason="edited")
    with pytest.raises(AppendOnlyError):
        Receipt.objects.all().delete()


def test_occurred_at_defaults_to_now_and_may_be_earlier(draw: Callable[..., Entry]) -> None:
    before = timezone.now()
    assert draw("1").occurred_at >= before
    earlier = timezone.now() - timedelta(minutes=30)
    assert draw("1", occurred_at=earlier.isoformat()).occurred_at == earlier
    assert Decimal(_balance().on_hand_ml) == 18
