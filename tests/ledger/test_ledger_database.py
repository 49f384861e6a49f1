"""What the database itself guarantees: balances never negative (both databases), the book
append-only and the last vial drawn once under concurrency (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ketaclinic.records.errors import Conflict
from ketaclinic.records.ledger import services
from ketaclinic.records.ledger.models import Balance, DrawBalance, Entry

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, triggers)"
)


def test_the_balance_cannot_go_negative_even_bypassing_the_services(stocked: Any) -> None:
    for change in ({"on_hand_ml": -1}, {"on_hand_mg": "-0.000001"}, {"in_use_ml": -1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Balance.objects.filter(lot=stocked).update(**change)
    assert Balance.objects.get().on_hand_ml == 20


def test_what_is_left_of_a_draw_cannot_go_negative(
    nurse: Any, storage: Any, stocked: Any, patient: Any
) -> None:
    drawn = services.draw(
        nurse,
        {"storage_id": storage.pk, "lot_id": stocked.pk, "patient_id": patient.pk, "volume_ml": 1},
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        DrawBalance.objects.filter(draw=drawn).update(remaining_ml=-1)


@on_postgres
def test_the_entries_table_refuses_update_and_delete(stocked: Any) -> None:
    entry = Entry.objects.get()
    for sql in (
        "UPDATE ledger_entry SET reason = 'edited' WHERE id = %s",
        "DELETE FROM ledger_entry WHERE id = %s",
        "UPDATE ledger_receipt SET vials = 99 WHERE entry_id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert Entry.objects.get().reason == ""


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_of_the_last_vial_one_wins_one_conflicts(
    nurse: Any, storage: Any, stocked: Any, patient: Any
) -> None:
    """Two nurses draw the whole lot (20 mL) at once, each on its own connection."""
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def draw_all() -> None:
        try:
            start.wait(timeout=10)
            services.draw(
                nurse,
                {
                    "storage_id": storage.pk,
                    "lot_id": stocked.pk,
                    "patient_id": patient.pk,
                    "volume_ml": "20",
                },
            )
            outcomes.append("drawn")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=draw_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "drawn"]
    balance = Balance.objects.get()
    assert (balance.on_hand_ml, balance.in_use_ml) == (0, 20)
    assert Entry.objects.filter(kind="draw").count() == 1
