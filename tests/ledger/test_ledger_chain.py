"""The ledger's book of entries is a hash chain like the audit trail: verification names a
changed, removed or forged entry (both databases); concurrent appends never fork either chain
(PostgreSQL, two writers released at once)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from ledger_support import receipt

from ketaclinic.cli import main as cli
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.ledger import catalog, services
from ketaclinic.records.ledger.models import Entry
from support import all_at_once, as_owner, broken_at, chain_report

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent connections)"
)


@pytest.fixture
def book(nurse: Any, storage: Any, product: Any, stocked: Any, patient: Any) -> list[Entry]:
    """A receipt, a draw, what was given of it, another receipt: in chain order."""
    drawn = services.draw(
        nurse,
        {"storage_id": storage.pk, "lot_id": stocked.pk, "patient_id": patient.pk, "volume_ml": 2},
    )
    services.record_administered(nurse, drawn.pk, {"volume_ml": "1.5"})
    services.receive(nurse, receipt(storage, product, lot_number="LOT-C"))
    return list(Entry.objects.order_by("pk"))


def test_the_book_links_and_verifies(book: list[Entry], capsys: Any) -> None:
    assert [e.kind for e in book] == ["receipt", "draw", "administered", "receipt"]
    assert book[1].previous_hash == book[0].entry_hash
    assert book[2].previous_hash == book[1].entry_hash
    assert book[2].in_use_ml == Decimal("-1.500")
    assert chain_report("ledger").intact
    assert cli(["audit", "verify"]) == 0


def test_a_changed_quantity_is_named(book: list[Entry]) -> None:
    as_owner("UPDATE ledger_entry SET in_use_ml = -1.000 WHERE id = %s", [book[2].pk])
    broken = broken_at("ledger")
    assert broken.entry_id == book[2].pk
    assert "changed after it was written" in broken.problem
    assert chain_report("audit").intact


def test_a_removed_entry_is_named_by_the_one_after_it(book: list[Entry]) -> None:
    as_owner("DELETE FROM ledger_entry WHERE id = %s", [book[2].pk])  # nothing refers to it
    assert broken_at("ledger").entry_id == book[3].pk


def test_a_forged_entry_is_named(book: list[Entry]) -> None:
    as_owner(
        "INSERT INTO ledger_entry (storage_id, lot_id, kind, on_hand_mg, on_hand_ml, in_use_mg, "
        "in_use_ml, on_hand_after_mg, on_hand_after_ml, patient_id, draw_id, reverses_id, "
        "reference, reason, occurred_at, recorded_by_id, witness_id, recorded_at, "
        "previous_hash, entry_hash) "
        "SELECT storage_id, lot_id, 'receipt', 500, 10, 0, 0, on_hand_after_mg, "
        "on_hand_after_ml, NULL, NULL, NULL, '', '', '2019-03-01 10:00:00+00', recorded_by_id, "
        "NULL, '2019-03-01 10:00:00+00', entry_hash, %s FROM ledger_entry WHERE id = %s",
        ["a" * 64, book[3].pk],
    )
    forged = Entry.objects.order_by("-pk").first()
    assert forged is not None
    assert broken_at("ledger").entry_id == forged.pk


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chains(
    nurse: Any, physician: Any, location: Any, storage: Any, product: Any
) -> None:
    """Writers released together: receipts into two cabinets (no shared balance row, so only
    the chain heads order them) and bare audit entries, each in its own transaction."""
    other = catalog.add_storage(physician, {"location": location.slug, "name": "Cabinet B"})

    def receive(cabinet: Any, lot: str) -> Any:
        return lambda: services.receive(nurse, receipt(cabinet, product, lot_number=lot))

    def audit_twice() -> None:
        from django.db import transaction

        with transaction.atomic():
            audit.record(nurse, Audited.WAITLIST_VIEW)
            audit.record(nurse, Audited.WAITLIST_VIEW)

    results = all_at_once(
        [receive(storage, "LOT-A"), receive(other, "LOT-B"), audit_twice, audit_twice]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Entry.objects.count() == 2
    for chain in ("audit", "ledger"):
        report = chain_report(chain)
        assert report.intact, report.broken
    hashes = list(Entry.objects.values_list("previous_hash", flat=True))
    assert len(set(hashes)) == len(hashes)  # no two entries link to the same one
