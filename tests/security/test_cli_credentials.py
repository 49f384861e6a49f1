"""The CLI acts as a named user only with that user's credential (a password file or an API
token in KETACLINIC_TOKEN); demo installations accept their own demo accounts by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketaclinic.cli import main as cli
from ketaclinic.records.audit.models import AuditEvent
from support import as_user

LIST = ["results", "list", "--patient", "MRN-0001"]


def test_a_name_alone_is_refused(users: dict[str, Any], patient: Any, capsys: Any) -> None:
    assert cli([*LIST, "--user", "nurse-user"]) == 2
    assert "--password-file" in capsys.readouterr().err
    assert not AuditEvent.objects.filter(action="result.view").exists()


def test_a_wrong_password_is_refused_and_audited(
    users: dict[str, Any], patient: Any, tmp_path: Path, capsys: Any
) -> None:
    wrong = tmp_path / "pw"
    wrong.write_text("not-the-password\n")
    assert cli([*LIST, "--user", "nurse-user", "--password-file", str(wrong)]) == 2
    assert "--user" in capsys.readouterr().err
    failure = AuditEvent.objects.get(action="auth.login")
    assert (failure.outcome, failure.face, failure.username) == ("failed", "cli", "nurse-user")


def test_the_password_file_acts_as_the_user(users: dict[str, Any], patient: Any) -> None:
    assert cli([*LIST, *as_user("nurse-user")]) == 0
    login = AuditEvent.objects.get(action="auth.login")
    assert (login.username, login.face, login.detail) == (
        "nurse-user",
        "cli",
        {"credential": "password"},
    )


def test_an_api_token_in_the_environment_acts_as_its_user(
    users: dict[str, Any], patient: Any, api_as: Any, monkeypatch: Any, capsys: Any
) -> None:
    monkeypatch.setenv(
        "KETACLINIC_TOKEN", api_as(users["nurse"]).headers["Authorization"].split()[1]
    )
    assert cli(LIST) == 0
    assert cli([*LIST, "--user", "physician-user"]) == 2
    assert "another account" in capsys.readouterr().err
    monkeypatch.setenv("KETACLINIC_TOKEN", "forged")
    assert cli(LIST) == 2


def test_the_system_actor_reads_no_patient_data(users: dict[str, Any], capsys: Any) -> None:
    with pytest.raises(SystemExit):  # --system is offered only where it makes sense
        cli([*LIST, "--system"])


def test_a_demo_installation_accepts_its_demo_accounts_by_name(
    users: dict[str, Any], patient: Any, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    (tmp_path / "demo-logins.txt").write_text("nurse-user correct-horse-battery-staple\n")
    assert cli([*LIST, "--user", "nurse-user"]) == 2  # not a demo installation
    settings.KETACLINIC_DEMO = True
    assert cli([*LIST, "--user", "nurse-user"]) == 0
    assert cli([*LIST, "--user", "physician-user"]) == 2  # not one of the demo's accounts
    login = AuditEvent.objects.get(action="auth.login", outcome="allowed")
    assert login.detail == {"credential": "demo"}
