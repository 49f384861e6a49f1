"""``ketaclinic ledger report``: acts as a named user, audited with face cli; exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from ketaclinic.cli import main as cli
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.ledger import services
from support import as_user

TODAY = date.today().isoformat()


@pytest.fixture
def drawn(nurse: Any, storage: Any, stocked: Any, patient: Any) -> Any:
    return services.draw(
        nurse,
        {"storage_id": storage.pk, "lot_id": stocked.pk, "patient_id": patient.pk, "volume_ml": 2},
    )


def _report(*extra: str, user: str = "manager-user", slug: str = "test-clinic") -> list[str]:
    return [
        "ledger",
        "report",
        *as_user(user),
        "--location",
        slug,
        "--from",
        TODAY,
        "--to",
        TODAY,
        *extra,
    ]


def test_json_report_as_a_manager(drawn: Any, capsys: Any) -> None:
    assert cli(_report("--kind", "dispensing")) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["kind"], document["rows"][0]["volume_ml"]) == ("dispensing", "2")
    entry = AuditEvent.objects.get(action="ledger.report")
    assert (entry.username, entry.face, entry.outcome) == ("manager-user", "cli", "allowed")


def test_csv_inventory(drawn: Any, capsys: Any) -> None:
    assert cli(_report("--kind", "inventory", "--format", "csv")) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (rows[0]["lot"], rows[0]["closing_ml"]) == ("LOT-A", "18")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (_report(user="nobody"), "--user"),
        (_report(slug="nowhere"), "--location"),
        (
            [
                "ledger",
                "report",
                *as_user("manager-user"),
                "--location",
                "test-clinic",
                "--from",
                "2026-13-01",
                "--to",
                TODAY,
            ],
            "--from",
        ),
        (
            [
                "ledger",
                "report",
                *as_user("manager-user"),
                "--location",
                "test-clinic",
                "--from",
                TODAY,
                "--to",
                "2000-01-01",
            ],
            "--to",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    argv: list[str], option: str, location: Any, users: dict[str, Any], capsys: Any
) -> None:
    assert cli(argv) == 2
    assert option in capsys.readouterr().err


def test_unknown_kind_or_missing_option_exits_2(location: Any, users: dict[str, Any]) -> None:
    for argv in (_report("--kind", "everything"), ["ledger", "report", *as_user("manager-user")]):
        with pytest.raises(SystemExit) as stop:
            cli(argv)
        assert stop.value.code == 2


def test_a_role_without_reports_exits_1_and_is_audited(
    location: Any, users: dict[str, Any], capsys: Any
) -> None:
    assert cli(_report(user="front_desk-user")) == 1
    assert "may not" in capsys.readouterr().err
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.username, denial.face, denial.action) == (
        "front_desk-user",
        "cli",
        "ledger.report",
    )
