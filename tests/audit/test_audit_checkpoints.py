"""Checkpoints of the chain heads, in the database and in a file kept elsewhere: a tail cut off
after one is found, even when the head was moved back too (both databases)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.cli import main as cli
from ketaclinic.records.audit import checkpoints
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.models import AuditEvent, Checkpoint
from support import as_owner, broken_at
from support import chain_report as report


@pytest.fixture
def entries(users: dict[str, Any], actor_for: Any) -> list[AuditEvent]:
    actor = actor_for(users["manager"])
    for _ in range(4):
        audit.record(actor, Audited.BOARD_UTILISATION)
    return list(AuditEvent.objects.order_by("pk"))


@pytest.fixture
def checkpoint_file(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "elsewhere" / "checkpoints.jsonl"
    path.parent.mkdir()
    settings.KETACLINIC_AUDIT_CHECKPOINT_FILE = str(path)
    return path


def test_a_checkpoint_goes_to_the_table_the_file_and_the_screen(
    entries: list[AuditEvent], checkpoint_file: Path, capsys: Any
) -> None:
    assert cli(["audit", "checkpoint"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["chain"] for line in printed] == ["audit", "ledger"]
    assert printed[0]["entry_id"] == entries[-1].pk
    assert printed[0]["entry_hash"] == entries[-1].entry_hash
    assert printed[1] | {"taken_at": ""} == {
        "chain": "ledger",
        "table": "ledger_entry",
        "entry_id": None,
        "entry_hash": "0" * 64,
        "taken_at": "",
    }
    assert [json.loads(line) for line in checkpoint_file.read_text().splitlines()] == printed
    assert list(Checkpoint.objects.values_list("chain", "entry_id")) == [
        ("audit", entries[-1].pk),
        ("ledger", None),
    ]
    from_file = checkpoints.read_file(checkpoint_file)
    assert report("audit", from_file).checkpoints == 2  # the table's and the file's


def test_a_tail_cut_after_a_checkpoint_is_found_even_with_the_head_moved_back(
    entries: list[AuditEvent], checkpoint_file: Path, capsys: Any
) -> None:
    checkpoints.write()
    # Cut the last two entries and move the head back, as the owner of the tables could.
    as_owner("DELETE FROM audit_auditevent WHERE id >= %s", [entries[-2].pk])
    as_owner(
        "UPDATE audit_chainhead SET entry_id = %s, entry_hash = %s WHERE chain = 'audit'",
        [entries[-3].pk, entries[-3].entry_hash],
    )
    broken = broken_at("audit")
    assert broken.entry_id == entries[-1].pk
    assert "the checkpoint of" in broken.problem
    # The file alone (the database's checkpoints removed too) finds it as well.
    as_owner("DELETE FROM audit_checkpoint")
    assert report("audit").intact  # without the file
    assert cli(["audit", "verify", "--format", "json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["checkpoint_file"] == str(checkpoint_file)
    assert answer["chains"][0]["broken"]["entry_id"] == entries[-1].pk
    assert "checkpoint file" in answer["chains"][0]["broken"]["problem"]


def test_a_checkpointed_entry_rewritten_with_a_new_chain_is_found(
    entries: list[AuditEvent], checkpoint_file: Path
) -> None:
    checkpoints.write()
    as_owner(
        "UPDATE audit_auditevent SET entry_hash = %s WHERE id = %s", ["e" * 64, entries[-1].pk]
    )
    assert broken_at("audit").entry_id == entries[-1].pk


def test_an_unreadable_checkpoint_file_exits_2(db: Any, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert cli(["audit", "verify", "--checkpoints", str(bad)]) == 2
    assert "--checkpoints" in capsys.readouterr().err
    assert cli(["audit", "verify", "--checkpoints", str(tmp_path / "none")]) == 2
    assert cli(["audit", "checkpoint", "--file", str(tmp_path)]) == 2  # a directory


def test_due_checkpoints_only(entries: list[AuditEvent]) -> None:
    assert len(checkpoints.write_if_due(timedelta(hours=1))) == 2
    assert checkpoints.write_if_due(timedelta(hours=1)) == []
    assert len(checkpoints.write_if_due(timedelta(0))) == 2
