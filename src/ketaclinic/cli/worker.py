"""``ketaclinic worker``: run the background task worker (reminders, waitlist offers, outcome
summaries) for the database task backend that production uses (settings ``TASKS``); between
tasks it checkpoints the audit and ledger chains every ``KETACLINIC_AUDIT_CHECKPOINT_EVERY_MIN``
minutes (``ketaclinic audit checkpoint``).

It reconnects when the database goes away, retries failed tasks with a growing delay, keeps a
heartbeat so that another worker takes back the tasks of one that died, and with
``--processes N`` runs and restarts N worker processes. ``--status`` prints the queue as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import subprocess
import sys
import time
from types import FrameType

from .base import Subparsers, UsageError, setup_django


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "worker", help="run the background task worker (reminders, waitlist offers)"
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle (default 1)"
    )
    parser.add_argument(
        "--batch", action="store_true", help="run every task that is due, then exit"
    )
    parser.add_argument("--max-tasks", type=int, help="exit after this many tasks")
    parser.add_argument(
        "--processes", type=int, default=1, help="worker processes to run and restart (default 1)"
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="print the queue (ready, running, failed, oldest wait, heartbeats) as JSON and exit",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.interval >= 0:
        raise UsageError("--interval", f"{args.interval} must be 0 or more")
    if args.max_tasks is not None and args.max_tasks < 1:
        raise UsageError("--max-tasks", f"{args.max_tasks} must be at least 1")
    if args.processes < 1:
        raise UsageError("--processes", f"{args.processes} must be at least 1")
    setup_django()
    from django_tasks import default_task_backend

    if not default_task_backend.supports_defer:
        raise UsageError(
            "TASKS",
            "the task backend runs tasks in-process (demo settings): no worker is needed",
        )
    if args.status:
        return print_status()
    if args.processes > 1:
        return supervise(args)
    from ketaclinic.records.workers.worker import ReliableWorker

    register_chores()
    worker = ReliableWorker(interval=args.interval, batch=args.batch, max_tasks=args.max_tasks)
    worker.configure_signals()
    worker.run()
    return 0


def register_chores() -> None:
    """The worker's periodic work that no records app can register itself: the audit chains'
    checkpoint (the audit app sits beside the workers app), written when the newest is the
    configured interval old; several workers check once a minute each."""
    from datetime import timedelta

    from django.conf import settings

    from ketaclinic.records.audit import checkpoints
    from ketaclinic.records.workers import chores

    every = timedelta(minutes=settings.KETACLINIC_AUDIT_CHECKPOINT_EVERY_MIN)
    chores.every(
        min(every, timedelta(minutes=1)),
        "audit checkpoint",
        lambda: checkpoints.write_if_due(every),
    )


def print_status() -> int:
    from ketaclinic.records.workers import queue

    print(json.dumps(dataclasses.asdict(queue.status()), sort_keys=True))
    return 0


def supervise(args: argparse.Namespace) -> int:
    """Run ``args.processes`` single workers; restart any that exits until told to stop."""
    command = [sys.executable, "-m", "ketaclinic", "worker", "--interval", str(args.interval)]
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children.extend(subprocess.Popen(command) for _ in range(args.processes))
    while not stopping:
        for index, child in enumerate(children):
            if child.poll() is not None and not stopping:
                print(f"worker process {child.pid} exited ({child.returncode}); restarting")
                children[index] = subprocess.Popen(command)
        time.sleep(1)  # the supervisor's poll period
    for child in children:
        child.wait()
    return 0
