"""``ketaclinic worker`` never loses work: retries, reclaimed leases, reconnection, status."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
import worker_tasks
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ketaclinic.cli import main
from ketaclinic.records.workers import queue
from ketaclinic.records.workers.worker import ReliableWorker

# The worker commits and reconnects as in production: no test transaction around it.
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def database_tasks(settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS
    worker_tasks.FAILURES_LEFT.clear()


def _work() -> None:
    ReliableWorker(interval=0, batch=True, max_tasks=None, heartbeat_thread=False).run()


def _due_now() -> None:
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_failed_task_is_tried_again_later_and_then_succeeds() -> None:
    worker_tasks.FAILURES_LEFT["reminder"] = 1
    result = worker_tasks.flaky.enqueue("reminder")
    before = timezone.now()
    _work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY"
    assert row.run_after >= before + queue.FIRST_RETRY
    _due_now()
    _work()
    row.refresh_from_db()
    assert (row.status, row.return_value, len(row.worker_ids)) == ("SUCCESSFUL", "reminder done", 2)


@pytest.mark.django_db(transaction=True)
def test_a_task_that_keeps_failing_is_given_up_after_the_last_try() -> None:
    worker_tasks.FAILURES_LEFT["doomed"] = 99
    result = worker_tasks.flaky.enqueue("doomed")
    for _ in range(queue.MAX_ATTEMPTS):
        _due_now()
        _work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED"
    assert len(row.worker_ids) == queue.MAX_ATTEMPTS


def test_retry_delays_grow_and_are_capped() -> None:
    delays = [queue.retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] == queue.FIRST_RETRY
    assert max(delays) == queue.LONGEST_RETRY


@pytest.mark.django_db(transaction=True)
def test_a_dead_workers_task_is_taken_back_and_run() -> None:
    result = worker_tasks.flaky.enqueue("orphan")
    long_ago = timezone.now() - 2 * queue.LEASE
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=long_ago, worker_ids=["killed-worker"]
    )
    _work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY"  # put back with the first retry delay
    _due_now()
    _work()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.worker_ids[0] == "killed-worker"


@pytest.mark.django_db(transaction=True)
def test_a_live_workers_long_task_is_left_alone() -> None:
    result = worker_tasks.flaky.enqueue("long")
    long_ago = timezone.now() - 2 * queue.LEASE
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=long_ago, worker_ids=["busy-worker"]
    )
    queue.beat("busy-worker", long_ago)
    assert queue.reclaim_abandoned() == 0
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"


@pytest.mark.django_db(transaction=True)
def test_readiness_needs_a_recent_worker_heartbeat() -> None:
    answer = Client().get("/health/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] is False
    queue.beat("w-1", timezone.now())
    answer = Client().get("/health/ready")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"database": True, "migrations": True, "worker": True}


@pytest.mark.django_db(transaction=True)
def test_status_reports_queue_depth_and_heartbeat_age(capsys: pytest.CaptureFixture[str]) -> None:
    worker_tasks.flaky.enqueue("a")
    worker_tasks.flaky.enqueue("b")
    queue.beat("w-1", timezone.now() - timedelta(minutes=5))
    assert main(["worker", "--status"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["ready"] == 2
    assert status["running"] == 0
    assert status["oldest_ready_age_s"] >= 0
    assert 0 <= status["workers"]["w-1"] < 60


@pytest.mark.parametrize(
    ("argv", "field"),
    [(["--processes", "0"], "--processes"), (["--interval", "-1"], "--interval")],
)
def test_bad_worker_options_exit_2(argv: list[str], field: str, capsys: Any) -> None:
    assert main(["worker", *argv]) == 2
    assert field in capsys.readouterr().err


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_waited_out_and_the_task_runs_again() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the test terminates the worker's server connection")
    worker_tasks.FAILURES_LEFT["dropped"] = 1
    result = worker_tasks.drops_its_connection.enqueue("dropped")
    _work()  # the task kills its connection; the worker reconnects and puts it back
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY"
    _due_now()
    _work()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_expired_api_tokens_as_a_periodic_chore(
    users: dict[str, Any],
) -> None:
    from ketaclinic.records.accounts.models import ApiToken
    from ketaclinic.records.workers import chores

    assert "expired API tokens" in chores.registered()
    now = timezone.now()
    for hours in (-1, -2, 3):
        ApiToken.objects.create(
            user=users["nurse"], digest=f"d{hours}", expires_at=now + timedelta(hours=hours)
        )
    cleared = chores.run_due(now=time.monotonic() + 86400)  # a day on: every chore is due
    assert cleared["expired API tokens"] == 2
    assert list(ApiToken.objects.values_list("digest", flat=True)) == ["d3"]
