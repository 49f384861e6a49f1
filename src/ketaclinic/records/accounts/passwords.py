"""The password rules beyond Django's own: length, breached list, word and year, repeats, strength.

Each is a Django password validator (settings ``AUTH_PASSWORD_VALIDATORS`` lists them), so every
path that checks a password with ``validate_password`` applies them all. Their numbers live in
``data/passwords.toml``, the breached passwords in ``data/breached_passwords.txt``; each refusal
says in plain words which rule the password broke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

from ketaclinic.core import data_text, load_toml, read_sourced

# zxcvbn refuses longer input; the first 72 characters of a longer password are estimated.
_ESTIMATED_CHARS = 72
_TOP_SCORE = 4  # zxcvbn's scale is 0 to 4
_USER_FIELDS = ("username", "first_name", "last_name", "email")
# What is left of a password without its punctuation: letters then a year, or a year then letters.
_WORD_AND_YEAR = re.compile(r"[^\W\d_]+(\d{4})|(\d{4})[^\W\d_]+")


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int
    min_strength_score: int
    first_year: int
    last_year: int


@cache
def password_policy() -> PasswordPolicy:
    table = load_toml(__package__, "passwords.toml")
    numbers = {
        key: int(read_sourced(table, key, "passwords.toml").value)
        for key in ("min_length", "min_strength_score", "first_year", "last_year")
    }
    return PasswordPolicy(**numbers)


@cache
def breached_passwords() -> frozenset[str]:
    lines = data_text(__package__, "breached_passwords.txt").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


class LengthValidator(MinimumLengthValidator):
    """Django's minimum length, with the length from ``passwords.toml``."""

    def __init__(self) -> None:
        super().__init__(min_length=password_policy().min_length)


class BreachedPasswordValidator:
    """Refuses a password on the shipped list of breached passwords (case ignored)."""

    def validate(self, password: str, user: Any = None) -> None:
        if password.strip().lower() in breached_passwords():
            raise ValidationError(
                "This password is on a list of passwords leaked in data breaches.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password can’t be one known from data breaches."


class WordAndYearValidator:
    """Refuses a word and a year with only punctuation besides (Summer2026!!, 2026Clinic)."""

    def validate(self, password: str, user: Any = None) -> None:
        kept = "".join(char for char in password if char.isalnum())
        found = _WORD_AND_YEAR.fullmatch(kept)
        if found is None:
            return
        policy = password_policy()
        if policy.first_year <= int(found.group(1) or found.group(2)) <= policy.last_year:
            raise ValidationError(
                "This password is a word and a year (like Summer2026!), "
                "a pattern that is guessed early.",
                code="password_word_and_year",
            )

    def get_help_text(self) -> str:
        return "Your password can’t be just a word and a year."


class RepeatValidator:
    """Refuses a password that is one short piece said again (aaaa…, abcabc…, hello hello h…)."""

    def validate(self, password: str, user: Any = None) -> None:
        text = password.casefold()
        if any(text[shift:] == text[:-shift] for shift in range(1, len(text) // 2 + 1)):
            raise ValidationError(
                "This password repeats one short pattern (like aaaa or abcabc).",
                code="password_repeats",
            )

    def get_help_text(self) -> str:
        return "Your password can’t be one short pattern repeated."


class StrengthValidator:
    """Refuses a password that zxcvbn estimates too easy to guess, given the user's own names."""

    def validate(self, password: str, user: Any = None) -> None:
        own_words = [value for field in _USER_FIELDS if (value := getattr(user, field, ""))]
        estimate = zxcvbn(password[:_ESTIMATED_CHARS], user_inputs=own_words)
        needed = password_policy().min_strength_score
        if estimate["score"] < needed:
            warning = estimate["feedback"]["warning"]
            raise ValidationError(
                f"This password is too easy to guess (strength {estimate['score']} of "
                f"{_TOP_SCORE}, at least {needed} needed).{' ' + warning if warning else ''}",
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return "Your password must be hard to guess: add uncommon words rather than symbols."
