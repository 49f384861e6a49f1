"""The migration that introduced the chain links the entries already written (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.records.audit.chain import GENESIS, ChainHead
from ketaclinic.records.audit.models import AuditEvent
from support import chain_report

BEFORE_THE_CHAIN = [("audit", "0002_append_only"), ("ledger", "0003_product_drug_schedule_iv")]


@pytest.mark.django_db(transaction=True)
def test_the_backfill_links_the_entries_already_there(users: dict[str, Any]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_CHAIN)
    old = executor.loader.project_state(BEFORE_THE_CHAIN).apps.get_model("audit", "AuditEvent")
    for number in range(3):
        old.objects.create(
            actor_id=users["nurse"].pk,
            username="nurse-user",
            action="patient.view",
            face="web",
            patient_id=number,
            detail={"n": number, "query": "Ex"},
        )
    executor = MigrationExecutor(connection)  # a fresh graph
    executor.migrate(executor.loader.graph.leaf_nodes())
    entries = list(AuditEvent.objects.order_by("pk"))
    assert len(entries) == 3
    assert entries[0].previous_hash == GENESIS
    assert [e.previous_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    head = ChainHead.objects.get(chain="audit")
    assert (head.entry_id, head.entry_hash) == (entries[-1].pk, entries[-1].entry_hash)
    assert chain_report("audit").intact
    assert chain_report("ledger").intact
