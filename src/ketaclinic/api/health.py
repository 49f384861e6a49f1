"""Health endpoints for load balancers and orchestrators: cheap, unaudited, no patient data.

``/health/live`` answers while the process can answer; ``/health/ready`` also checks that
the database is reachable, every migration is applied and, where tasks go to a separate
worker (the database task backend), that a worker's heartbeat is recent.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks import default_task_backend

from ketaclinic.records.workers import queue

_migrations_applied = False  # once true in a process, it stays true: new migrations mean new code


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _migrations_are_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


def _worker_alive() -> bool:
    try:
        return queue.worker_alive()
    except DatabaseError:
        return False


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "live"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_reachable()}
    checks["migrations"] = checks["database"] and _migrations_are_applied()
    if default_task_backend.supports_defer:
        checks["worker"] = checks["database"] and _worker_alive()
    ok = all(checks.values())
    return JsonResponse(
        {"status": "ready" if ok else "not ready", "checks": checks}, status=200 if ok else 503
    )
