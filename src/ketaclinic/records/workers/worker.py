"""``ketaclinic worker``'s loop: django-tasks-db's worker made to survive what production does.

- A dropped database connection (a database restart, a network blip) is waited out: the
  worker reconnects with a growing pause, and the task it was running goes back to the queue.
- A failed task is tried again later (``queue.retry_delay``), up to ``queue.MAX_ATTEMPTS``.
- Periodic chores (``chores``: expired API tokens, the audit chains' checkpoint) run between
  tasks, each when due.
- A heartbeat thread (its own connection) keeps this worker's lease while a task runs; a
  worker that dies loses its lease and any other worker takes its tasks back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from . import chores, queue

logger = logging.getLogger("ketaclinic.worker")

LONGEST_PAUSE_S = 30.0
BATCH_TRIES = 5  # a --batch run gives up after this many lost connections in a row


def new_worker_id() -> str:
    return f"w-{get_random_string(24)}"


class ReliableWorker(Worker):
    def __init__(self, *, heartbeat_thread: bool = True, **options: Any) -> None:
        options.setdefault("worker_id", new_worker_id())
        options.setdefault("queue_names", ["*"])
        options.setdefault("excluded_queue_names", [])
        options.setdefault("startup_delay", False)
        options.setdefault("backend_name", "default")
        super().__init__(**options)
        self.started_at = timezone.now()
        self.heartbeat_thread = heartbeat_thread
        self._stop_beating = threading.Event()

    def run(self) -> None:
        logger.info("worker %s starting", self.worker_id)
        beater = self._start_heartbeat()
        pause_s = self.interval or 0.1
        lost = 0
        try:
            while self.running:
                try:
                    finished = self._one_round()
                except DatabaseError as error:
                    lost += 1
                    if self.batch and lost >= BATCH_TRIES:
                        raise  # a one-off run reports the outage instead of waiting it out
                    logger.warning(
                        "worker %s lost the database (%s); reconnecting", self.worker_id, error
                    )
                    connections.close_all()
                    time.sleep(pause_s)  # back off while the database is away
                    pause_s = min(pause_s * 2, LONGEST_PAUSE_S)
                    self._put_back_own_tasks()
                    continue
                pause_s, lost = self.interval or 0.1, 0
                if finished:
                    return
        finally:
            self._stop_beating.set()
            if beater is not None:
                beater.join(timeout=5)
            with contextlib.suppress(DatabaseError):  # else the lease runs out by itself
                queue.stop(self.worker_id)

    def _one_round(self) -> bool:
        """Claim and run one task; True when the worker should stop."""
        close_old_connections()
        if not self.heartbeat_thread:
            queue.beat(self.worker_id, self.started_at)
        queue.reclaim_abandoned()
        chores.run_due()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        with exclusive_transaction(tasks.db):
            task = tasks.get_locked()
            if task is not None:
                task.claim(self.worker_id)
        if task is not None:
            self.run_task(task)
        if self.batch and task is None:
            return True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return True
        if self.running and task is None:
            time.sleep(self.interval)
        return False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == "FAILED":
            with transaction.atomic():
                retried = queue.retry_or_fail(db_task_result)
            logger.warning(
                "task %s (%s) failed on try %d; %s",
                db_task_result.id,
                db_task_result.task_path,
                queue.attempts(db_task_result),
                "will try again" if retried else "giving up",
            )

    def _put_back_own_tasks(self) -> None:
        try:
            released = queue.release_running(self.worker_id)
        except DatabaseError:
            return  # still away: the next round tries again, or the lease runs out
        if released:
            logger.warning("worker %s put %d interrupted task(s) back", self.worker_id, released)

    def _start_heartbeat(self) -> threading.Thread | None:
        if not self.heartbeat_thread:
            return None
        thread = threading.Thread(target=self._beat_until_stopped, daemon=True)
        thread.start()
        return thread

    def _beat_until_stopped(self) -> None:
        try:
            while not self._stop_beating.is_set():
                try:
                    queue.beat(self.worker_id, self.started_at)
                except DatabaseError:
                    connections.close_all()
                self._stop_beating.wait(queue.BEAT_EVERY.total_seconds())
        finally:
            connections.close_all()
