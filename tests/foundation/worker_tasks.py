"""Tasks for the worker tests: one that fails a given number of times, one that drops its own
database connection once."""

from __future__ import annotations

from django.db import connection
from django_tasks import task

FAILURES_LEFT: dict[str, int] = {}


@task()
def flaky(name: str) -> str:
    if FAILURES_LEFT.get(name, 0) > 0:
        FAILURES_LEFT[name] -= 1
        raise RuntimeError(f"{name}: the mail server did not answer")
    return f"{name} done"


@task()
def drops_its_connection(name: str) -> str:
    if FAILURES_LEFT.get(name, 0) > 0:
        FAILURES_LEFT[name] -= 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    return f"{name} done"
