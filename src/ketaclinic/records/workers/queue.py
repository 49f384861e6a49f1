"""The task queue's bookkeeping: heartbeats, reclaiming abandoned tasks, retries, status.

A worker beats every ``BEAT_EVERY``; a task whose worker has not beaten for ``LEASE`` is
abandoned (the worker was killed or lost its machine) and goes back to the queue. A task that
fails is tried again after a growing delay, up to ``MAX_ATTEMPTS`` in all; the tasks are
written to be idempotent (a reminder already sent is not sent again).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

BEAT_EVERY = timedelta(seconds=10)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try, after ``attempts`` tries: 10 s, 20 s, 40 s … at most 10 min."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def beat(worker_id: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": timezone.now(),
        },
    )


def stop(worker_id: str) -> None:
    """A worker that exits cleanly gives up its lease at once."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def attempts(task: DBTaskResult) -> int:
    return len(task.worker_ids)


def retry_or_fail(task: DBTaskResult) -> bool:
    """After a failed try: queue the task again with a delay (True), or leave it failed."""
    if attempts(task) >= MAX_ATTEMPTS:
        return False
    task.status = TaskResultStatus.READY
    task.run_after = timezone.now() + retry_delay(attempts(task))
    task.finished_at = None
    task.save(update_fields=["status", "run_after", "finished_at"])
    return True


def release_running(worker_id: str) -> int:
    """Put back the tasks this worker was running when it lost its database connection."""
    released = 0
    for task in DBTaskResult.objects.running():
        if task.worker_ids and task.worker_ids[-1] == worker_id:
            released += int(retry_or_fail(task) or _fail(task))
    return released


def reclaim_abandoned(now: datetime | None = None) -> int:
    """Put back the running tasks whose worker's lease has expired; the number put back."""
    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gt=now - LEASE).values_list("worker_id", flat=True)
    )
    reclaimed = 0
    for task in DBTaskResult.objects.running().filter(started_at__lt=now - LEASE):
        if not task.worker_ids or task.worker_ids[-1] not in alive:
            reclaimed += int(retry_or_fail(task) or _fail(task))
    WorkerHeartbeat.objects.filter(beat_at__lt=now - 10 * LEASE).delete()
    return reclaimed


def _fail(task: DBTaskResult) -> bool:
    task.status = TaskResultStatus.FAILED
    task.finished_at = timezone.now()
    task.exception_class_path = "ketaclinic.records.workers.Abandoned"
    task.traceback = f"abandoned {MAX_ATTEMPTS} times by workers that stopped"
    task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    return True


@dataclass(frozen=True)
class QueueStatus:
    ready: int
    running: int
    failed: int
    oldest_ready_age_s: float | None
    workers: dict[str, float]  # worker id → seconds since its last heartbeat

    @property
    def last_heartbeat_age_s(self) -> float | None:
        return min(self.workers.values()) if self.workers else None


def status(now: datetime | None = None) -> QueueStatus:
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return QueueStatus(
        ready=ready.count(),
        running=DBTaskResult.objects.running().count(),
        failed=DBTaskResult.objects.failed().count(),
        oldest_ready_age_s=(now - oldest).total_seconds() if oldest else None,
        workers={
            worker_id: (now - beat_at).total_seconds()
            for worker_id, beat_at in WorkerHeartbeat.objects.values_list("worker_id", "beat_at")
        },
    )


def worker_alive(now: datetime | None = None) -> bool:
    """True when some worker has beaten within its lease."""
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(beat_at__gt=now - LEASE).exists()
