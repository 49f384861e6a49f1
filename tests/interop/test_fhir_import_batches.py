"""A large FHIR import is written in short batches: other users' writes go on during it and none
fails with "database is locked" (SQLite lets one writer at a time hold the database)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.models import Patient
from support import PATIENT_DATA

ENTRIES = 800
WRITER_WAIT_MS = 1_000  # how long another user's write waits for the lock (production: 5 s)


def _candidates() -> list[exchange.ImportCandidate]:
    return [
        exchange.ImportCandidate(
            position, f"entry[{position}]", {**PATIENT_DATA, "mrn": f"IMPORT-{position:05d}"}
        )
        for position in range(ENTRIES)
    ]


@pytest.mark.django_db(transaction=True)
def test_writes_during_a_large_import_all_succeed(users: dict[str, Any], actor_for: Any) -> None:
    importer, writer = actor_for(users["front_desk"]), actor_for(users["physician"])
    candidates = _candidates()
    started, pause, reports, failures = threading.Event(), threading.Event(), [], []
    written = 0

    def run_import() -> None:
        try:
            started.set()
            reports.append(
                exchange.import_patients(importer, candidates, exchange.ImportMode.ALL_OR_NOTHING)
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_import)
    if connection.vendor == "sqlite":  # this connection waits less than production's 5 s
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout={WRITER_WAIT_MS}")
    thread.start()
    started.wait()
    while thread.is_alive():
        try:
            patients.register_patient(writer, {**PATIENT_DATA, "mrn": f"DURING-{written:05d}"})
            written += 1
        except Exception as error:  # the outcome under test: none may fail
            failures.append(repr(error))
        pause.wait(0.05)  # a user's pace, not a tight loop that starves the import of the lock
    thread.join(120)
    assert failures == []
    assert written > 0
    assert reports[0].imported == ENTRIES
    assert Patient.objects.filter(mrn__startswith="IMPORT-").count() == ENTRIES
    assert Patient.objects.filter(mrn__startswith="DURING-").count() == written


def test_a_clash_made_during_the_import_is_reported_and_the_rest_imported(
    users: dict[str, Any], actor_for: Any, db: Any
) -> None:
    importer = actor_for(users["front_desk"])
    candidates = _candidates()[:3]
    lines = [exchange.ImportLine(c.position, c.label, "valid") for c in candidates]
    patients.register_patient(importer, {**PATIENT_DATA, "mrn": "IMPORT-00001"})  # meanwhile
    exchange._register_in_batches(importer, lines, {c.position: c for c in candidates})
    assert [line.status for line in lines] == ["imported", "invalid", "imported"]
    assert "already in use" in lines[1].messages[0]
