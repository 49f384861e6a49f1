"""The backup and restore steps of docs/operations.md, rehearsed on PostgreSQL: dump the
database, create a fresh one, restore into it; every table has the same row count and the
audit trail is the same, entry for entry."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from ketaclinic.records.demo import load_demo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _url(name: str) -> str:
    settings = connection.settings_dict
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            for table in tables
        }


def _audit(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The audit entries and the triggers that keep them append-only."""
    with psycopg.connect(url) as db:
        entries = db.execute("SELECT * FROM audit_auditevent ORDER BY id").fetchall()
        triggers = db.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgrelid = 'audit_auditevent'::regclass ORDER BY tgname"
        ).fetchall()
        return entries, triggers


@pytest.fixture
def restored_name() -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the drill uses pg_dump and pg_restore")
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dump_restores_into_a_fresh_database_with_every_row_and_the_audit(
    restored_name: str, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    load_demo()
    source = _url(connection.settings_dict["NAME"])
    dump = tmp_path / "ketaclinic.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", source], check=True)
    # The documented steps: create the target first, then restore into it.
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={_url(restored_name)}", str(dump)], check=True
    )
    before, after = _counts(source), _counts(_url(restored_name))
    assert len(before) > 50
    assert before["audit_auditevent"] > 0
    assert after == before
    entries, triggers = _audit(source)
    assert triggers
    assert _audit(_url(restored_name)) == (entries, triggers)
