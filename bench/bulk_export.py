"""Bulk export benchmark (issue 19): the FHIR Bulk Data ``$export`` machinery beside the CSV
research export, on the same generated clinic in PostgreSQL, in one run.

    .venv/bin/python bench/bulk_export.py [--patients 100000] [--database kc_bench_bulk_export]

Creates the database (dropping an earlier one of that name), migrates it and generates the
clinic in bulk SQL: the patients and their 30 scores each from bench/outcomes.py (its sessions
and plans are left out: that part of its SQL no longer matches the schema), an alert for one
patient in twenty, a drop-out for another in twenty, and a weight and height each. Then runs,
one after the other in this process, the bulk export's task body
(``interop.fhir.bulk.write_files``: every patient's resources as NDJSON files, one per type, in
a temporary folder) and the research export streamed to a counting sink (bench/outcomes.py's
``run_export``). For each: lines, MB, seconds, lines/s and the process's peak resident set
while it ran (VmHWM, reset through /proc/self/clear_refs just before). Prints a Markdown table
for docs/PERFORMANCE.md; drops the database unless --keep (``--reuse`` times a kept one).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/http.py hides http


def _outcomes_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_outcomes", HERE / "outcomes.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


MEASUREMENTS_SQL = """
INSERT INTO patients_bodymeasurement (patient_id, measured_at, weight_kg, height_cm,
    recorded_by_id, recorded_at)
SELECT id, created_at, 55 + id %% 40, 150 + id %% 40, %(physician)s, now() FROM patients_patient
"""


def generate(patients: int, outcomes: Any) -> float:
    """The data, in SQL, in one transaction; its seconds."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction

    from ketaclinic.records.accounts.models import User

    start = time.perf_counter()
    today = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    params = {
        "physician": User.objects.create_user(
            "bench-physician", password="x" * 20, role="physician"
        ).pk,
        "origin": today - timedelta(days=900),
        "patients": patients,
    }
    User.objects.create_user("bench-manager", password="x" * 20, role="manager")
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (outcomes.PATIENTS_SQL, outcomes.ASSESSMENTS_SQL, outcomes.SIDE_SQL):
            cursor.execute(sql, params)
        cursor.execute(MEASUREMENTS_SQL, params)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = {}
        for name in ("patients_patient", "assessments_assessment"):
            cursor.execute(f"SELECT count(*) FROM {name}")
            found[name] = cursor.fetchone()[0]
    return found


def fhir_export(physician: Any, folder: Path, outcomes: Any) -> Any:
    """The bulk export's task body on every patient: an ``ExportRun`` like the CSV one."""
    from ketaclinic.interop.fhir import bulk
    from ketaclinic.records.exports import services as exports

    job = exports.start_export(physician, request_url="http://bench/fhir/$export")
    job = exports.claim(str(job.pk))
    rss_before = outcomes._status_mib("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    start = time.perf_counter()
    counts = bulk.write_files(job, folder)
    seconds = time.perf_counter() - start
    assert counts is not None
    size = sum(file.stat().st_size for file in folder.iterdir())
    return outcomes.ExportRun(
        sum(counts.values()), size, seconds, rss_before, outcomes._status_mib("VmHWM"), None
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database", default="kc_bench_bulk_export")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time the database as it is")
    args = parser.parse_args()
    outcomes = _outcomes_bench()
    if not args.reuse:
        outcomes._create_database(args.database)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ketaclinic.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    folder = Path(tempfile.mkdtemp(prefix="ketaclinic-bench-bulk-"))
    try:
        call_command("migrate", verbosity=0)
        if not args.reuse:
            print(f"generated in {generate(args.patients, outcomes):.0f} s", file=sys.stderr)
        from ketaclinic.interop.research import research_files
        from ketaclinic.records.accounts.models import User
        from ketaclinic.records.context import Actor, Face
        from ketaclinic.records.outcomes import research

        physician = Actor(User.objects.get(username="bench-physician"), Face.SYSTEM, "bench")
        manager = Actor(User.objects.get(username="bench-manager"), Face.SYSTEM, "bench")
        rows = counts()
        print("FHIR bulk export", file=sys.stderr)
        fhir = fhir_export(physician, folder, outcomes)
        print("research export", file=sys.stderr)
        csv = outcomes.run_export(
            lambda: research_files(research.research_tables(manager)), None, False
        )
        print(
            f"{rows['patients_patient']:,} patients, {rows['assessments_assessment']:,} "
            "assessments\n\n"
            "| export | lines | MB | seconds | lines/s | peak RSS (before) |\n"
            "|---|---:|---:|---:|---:|---:|"
        )
        for name, run in (("FHIR `$export` (NDJSON)", fhir), ("research export (CSV)", csv)):
            print(
                f"| {name} | {run.lines:,} | {run.bytes / 1e6:,.0f} | {run.seconds:,.0f} | "
                f"{run.lines / run.seconds:,.0f} | {run.peak_rss_mib:.0f} MiB "
                f"({run.rss_before_mib:.0f} MiB) |"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            outcomes._drop_database(args.database)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
