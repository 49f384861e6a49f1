"""Audit chain benchmark (issue 17): the cost of one audit append with the hash chain (lock
the chain head, hash, insert, move the head) beside a plain insert of the same row (as before
the chain), one writer and several at once; and ``audit verify`` per 10,000 entries.

    .venv/bin/python bench/audit.py [--database sqlite|postgres] [--appends 2000] [--writers 4]

Creates a scratch database (PostgreSQL: ``ketaclinic_bench_audit`` on 127.0.0.1, dropped
afterwards; SQLite: a temporary file), migrates it and prints a Markdown table for
docs/PERFORMANCE.md. Each append is its own transaction, as a read's audit entry is.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "ketaclinic_bench_audit"


def _postgres(create: bool) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        if create:
            db.execute(f'CREATE DATABASE "{NAME}"')


def _per_append_ms(append: Callable[[], Any], count: int, writers: int) -> float:
    """Wall time per append with ``writers`` threads sharing ``count`` appends."""
    from django.db import connections

    barrier = threading.Barrier(writers)

    def work() -> None:
        barrier.wait()
        for _ in range(count // writers):
            append()
        connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - started) * 1000 / (count // writers * writers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    if args.database == "postgres":
        _postgres(create=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{NAME}"
    else:
        path = Path(tempfile.gettempdir()) / f"ketaclinic-bench-audit-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ketaclinic.settings.base"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.core.management import call_command

    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.append_only import AppendOnlyModel
    from ketaclinic.records.audit import services as audit
    from ketaclinic.records.audit import verification
    from ketaclinic.records.audit.actions import Audited
    from ketaclinic.records.audit.models import AuditEvent
    from ketaclinic.records.context import Actor, Face

    try:
        call_command("migrate", verbosity=0)
        user = User.objects.create_user(username="bench", password=None, role="nurse")
        actor = Actor(user, Face.API, "127.0.0.1")

        def chained() -> None:
            audit.record(actor, Audited.WAITLIST_VIEW, patient_id=1, detail={"q": "x"})

        def plain() -> None:  # the same row, inserted as before the chain
            event = AuditEvent(
                actor=user,
                username="bench",
                role="nurse",
                action=str(Audited.WAITLIST_VIEW),
                patient_id=1,
                face="api",
                source_address="127.0.0.1",
                detail={"q": "x"},
            )
            AppendOnlyModel.save(event)

        for _ in range(args.appends * 2):  # a chain of its own first, to time verify on
            chained()
        started = time.perf_counter()
        (report,) = [r for r in verification.verify() if r.chain == "audit"]
        verify_s = time.perf_counter() - started
        assert report.intact, report.broken
        total = report.entries
        rows = []
        for writers in (1, args.writers):
            times: dict[str, list[float]] = {"plain": [], "chained": []}
            for _ in range(args.repeats):
                for label, append in (("plain", plain), ("chained", chained)):
                    times[label].append(_per_append_ms(append, args.appends, writers))
            before, after = (statistics.median(times[k]) for k in ("plain", "chained"))
            rows.append((writers, before, after))
    finally:
        from django.db import connections

        connections.close_all()
        if args.database == "postgres":
            _postgres(create=False)

    print(
        f"Python {platform.python_version()}, {args.database}, {args.appends} appends per run, "
        f"median of {args.repeats} runs",
        file=sys.stderr,
    )
    print("| writers | plain insert (before) | chained append (after) | ratio |")
    print("|---|---|---|---|")
    for writers, before, after in rows:
        print(f"| {writers} | {before:.2f} ms | {after:.2f} ms | {after / before:.2f}× |")
    per_10k = verify_s * 10000 / total
    print(f"\nverify: {total:,} entries in {verify_s:.2f} s ({per_10k:.2f} s per 10,000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
