"""``{% signed meaning user at %}``: an electronic signature as the clinic reads it,
"Signed (authored) by Dr Kim Lee at 2026-12-07 14:05"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from ketaclinic.records.accounts.signatures import signed_line

register = template.Library()


@register.simple_tag
def signed(meaning: str, user: Any, at: datetime | None = None) -> str:
    return signed_line(meaning, user, at)
