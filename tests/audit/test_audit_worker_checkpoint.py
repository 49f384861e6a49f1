"""``ketaclinic worker`` checkpoints the chains between tasks (its chore)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.cli.worker import register_chores
from ketaclinic.records.audit.models import Checkpoint
from ketaclinic.records.workers.worker import ReliableWorker


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_a_checkpoint_when_one_is_due(
    settings: Any, tmp_path: Path, users: dict[str, Any]
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    settings.KETACLINIC_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    register_chores()
    worker = ReliableWorker(interval=0, batch=True, max_tasks=None, heartbeat_thread=False)
    worker.run()
    assert set(Checkpoint.objects.values_list("chain", flat=True)) == {"audit", "ledger"}
    lines = (tmp_path / "checkpoints.jsonl").read_text().splitlines()
    assert [json.loads(line)["chain"] for line in lines] == ["audit", "ledger"]
    ReliableWorker(interval=0, batch=True, max_tasks=None, heartbeat_thread=False).run()
    assert Checkpoint.objects.count() == 2  # the next is due in an hour
