"""Money is integer cents; this is how it is shown."""

from __future__ import annotations


def dollars(cents: int) -> str:
    """12345 → "$123.45"; -500 → "-$5.00" (integer arithmetic: never rounded)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"
