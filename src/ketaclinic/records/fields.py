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
