"""Password rules: each refusal names its rule; createuser exits 2 and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.cli import main as cli
from ketaclinic.records.accounts import services as accounts
from ketaclinic.records.accounts.models import User
from ketaclinic.records.accounts.passwords import RepeatValidator, breached_passwords
from ketaclinic.records.errors import InvalidInput
from support import PASSWORD

# A password and words its refusal must contain, naming the rule it broke.
REFUSED = [
    ("Clinic2026!!", "a word and a year"),
    ("Summer2026!!", "a word and a year"),
    ("2026Clinic!!", "a word and a year"),
    ("aaaaaaaaaaaa", "repeats one short pattern"),
    ("abcabcabcabc", "repeats one short pattern"),
    ("iloveyou1234", "leaked in data breaches"),
    ("password1234", "too common"),
    ("Jennifer1234", "too easy to guess (strength 1 of 4, at least 3 needed)"),
    ("annabelle-nurse!", "too similar to the username"),
    ("Tr0ub4dor&3", "too short. It must contain at least 12 characters"),
]


def _create(actor: Any, password: str) -> User:
    return accounts.create_user(actor, username="annabelle-nurse", password=password, role="nurse")


@pytest.mark.parametrize(("password", "rule"), REFUSED)
def test_a_weak_password_is_refused_naming_its_rule(
    users: dict[str, Any], actor_for: Callable[..., Any], password: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _create(actor_for(users["manager"]), password)
    (error,) = refused.value.errors
    assert error.field == "password"
    assert rule in error.message
    assert not User.objects.filter(username="annabelle-nurse").exists()


@pytest.mark.parametrize("password", ["wombat lantern quarry violet", PASSWORD])
def test_a_strong_passphrase_is_accepted(
    users: dict[str, Any], actor_for: Callable[..., Any], password: str
) -> None:
    """The tests' own fixture password passes the rules too."""
    assert _create(actor_for(users["manager"]), password).check_password(password)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Clinic2026!!", "a word and a year"),
        ("Summer2026!!", "a word and a year"),
        ("aaaaaaaaaaaa", "repeats one short pattern"),
    ],
)
def test_createuser_refuses_a_weak_password_with_exit_2_and_writes_nothing(
    db: Any, tmp_path: Path, capsys: Any, password: str, rule: str
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(f"{password}\n")
    args = ["createuser", "--role", "nurse", "--username", "ann", "--password-file"]
    assert cli([*args, str(password_file)]) == 2
    message = capsys.readouterr().err
    assert "--password:" in message
    assert rule in message
    assert not User.objects.exists()


@given(piece=st.text(min_size=1, max_size=6), times=st.integers(min_value=2, max_value=12))
def test_any_piece_said_again_is_a_repeat(piece: str, times: int) -> None:
    with pytest.raises(ValidationError, match="repeats one short pattern"):
        RepeatValidator().validate(piece * times + piece[: len(piece) // 2])


def test_the_breached_list_holds_long_lower_case_entries_django_lacks() -> None:
    """Shorter entries could never be set (12 characters at least); Django's are checked too."""
    entries = breached_passwords()
    assert entries
    assert all(len(entry) >= 12 and entry == entry.lower() for entry in entries)
    assert not entries & CommonPasswordValidator().passwords
