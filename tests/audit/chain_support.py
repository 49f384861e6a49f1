"""Helpers for the chain tests (importable as ``chain_support``): tampering as the database
owner would, and verification."""

from __future__ import annotations

from typing import Any

from django.db import connection

from ketaclinic.records.audit import verification


def as_owner(sql: str, params: list[Any] | None = None) -> None:
    """Run ``sql`` with the append-only triggers off, as the tables' owner could
    (``session_replication_role`` for this transaction; SQLite has no triggers to turn off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def report(chain: str, marks: Any = ()) -> verification.ChainReport:
    return next(r for r in verification.verify(marks) if r.chain == chain)


def broken_at(chain: str, marks: Any = ()) -> verification.Break:
    """The chain's first break (the chain must be broken)."""
    broken = report(chain, marks).broken
    assert broken is not None, f"the {chain} chain holds"
    return broken
