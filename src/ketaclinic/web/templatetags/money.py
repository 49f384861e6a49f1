"""``{{ cents|dollars }}``: an amount kept in cents, shown as dollars (``-1250`` → ``-$12.50``)."""

from __future__ import annotations

from django import template

from ketaclinic.records.billing.common import money

register = template.Library()


@register.filter
def dollars(cents: int | None) -> str:
    return "—" if cents is None else money(int(cents))
