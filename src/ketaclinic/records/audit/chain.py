"""The hash chains that make the audit trail and the ledger tamper-evident.

Each chained row carries ``previous_hash`` (the hash of the row before it in its chain; the
first row's is ``GENESIS``) and ``entry_hash``:

    entry_hash = SHA-256( previous_hash + "\\n" + canonical content )

where the canonical content is the row's chained fields (timestamp, actor, action, object,
patient, payload… each chain names its own) as JSON with sorted keys, times in UTC to the
microsecond, decimals to their column's places. Changing a row's content, removing a row or
inserting one among the others breaks the chain at that point (``verification``).

Appending is serialised per chain: ``ChainHead`` holds each chain's last entry and hash, and an
append locks that row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
already serialises writers) in the transaction that inserts the entry, so two writers never
link to the same entry. Chains are locked in one order (``CHAIN_ORDER``): appending to the
ledger first locks the audit head, so a transaction that writes both can never deadlock with
another. The lock is held until the transaction commits.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, ClassVar, NoReturn

from django.apps import apps
from django.db import connections, migrations, models, router, transaction
from django.utils import timezone

from ketaclinic.records.append_only import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet

GENESIS = "0" * 64
# Locking order across chains; a chain's append locks the heads before it first.
CHAIN_ORDER = ("audit", "ledger")
BACKFILL_BATCH = 1000


class ChainHead(models.Model):
    """A chain's last entry: the row an append locks, then moves on."""

    chain = models.CharField(max_length=32, primary_key=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    entry_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain} head: entry {self.entry_id}"


HEADS = ChainHead._meta.db_table


class ChainedQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"{self.model._meta.label} rows are chained: create them one at a time"
        )


class ChainedModel(AppendOnlyModel):
    """Abstract base of a chained, append-only table: ``save`` links the new row."""

    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = ChainedQuerySet.as_manager()  # type: ignore[misc]

    chain: ClassVar[str]
    # The fields the hash covers; never change the list of an existing chain.
    chained_fields: ClassVar[tuple[str, ...]]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows cannot be changed")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            self.previous_hash = lock_head(self.chain, using)
            content = canonical(self.chain, self.chained_fields, self)
            self.entry_hash = link(self.previous_hash, content)
            super().save(*args, **kwargs)
            with connections[using].cursor() as cursor:  # (SQL: every append runs it)
                cursor.execute(
                    f"UPDATE {HEADS} SET entry_id = %s, entry_hash = %s WHERE chain = %s",
                    [self.pk, self.entry_hash, self.chain],
                )


def link(previous_hash: str, content: bytes) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + b"\n" + content).hexdigest()


def canonical(chain: str, fields: tuple[str, ...], entry: models.Model) -> bytes:
    """The row's chained ``fields`` as canonical JSON, the same before it is written as after
    it is read back from either database."""
    content = {}
    for name in fields:
        field = entry._meta.get_field(name)
        assert isinstance(field, models.Field)
        content[name] = _plain(field, getattr(entry, field.attname))
    return json.dumps(
        {"chain": chain, "fields": content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def _plain(field: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.loads(json.dumps(value))  # as the database gives it back
    value = field.to_python(value)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = Decimal(1).scaleb(-field.decimal_places)
        return format(value.quantize(places, rounding=ROUND_HALF_UP), "f")
    return value


@cache
def chained_models() -> dict[str, type[ChainedModel]]:
    """Every chain by name, in ``CHAIN_ORDER``."""
    found = {
        model.chain: model
        for model in apps.get_models()
        if issubclass(model, ChainedModel) and not model._meta.abstract
    }
    return {name: found[name] for name in CHAIN_ORDER if name in found}


def lock_head(chain: str, using: str) -> str:
    """Lock the heads of ``chain`` and of every chain before it; return ``chain``'s hash."""
    entry_hash = GENESIS
    for name in CHAIN_ORDER[: CHAIN_ORDER.index(chain) + 1]:
        entry_hash = _locked(name, using)
    return entry_hash


def _locked(chain: str, using: str) -> str:
    connection = connections[using]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    query = f"SELECT entry_hash FROM {HEADS} WHERE chain = %s{lock}"
    with connection.cursor() as cursor:
        cursor.execute(query, [chain])
        row = cursor.fetchone()
        if row is None:  # a new database, or flushed: start where the table ends
            ChainHead.objects.using(using).bulk_create(
                [start_of(chain, using)], ignore_conflicts=True
            )
            cursor.execute(query, [chain])
            row = cursor.fetchone()
    return str(row[0])


def start_of(chain: str, using: str) -> ChainHead:
    """A head for ``chain`` at its last entry (or the genesis of an empty table)."""
    model = chained_models()[chain]
    last = model._base_manager.using(using).order_by("-pk").values("pk", "entry_hash").first()
    if last is None:
        return ChainHead(chain=chain, entry_id=None, entry_hash=GENESIS)
    return ChainHead(chain=chain, entry_id=last["pk"], entry_hash=last["entry_hash"])


def backfill(chain: str, model_label: str, fields: tuple[str, ...]) -> migrations.RunPython:
    """A migration operation: link the rows already in ``model_label`` (with the append-only
    trigger off for the while, on PostgreSQL) and set the chain's head."""

    def forward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(model_label)
        table = model._meta.db_table
        postgresql = schema_editor.connection.vendor == "postgresql"
        if postgresql:
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        rows = model._base_manager.order_by("pk")
        previous, last_id, batch = GENESIS, None, list(rows[:BACKFILL_BATCH])
        while batch:
            for row in batch:
                row.previous_hash = previous
                row.entry_hash = previous = link(previous, canonical(chain, fields, row))
                last_id = row.pk
            model._base_manager.bulk_update(batch, ["previous_hash", "entry_hash"])
            batch = list(rows.filter(pk__gt=last_id)[:BACKFILL_BATCH])
        if postgresql:
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        apps.get_model("audit", "ChainHead").objects.update_or_create(
            chain=chain, defaults={"entry_id": last_id, "entry_hash": previous}
        )

    return migrations.RunPython(forward, migrations.RunPython.noop)
