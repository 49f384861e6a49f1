"""``{{ amount_cents|dollars }}``: integer cents shown as dollars ("$1,234.50")."""

from __future__ import annotations

from django import template

from ketaclinic.records.pricing.money import dollars as as_dollars

register = template.Library()


@register.filter
def dollars(cents: int | None) -> str:
    return "" if cents is None else as_dollars(int(cents))
