"""``ketaclinic worker``: run the background task worker (reminders, waitlist offers).

It is django-tasks-db's ``db_worker``, for the database backend that production uses
(settings ``TASKS``); run one or more beside the web servers.
"""

from __future__ import annotations

import argparse

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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.interval >= 0:
        raise UsageError("--interval", f"{args.interval} must be 0 or more")
    if args.max_tasks is not None and args.max_tasks < 1:
        raise UsageError("--max-tasks", f"{args.max_tasks} must be at least 1")
    setup_django()
    from django.core.management import call_command
    from django_tasks import default_task_backend

    if not default_task_backend.supports_defer:
        raise UsageError(
            "TASKS",
            "the task backend runs tasks in-process (demo settings): no worker is needed",
        )
    options: dict[str, object] = {"interval": args.interval, "batch": args.batch}
    if args.max_tasks is not None:
        options["max_tasks"] = args.max_tasks
    call_command("db_worker", **options)
    return 0
