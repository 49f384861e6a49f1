"""Model fields the records apps share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_field(related_name: str = "+", *, null: bool = False, **options: Any) -> Any:
    """The account that did something (recorded, decided, signed): protected, so an account
    that has acted is never deleted; optional (``null``) only where no one may have acted."""
    if null:
        options.update(null=True, blank=True)
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name=related_name, **options
    )


def amends_field(what: str) -> Any:
    """The earlier row this one corrects (signed records are never changed in place: a
    correction is a new row pointing at the old one, ``amendment`` from the old side)."""
    return models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendment",
        help_text=f"The {what} this one corrects; each is corrected at most once.",
    )
