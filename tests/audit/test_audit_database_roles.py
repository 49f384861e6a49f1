"""PostgreSQL: the application connects as a role that owns nothing and may only SELECT and
INSERT on the audit trail and the ledger; UPDATE, DELETE, TRUNCATE and ``django flush`` fail
there. The triggers refuse TRUNCATE even to the tables' owner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from ketaclinic.cli import main as cli
from ketaclinic.records import database_roles
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.ledger import catalog, services
from support import chain_report

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)
APP_ROLE = f"kc_test_app_{os.getpid()}"
OWNER_ROLE = f"kc_test_owner_{os.getpid()}"
PROTECTED = ("audit_auditevent", "audit_checkpoint", "ledger_entry", "ledger_receipt")


def _as_superuser(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def app_role(transactional_db: Any) -> Iterator[str]:
    """The two roles of docs/operations.md; the application's granted by ``migrate``."""
    _as_superuser(f"CREATE ROLE {OWNER_ROLE} LOGIN", f"CREATE ROLE {APP_ROLE} LOGIN")
    try:
        assert cli(["migrate", "--grant-to", APP_ROLE]) == 0
        yield APP_ROLE
    finally:
        _connect_as(None)
        _as_superuser(
            f"DROP OWNED BY {APP_ROLE}, {OWNER_ROLE}", f"DROP ROLE {APP_ROLE}, {OWNER_ROLE}"
        )


def _connect_as(role: str | None) -> None:
    """Reconnect Django's connection as ``role`` (``None``: back to the tests' superuser)."""
    saved = connection.settings_dict.setdefault("_SUPERUSER", connection.settings_dict["USER"])
    connection.close()
    connection.settings_dict["USER"] = role or saved


def _refused(sql: str) -> str:
    with (
        pytest.raises(DatabaseError) as refusal,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    return str(refusal.value)


def _clinic(users: dict[str, Any]) -> tuple[Actor, dict[str, Any]]:
    from ketaclinic.records.clinics.models import Location

    nurse = Actor(users["nurse"], Face.CLI)
    manager = Actor(users["manager"], Face.CLI)
    location = Location.objects.create(slug="roles", name="Roles Clinic", time_zone="UTC")
    product = catalog.add_product(
        manager,
        {
            "name": "Ketamine 50 mg/mL (test)",
            "ndc": "99999-0050-11",
            "strength_mg_per_ml": "50",
            "vial_volume_ml": "10",
        },
    )
    storage = catalog.add_storage(manager, {"location": location.slug, "name": "Safe"})
    delivery = {
        "storage_id": storage.pk,
        "product_id": product.pk,
        "lot_number": "LOT-R",
        "expires_on": (date.today() + timedelta(days=300)).isoformat(),
        "vials": 1,
        "received_on": date.today().isoformat(),
        "supplier_name": "Example Wholesale (synthetic)",
        "supplier_address": "2 Sample Road",
        "supplier_dea_number": "RS1234563",
        "invoice_number": "INV-R",
    }
    return nurse, delivery


def test_the_app_role_inserts_and_reads_but_never_changes_the_audit_and_the_ledger(
    app_role: str, users: dict[str, Any]
) -> None:
    nurse, delivery = _clinic(users)
    _connect_as(app_role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (app_role,)
        cursor.execute("SELECT count(*) FROM pg_class WHERE relowner = to_regrole(current_user)")
        assert cursor.fetchone() == (0,)  # owns nothing
    # INSERT and SELECT work: the application's own writes, chained.
    services.receive(nurse, delivery)
    audit.record(nurse, Audited.WAITLIST_VIEW)
    assert chain_report("audit").intact
    assert chain_report("ledger").intact
    for table in PROTECTED:
        for statement in (
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table} CASCADE",
        ):
            assert f"permission denied for table {table}" in _refused(statement)
    assert "must be owner" in _refused("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    trigger = "audit_auditevent_no_truncate ON audit_auditevent"
    assert "must be owner" in _refused(f"DROP TRIGGER {trigger}")


def test_django_flush_as_the_app_role_fails(app_role: str, users: dict[str, Any]) -> None:
    audit.record(Actor(users["nurse"], Face.CLI), Audited.WAITLIST_VIEW)
    settings = connection.settings_dict
    url = f"postgres://{app_role}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
    flush = subprocess.run(
        [sys.executable, "-m", "django", "flush", "--no-input", "--traceback"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.base",
            "SECRET_KEY": "test-only",
            "DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert flush.returncode != 0
    assert "permission denied for table" in flush.stderr
    assert chain_report("audit").entries >= 1  # nothing was emptied


@pytest.mark.django_db
def test_the_triggers_refuse_truncate_to_the_owner_too(users: dict[str, Any]) -> None:
    for statement in ("TRUNCATE audit_auditevent", "TRUNCATE ledger_lot CASCADE"):
        assert "append-only (TRUNCATE refused)" in _refused(statement)


def test_migrate_prints_the_grants(db: Any, capsys: Any) -> None:
    assert cli(["migrate", "--print-grants", "--grant-to", "ketaclinic_app"]) == 0
    printed = capsys.readouterr().out
    assert "REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditevent" in printed
    assert "ledger_entry" in printed
    assert "ledger_balance" not in printed  # changed by the posting services
    assert cli(["migrate", "--print-grants", "--grant-to", "x; DROP"]) == 2
    assert database_roles.protected_tables()[:2] == ["audit_auditevent", "audit_checkpoint"]
