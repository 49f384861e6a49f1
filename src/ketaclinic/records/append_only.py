"""Append-only records: rows that are written once and never changed or deleted.

Signed clinical records, the audit trail and the ledger keep every row; corrections are new
rows. The model refuses ``save`` of an existing row and ``delete``; its queryset refuses
``update`` and ``delete``; on PostgreSQL a trigger makes the table itself refuse UPDATE and
DELETE from any client (``forbid_update_and_delete`` in a migration), and for the audit trail
and the ledger TRUNCATE too (``forbid_truncate``: ``django flush`` fails there).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import migrations, models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an append-only row."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be deleted")


class AppendOnlyModel(models.Model):
    """Abstract base: rows are inserted once, then only read."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.label} rows cannot be deleted")


_FUNCTION = """
CREATE OR REPLACE FUNCTION ketaclinic_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only (% refused); correct with a new row',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _triggers(tables: tuple[str, ...], suffix: str, when: str) -> migrations.RunPython:
    """A migration operation: on PostgreSQL, a trigger ``<table>_<suffix>`` (``when``: the
    events and level) that refuses the change on each of ``tables``."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(_FUNCTION, params=None)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_{suffix} BEFORE {when.replace('{table}', table)} "
                "EXECUTE FUNCTION ketaclinic_append_only();",
                params=None,
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table};")

    return migrations.RunPython(forward, backward)


def forbid_update_and_delete(*tables: str) -> migrations.RunPython:
    """A migration operation: on PostgreSQL, triggers refuse UPDATE and DELETE on ``tables``."""
    return _triggers(tables, "append_only", "UPDATE OR DELETE ON {table} FOR EACH ROW")


def forbid_truncate(*tables: str) -> migrations.RunPython:
    """A migration operation: on PostgreSQL, a statement trigger refuses TRUNCATE on ``tables``
    (also when another table is truncated with CASCADE)."""
    return _triggers(tables, "no_truncate", "TRUNCATE ON {table} FOR EACH STATEMENT")
