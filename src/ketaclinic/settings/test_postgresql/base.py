"""The tests' PostgreSQL backend: Django's, except that a test's ``flush`` (after each
transactional test) may empty the audit and ledger tables, whose triggers refuse TRUNCATE.

It runs the flush with ``session_replication_role = replica``, which turns triggers off for
that transaction and which only a superuser may set (the tests' ``postgres``); production
roles cannot, so there ``django flush`` fails on those tables.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **options: Any) -> list[str]:
        statements = super().sql_flush(style, tables, **options)
        if not statements:
            return statements
        return ["SET LOCAL session_replication_role = replica", *statements]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
