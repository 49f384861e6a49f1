"""The audit trail is a hash chain: each entry links to the one before, and ``ketaclinic audit
verify`` names the first entry changed, removed, inserted or cut off (both databases)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from ketaclinic.cli import main as cli
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.chain import GENESIS, ChainHead, canonical, link
from ketaclinic.records.audit.models import AppendOnlyError, AuditEvent
from support import as_owner, broken_at
from support import chain_report as report


@pytest.fixture
def entries(users: dict[str, Any], actor_for: Any) -> list[AuditEvent]:
    """Five more entries after whatever the fixtures wrote; returned in chain order."""
    actor = actor_for(users["nurse"])
    for number in range(5):
        audit.record(actor, Audited.WAITLIST_VIEW, detail={"n": number, "note": "ü"})
    return list(AuditEvent.objects.order_by("pk"))


def test_each_entry_links_to_the_one_before(entries: list[AuditEvent]) -> None:
    assert entries[0].previous_hash == GENESIS
    for before, entry in itertools.pairwise(entries):
        assert entry.previous_hash == before.entry_hash
        assert entry.entry_hash == link(
            entry.previous_hash, canonical("audit", AuditEvent.chained_fields, entry)
        )
    head = ChainHead.objects.get(chain="audit")
    assert (head.entry_id, head.entry_hash) == (entries[-1].pk, entries[-1].entry_hash)
    assert report("audit").intact


def test_the_hash_covers_every_field_but_the_id_and_the_hashes() -> None:
    from ketaclinic.records.ledger.models import Entry

    for model in (AuditEvent, Entry):
        fields = {f.name for f in model._meta.concrete_fields}
        assert fields - set(model.chained_fields) == {"id", "previous_hash", "entry_hash"}


def test_chained_rows_cannot_be_created_in_bulk(entries: list[AuditEvent]) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action="x", face="cli")])


def test_verify_exits_0_when_intact(entries: list[AuditEvent], capsys: Any) -> None:
    assert cli(["audit", "verify"]) == 0
    assert "audit (audit_auditevent): " in capsys.readouterr().out
    assert cli(["audit", "verify", "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["intact"] is True
    assert {c["chain"]: c["intact"] for c in answer["chains"]} == {"audit": True, "ledger": True}
    assert answer["chains"][0]["entries"] == len(entries)


def test_a_changed_entry_is_named(entries: list[AuditEvent], capsys: Any) -> None:
    changed = entries[2]
    as_owner("UPDATE audit_auditevent SET action = 'tampered' WHERE id = %s", [changed.pk])
    broken = broken_at("audit")
    assert broken.entry_id == changed.pk
    assert "changed after it was written" in broken.problem
    assert cli(["audit", "verify", "--format", "json"]) == 1
    chains = json.loads(capsys.readouterr().out)["chains"]
    assert chains[0]["broken"]["entry_id"] == changed.pk
    assert (chains[0]["table"], chains[1]["intact"]) == ("audit_auditevent", True)
    assert cli(["audit", "verify"]) == 1
    assert f"BROKEN at audit_auditevent entry {changed.pk}" in capsys.readouterr().err


def test_a_changed_timestamp_is_named(entries: list[AuditEvent]) -> None:
    changed = entries[1]
    as_owner(
        "UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s",
        [changed.occurred_at.replace(year=2020), changed.pk],
    )
    broken = broken_at("audit")
    assert broken.entry_id == changed.pk


def test_a_removed_entry_is_named_by_the_one_after_it(entries: list[AuditEvent]) -> None:
    removed, after = entries[2], entries[3]
    as_owner("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])
    broken = broken_at("audit")
    assert broken.entry_id == after.pk
    assert f"follows entry {entries[1].pk}" in broken.problem
    assert "removed" in broken.problem


def _forge(entry_id: int, previous_hash: str, *, occurred_at: str, hashed: bool) -> None:
    """Insert an entry as someone with the database but not the application would."""
    forged = AuditEvent(
        pk=entry_id,
        occurred_at=occurred_at,
        username="nobody",
        action="patient.view",
        outcome="allowed",
        face="web",
        detail={},
    )
    entry_hash = link(previous_hash, canonical("audit", AuditEvent.chained_fields, forged))
    as_owner(
        "INSERT INTO audit_auditevent (id, occurred_at, username, role, action, outcome, "
        "object_type, object_id, face, source_address, detail, previous_hash, entry_hash) "
        "VALUES (%s, %s, 'nobody', '', 'patient.view', 'allowed', '', '', 'web', '', '{}', "
        "%s, %s)",
        [entry_id, occurred_at, previous_hash, entry_hash if hashed else "f" * 64],
    )


@pytest.mark.parametrize("hashed", [False, True], ids=["naive-hash", "well-computed-hash"])
def test_a_forged_entry_at_the_end_is_named(entries: list[AuditEvent], hashed: bool) -> None:
    last = entries[-1]
    _forge(last.pk + 1, last.entry_hash, occurred_at="2020-01-01 00:00:00+00", hashed=hashed)
    broken = broken_at("audit")
    assert broken.entry_id == last.pk + 1
    assert "outside the application" in broken.problem


def test_a_forged_entry_in_a_gap_is_named(entries: list[AuditEvent], users: dict[str, Any]) -> None:
    last = entries[-1]
    AuditEvent.objects.create(pk=last.pk + 2, username="x", action="auth.login", face="web")
    _forge(last.pk + 1, last.entry_hash, occurred_at="2026-01-01 00:00:00+00", hashed=True)
    broken = broken_at("audit")
    assert broken.entry_id == last.pk + 1
    assert "was inserted" in broken.problem


def test_a_cut_off_tail_is_named_by_the_head(entries: list[AuditEvent]) -> None:
    as_owner("DELETE FROM audit_auditevent WHERE id >= %s", [entries[-2].pk])
    broken = broken_at("audit")
    assert broken.entry_id == entries[-1].pk
    assert f"the chain now ends at entry {entries[-3].pk}" in broken.problem
