"""Outcomes benchmark (issue 8): the cohort dashboard, one patient's outcome screen and the
streamed research export on generated data in PostgreSQL, beside a naive per-patient ORM loop.

    .venv/bin/python bench/outcomes.py [--patients 100000] [--database ketaclinic_bench_outcomes]

Creates the database (dropping an earlier one of that name), migrates it, generates the data
in SQL (each patient: a baseline of the seven outcome scales, twelve pain follow-ups, four FIQR,
two PHQ-9 and two GAD-7 follow-ups, a pre/post pain pair and a CADSS-6: 30 scores; one patient
with 3,000 more; one alert and one drop-out per 20 patients), times each path, drops the
database unless --keep, and prints a Markdown section for docs/PERFORMANCE.md.

Infusion sessions are not generated: their records (ketaclinic.records.sessions) need signed
plans, orders and ledger rows; the sessions seam is still called (with every cohort patient id)
and its cost is in the figures, but durability, side effects and series use no rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

SCORES_PER_PATIENT = 30
LONG_HISTORY = 3000


def _create_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


PATIENTS_SQL = """
INSERT INTO patients_patient (mrn, given_name, family_name, date_of_birth, sex, phone, email,
    address, emergency_contact_name, emergency_contact_phone, emergency_contact_relationship,
    allergies, medications, history_flags, physician_id, created_at, updated_at)
SELECT 'B-' || p, 'Given' || p, 'Family' || p, DATE '1940-01-01' + (p * 37 %% 20000),
    CASE WHEN p %% 5 = 0 THEN 'male' ELSE 'female' END, '555-' || p, 'p' || p || '@example.org',
    p || ' Example Street', '', '', '', '[]', '[]', '[]', %(physician)s, now(), now()
FROM generate_series(1, %(patients)s) AS p
"""

# 30 scores per patient: k 0-6 the baseline of the seven scales, 7-18 pain every two weeks,
# 19-22 FIQR every four weeks, 23-24 PHQ-9, 25-26 GAD-7, 27-28 a pre/post pain pair, 29 CADSS-6.
ASSESSMENTS_SQL = """
INSERT INTO assessments_assessment (patient_id, instrument_id, instrument_version, context,
    completed_at, answers, total, subscores, band_code, band_label, valid, invalid_reasons,
    criteria, alerts, entered_by, recorded_by_id, recorded_at, request_id, amends_id,
    amendment_reason)
SELECT pt.id, s.instrument, '1.0.0', s.context, s.at, jsonb_build_object(s.instrument, s.total),
    s.total, '{}', '', '', true, '[]', NULL, '[]', 'staff', %(physician)s, now(), NULL, NULL, ''
FROM patients_patient pt
CROSS JOIN LATERAL (
    SELECT k,
        CASE
            WHEN k < 7 THEN (ARRAY['nrs_pain_average', 'fiqr', 'phq9', 'gad7',
                'nrs_sleep_quality', 'nrs_fatigue', 'nrs_cognition'])[k + 1]
            WHEN k < 19 OR k IN (27, 28) THEN 'nrs_pain_average'
            WHEN k < 23 THEN 'fiqr'
            WHEN k < 25 THEN 'phq9'
            WHEN k < 27 THEN 'gad7'
            ELSE 'cadss6'
        END AS instrument,
        CASE
            WHEN k < 7 THEN 'baseline'
            WHEN k = 27 THEN 'pre_infusion'
            WHEN k = 28 THEN 'post_infusion'
            WHEN k = 29 THEN 'during_infusion'
            ELSE 'follow_up'
        END AS context,
        now() - interval '900 days' + (pt.id %% 730) * interval '1 day' + CASE
            WHEN k < 7 THEN interval '0'
            WHEN k < 19 THEN (k - 6) * interval '14 days'
            WHEN k < 23 THEN (k - 18) * interval '28 days'
            WHEN k < 27 THEN (k - 22) * interval '40 days'
            WHEN k = 27 THEN interval '3 days'
            ELSE interval '3 days 2 hours'
        END AS at,
        CASE
            WHEN k IN (1, 19, 20, 21, 22) THEN greatest(0, 40 + pt.id %% 50
                - CASE WHEN k = 1 THEN 0 ELSE (pt.id * 3 + k) %% 30 END)
            WHEN k IN (2, 3, 23, 24, 25, 26) THEN greatest(0, 8 + pt.id %% 10
                - CASE WHEN k < 4 THEN 0 ELSE (pt.id + k) %% 8 END)
            WHEN k = 29 THEN (pt.id + k) %% 12
            ELSE greatest(0, 4 + pt.id %% 6 - CASE WHEN k < 7 THEN 0 ELSE (pt.id * 7 + k) %% 5 END)
        END::float AS total
    FROM generate_series(0, 29) AS k
) s
"""

LONG_SQL = """
INSERT INTO assessments_assessment (patient_id, instrument_id, instrument_version, context,
    completed_at, answers, total, subscores, band_code, band_label, valid, invalid_reasons,
    criteria, alerts, entered_by, recorded_by_id, recorded_at, request_id, amends_id,
    amendment_reason)
SELECT %(patient)s, 'nrs_pain_average', '1.0.0',
    (ARRAY['pre_infusion', 'post_infusion', 'follow_up'])[i %% 3 + 1],
    now() - interval '899 days' + (i / 3) * interval '20 hours' + (i %% 3) * interval '2 hours',
    '{}', (i %% 9)::float, '{}', '', '', true, '[]', NULL, '[]', 'staff', %(physician)s, now(),
    NULL, NULL, ''
FROM generate_series(0, %(count)s - 1) AS i
"""

SIDE_SQL = """
INSERT INTO alerts_alert (patient_id, code, message, severity, suggested_action, source_type,
    source_id, addressed_to_id, raised_at, raised_by_id)
SELECT id, 'phq9_item9', 'synthetic', 'urgent', '', 'assessments.assessment', '0', NULL,
    now() - interval '100 days', %(physician)s
FROM patients_patient WHERE id %% 20 = 0;
INSERT INTO outcomes_discontinuation (patient_id, protocol_id, reason, note, stopped_on,
    recorded_by_id, recorded_at, amends_id, amendment_reason)
SELECT id, '', (ARRAY['side_effects', 'no_benefit', 'cost', 'patient_choice'])[id %% 4 + 1], '',
    current_date - 30, %(physician)s, now(), NULL, ''
FROM patients_patient WHERE id %% 20 = 7;
"""


def _timed(work: Callable[[], Any], repeats: int = 1) -> tuple[float, Any]:
    """Median seconds over ``repeats`` and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def generate(patients: int) -> dict[str, float]:
    from django.db import connection

    from ketaclinic.records.accounts.models import User

    physician = User.objects.create_user("bench-physician", password="x" * 20, role="physician")
    User.objects.create_user("bench-manager", password="x" * 20, role="manager")
    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(PATIENTS_SQL, {"physician": physician.pk, "patients": patients})
        cursor.execute(ASSESSMENTS_SQL, {"physician": physician.pk})
        cursor.execute("SELECT min(id) FROM patients_patient")
        first = cursor.fetchone()[0]
        cursor.execute(
            LONG_SQL, {"patient": first, "physician": physician.pk, "count": LONG_HISTORY}
        )
        cursor.execute(SIDE_SQL, {"physician": physician.pk})
        seconds["generate"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute("ANALYZE")
        seconds["analyze"] = time.perf_counter() - start
    return seconds


def naive_cohort(patient_ids: list[int], now: Any) -> dict[str, int]:
    """The peer: one ORM query per patient, then the pure per-patient rule in Python."""
    from ketaclinic.outcomes import ScorePoint, assess_patient
    from ketaclinic.records.assessments.models import Assessment

    counted = {"patients": 0, "moderate": 0}
    for patient_id in patient_ids:
        points = (
            [
                ScorePoint(a.instrument_id, a.completed_at, a.total, a.context, a.pk)
                for a in Assessment.objects.filter(patient_id=patient_id, valid=True)
                if a.amendment_id_cache is None
            ]
            if False
            else [
                ScorePoint(a.instrument_id, a.completed_at, a.total, a.context, a.pk)
                for a in Assessment.objects.current().filter(patient_id=patient_id, valid=True)
            ]
        )
        outcome = assess_patient(points, [], protocol=None, now=now)
        counted["patients"] += 1
        counted["moderate"] += outcome.pain_response.responder
    return counted


class _Sink:
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> None:
        self.bytes += len(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database", default="ketaclinic_bench_outcomes")
    parser.add_argument("--screens", type=int, default=50, help="patient screens timed")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each dashboard")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--setup-only", action="store_true", help="generate and keep; time nothing")
    args = parser.parse_args()

    _create_database(args.database)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ketaclinic.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    try:
        call_command("migrate", verbosity=0)
        setup = generate(args.patients)
        if args.setup_only:
            print(f"generated in {setup['generate']:.0f} s; kept {args.database}")
            return 0
        from ketaclinic.interop.research import research_files
        from ketaclinic.interop.tables import csv_lines
        from ketaclinic.outcomes.plots import ChangeRow, cohort_plot
        from ketaclinic.records.accounts.models import User
        from ketaclinic.records.assessments.models import Assessment
        from ketaclinic.records.context import Actor, Face
        from ketaclinic.records.outcomes import cohort, research, services
        from ketaclinic.records.patients.models import Patient

        manager = Actor(User.objects.get(username="bench-manager"), Face.SYSTEM, "bench")
        physician = Actor(User.objects.get(username="bench-physician"), Face.SYSTEM, "bench")
        rows = Assessment.objects.count()
        ids = list(Patient.objects.order_by("id").values_list("id", flat=True))
        now = timezone.now()

        full_s, report = _timed(lambda: cohort.cohort_report(manager, {}), repeats=args.repeats)
        with CaptureQueriesContext(connection) as captured:
            cohort.cohort_report(manager, {})
        dashboard_queries = len(captured)
        month = (now - timezone.timedelta(days=500)).date()
        period = {"since": month, "until": month + timezone.timedelta(days=29)}
        month_s, month_report = _timed(lambda: cohort.cohort_report(manager, period), repeats=3)
        plot_s, _ = _timed(
            lambda: cohort_plot(
                report.rates,
                [ChangeRow(c.short_title, c.estimate, c.scale_range) for c in report.changes],
                report.durability,
            )
        )
        month_ids = list(
            cohort.members(cohort.CohortFilterIn(**period)).values_list("pk", flat=True)
        )
        naive_s, naive = _timed(lambda: naive_cohort(month_ids, now))

        rng = random.Random(8)
        screen_times = []
        for patient_id in rng.sample(ids, args.screens):
            seconds, _ = _timed(lambda pid=patient_id: services.patient_outcomes(physician, pid))
            screen_times.append(seconds)
        with CaptureQueriesContext(connection) as captured:
            services.patient_outcomes(physician, ids[0])
        screen_queries = len(captured)
        long_s, _ = _timed(lambda: services.patient_outcomes(physician, ids[0]), repeats=5)

        tracemalloc.start()
        sink = _Sink()
        export_rows = 0

        def export() -> None:
            nonlocal export_rows
            for table in research_files(research.research_tables(manager)):
                for line in csv_lines(table):
                    sink.write(line)
                    export_rows += 1

        export_s, _ = _timed(export)
        _, export_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        naive_export_s, _ = _timed(
            lambda: list(Assessment.objects.filter(patient_id__in=month_ids))
        )
        _, naive_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    finally:
        connection.close()
        if not (args.keep or args.setup_only):
            _drop_database(args.database)

    per_naive = naive_s / max(1, len(month_ids))
    month_pain = {r.threshold.category: r.proportion for r in month_report.pain_rates}
    screen_ms = sorted(1000 * t for t in screen_times)
    p95 = screen_ms[int(0.95 * (len(screen_ms) - 1))]
    table = [
        (
            f"Cohort dashboard, all {report.patients:,} patients "
            f"(median of 3; {dashboard_queries} queries)",
            f"**{full_s:.2f} s**",
        ),
        (
            f"Cohort dashboard, patients who started in one month ({month_report.patients:,})",
            f"{month_s:.2f} s",
        ),
        ("Dashboard plot (SVG)", f"{plot_s:.2f} s"),
        (
            f"Naive per-patient ORM loop over that month's {len(month_ids):,} patients",
            f"{naive_s:.1f} s ({1000 * per_naive:.1f} ms per patient; "
            f"≈ {per_naive * args.patients / 60:.0f} min for all)",
        ),
        (
            "SQL against the naive loop",
            f"**{naive_s / month_s:.0f}×** faster on the month; "
            f"≈ {per_naive * args.patients / full_s:.0f}× on all patients (extrapolated)",
        ),
        (
            f"One patient's outcome screen ({SCORES_PER_PATIENT} scores, "
            f"{screen_queries} queries), median / p95 of {args.screens}",
            f"**{statistics.median(screen_ms):.1f} ms** / {p95:.1f} ms",
        ),
        (
            f"The same screen with {LONG_HISTORY + SCORES_PER_PATIENT:,} scores",
            f"{1000 * long_s:.1f} ms",
        ),
        (
            f"Research export, streamed ({export_rows:,} CSV lines, {sink.bytes / 1e6:.0f} MB)",
            f"{export_s:.0f} s, peak Python memory {export_peak / 1e6:.1f} MB",
        ),
        (
            f"Naive: the month's {len(month_ids):,} patients' assessments loaded as objects",
            f"{naive_export_s:.1f} s, peak {naive_peak / 1e6:.0f} MB "
            f"(≈ {naive_peak / max(1, len(month_ids)) * args.patients / 1e9:.1f} GB for all)",
        ),
    ]
    print("## Outcomes (bench/outcomes.py)\n")
    print(f"`.venv/bin/python bench/outcomes.py --patients {args.patients}`")
    print(f"Python {platform.python_version()}, PostgreSQL, on the 2-core machine.\n")
    print(
        f"**Data.** {args.patients:,} patients, {rows:,} assessments; "
        f"{args.patients // 20:,} alerts and drop-outs; generated in SQL in "
        f"{setup['generate']:.0f} s (ANALYZE {setup['analyze']:.0f} s).\n"
    )
    print("| Path | Result |\n|---|---|")
    for path, result in table:
        print(f"| {path} | {result} |")
    print(
        f"\nOn the month, SQL counted {month_pain['moderate'].successes:,} pain responders "
        f"(>= 30 %) of {month_pain['moderate'].n:,} assessable patients; the naive loop "
        f"counted {naive['moderate']:,} of {naive['patients']:,} patients."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
