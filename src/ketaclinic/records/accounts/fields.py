"""Model fields of an electronic signature, for every app whose rows are signatures."""

from __future__ import annotations

from typing import Any

from django.db import models

from .choices import Credential, Meaning


def meaning_field(default: str) -> Any:
    """What an electronic signature means (``accounts.choices.Meaning``): fixed by the act."""
    return models.CharField(
        max_length=20,
        choices=Meaning.choices,
        default=default,
        help_text="What the signer attests to by this signature.",
    )


def credential_field() -> Any:
    """What the signer re-entered to sign (``accounts.choices.Credential``); blank on rows
    signed before signatures asked for one."""
    return models.CharField(max_length=20, choices=Credential.choices, blank=True, default="")
