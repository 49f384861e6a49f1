"""The command line's foundation: help, createuser, migrate, demo; bad input exits 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketaclinic.cli import main as cli
from ketaclinic.cli.main import COMMAND_MODULES
from ketaclinic.records.accounts.models import User


def test_help_lists_every_command(capsys: Any) -> None:
    with pytest.raises(SystemExit) as stop:
        cli(["--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert name in text


def test_unknown_command_exits_2(capsys: Any) -> None:
    with pytest.raises(SystemExit) as stop:
        cli(["frobnicate"])
    assert stop.value.code == 2


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text("a-long-enough-password\n")
    return path


def test_createuser(db: Any, password_file: Path, capsys: Any) -> None:
    code = cli(
        [
            "createuser",
            "--role",
            "physician",
            "--username",
            "dr-who",
            "--password-file",
            str(password_file),
        ]
    )
    assert code == 0
    user = User.objects.get(username="dr-who")
    assert user.role == "physician"
    assert user.check_password("a-long-enough-password")


def test_createuser_patient_account_links_the_record(
    db: Any, patient: Any, password_file: Path
) -> None:
    code = cli(
        [
            "createuser",
            "--role",
            "patient",
            "--username",
            "pat",
            "--password-file",
            str(password_file),
            "--patient-mrn",
            patient.mrn,
        ]
    )
    assert code == 0
    assert User.objects.get(username="pat").patient == patient


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--role", "janitor", "--username", "x"], "--role"),
        (["--role", "nurse", "--username", ""], "--username"),
        (["--role", "patient", "--username", "p"], "--patient"),
        (["--role", "patient", "--username", "p", "--patient-mrn", "NOPE"], "--patient-mrn"),
    ],
)
def test_createuser_bad_input_exits_2(
    db: Any, password_file: Path, capsys: Any, args: list[str], field: str
) -> None:
    code = cli(["createuser", *args, "--password-file", str(password_file)])
    assert code == 2
    assert field in capsys.readouterr().err
    assert not User.objects.exists()


def test_createuser_weak_password_exits_2(db: Any, tmp_path: Path, capsys: Any) -> None:
    weak = tmp_path / "weak"
    weak.write_text("123\n")
    assert (
        cli(["createuser", "--role", "nurse", "--username", "n", "--password-file", str(weak)]) == 2
    )
    assert "--password" in capsys.readouterr().err
    assert (
        cli(
            [
                "createuser",
                "--role",
                "nurse",
                "--username",
                "n",
                "--password-file",
                str(tmp_path / "missing"),
            ]
        )
        == 2
    )


def test_createuser_duplicate_exits_2(
    db: Any, users: dict[str, Any], password_file: Path, capsys: Any
) -> None:
    code = cli(
        [
            "createuser",
            "--role",
            "nurse",
            "--username",
            "NURSE-USER",
            "--password-file",
            str(password_file),
        ]
    )
    assert code == 2
    assert "already taken" in capsys.readouterr().err


def test_migrate_runs(db: Any, capsys: Any) -> None:
    assert cli(["migrate"]) == 0


def test_the_cli_finds_the_demo_settings_in_a_demo_checkout(tmp_path: Any) -> None:
    """After ``make demo`` the README's examples work as written, without settings."""
    from ketaclinic.cli.base import DEFAULT_SETTINGS, DEMO_SETTINGS, default_settings, demo_logins

    var = tmp_path / "var"
    var.mkdir()
    environ = {"KETACLINIC_VAR_DIR": str(var)}
    assert demo_logins(environ) == str(var / "demo-logins.txt")
    assert default_settings(environ) == DEFAULT_SETTINGS  # no demo here: production
    (var / "demo-logins.txt").write_text("physician physician secret\n")
    assert default_settings(environ) == DEMO_SETTINGS
    # Anything that names a deployment wins over the demo's file.
    assert default_settings({**environ, "SECRET_KEY": "x"}) == DEFAULT_SETTINGS
    assert default_settings({**environ, "DATABASE_URL": "postgres://db/k"}) == DEFAULT_SETTINGS
    named = {**environ, "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.test"}
    assert default_settings(named) == "ketaclinic.settings.test"
