"""``ketaclinic results``: add and list as a named user, audited with the face ``cli``; bad
input exits 2 naming the option with nothing written; a role without the permission exits 1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.cli import main as cli
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.results.models import TestResult
from support import as_user


def _add(*options: str, user: str = "physician-user") -> int:
    """``results add`` for MRN-0001 taken today (a later ``--taken-on`` in ``options`` wins)."""
    day = timezone.localdate().isoformat()
    return cli(
        ["results", "add", "--patient", "mrn-0001", "--taken-on", day, *options, *as_user(user)]
    )


def test_a_result_added_is_listed(users: dict[str, Any], patient: Any, capsys: Any) -> None:
    assert (
        _add(
            "--test",
            "alt",
            "--value",
            "80",
            "--unit",
            "U/L",
            "--reference-low",
            "7",
            "--reference-high",
            "56",
        )
        == 0
    )
    added = json.loads(capsys.readouterr().out)
    assert (added["loinc"], added["abnormal"], added["entered_by"]) == (
        "1742-6",
        True,
        "physician-user",
    )
    assert _add("--test", "ecg", "--code", "normal", "--format", "table") == 0
    assert "normal" in capsys.readouterr().out
    assert cli(["results", "list", "--patient", "MRN-0001", *as_user("nurse-user")]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["test"], r["value"], r["code"]) for r in listed] == [
        ("ecg", None, "normal"),
        ("alt", 80.0, ""),
    ]
    entry = AuditEvent.objects.get(action="result.record", detail__test="alt")
    assert (entry.face, entry.username, entry.patient_id) == ("cli", "physician-user", patient.pk)


def test_the_table_shows_the_clinic_words(users: dict[str, Any], patient: Any, capsys: Any) -> None:
    assert _add("--test", "alt", "--value", "30", "--unit", "U/L") == 0
    capsys.readouterr()
    assert (
        cli(
            [
                "results",
                "list",
                "--patient",
                "MRN-0001",
                "--format",
                "table",
                *as_user("nurse-user"),
            ]
        )
        == 0
    )
    table = capsys.readouterr().out
    assert "alanine" in table
    assert "30 U/L" in table


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--test", "cholesterol", "--value", "5", "--unit", "mmol/L"), "--test: "),
        (("--test", "alt", "--value", "30", "--unit", "mg/dL"), "--unit: "),
        (("--test", "ecg", "--code", "fine"), "--code: "),
        (("--test", "alt", "--value", "thirty", "--unit", "U/L"), "--value: "),
        (
            (
                "--test",
                "alt",
                "--value",
                "30",
                "--unit",
                "U/L",
                "--reference-low",
                "50",
                "--reference-high",
                "10",
            ),
            "--reference-low: ",
        ),
        (
            ("--test", "alt", "--value", "30", "--unit", "U/L", "--taken-on", "2999-01-01"),
            "--taken-on: ",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option_and_writes_nothing(
    users: dict[str, Any], patient: Any, capsys: Any, options: tuple[str, ...], message: str
) -> None:
    assert _add(*options) == 2
    assert message in capsys.readouterr().err
    assert not TestResult.objects.exists()


def test_an_unknown_patient_exits_2(users: dict[str, Any], patient: Any, capsys: Any) -> None:
    assert cli(["results", "list", "--patient", "NOPE", *as_user("nurse-user")]) == 2
    assert "--patient: no patient" in capsys.readouterr().err


def test_the_front_desk_may_neither_add_nor_read_results(
    users: dict[str, Any], patient: Any, capsys: Any
) -> None:
    assert _add("--test", "alt", "--value", "30", "--unit", "U/L", user="front_desk-user") == 1
    assert "may not" in capsys.readouterr().err
    assert cli(["results", "list", "--patient", "MRN-0001", *as_user("front_desk-user")]) == 1
    assert not TestResult.objects.exists()
    denials = AuditEvent.objects.filter(outcome="denied", username="front_desk-user")
    assert {(d.face, d.action) for d in denials} == {
        ("cli", "result.record"),
        ("cli", "result.view"),
    }
