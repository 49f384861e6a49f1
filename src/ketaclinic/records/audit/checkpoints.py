"""Checkpoints of the chains: each chain's head (entry and hash) at a moment, written to the
``Checkpoint`` table and appended, one JSON line per chain, to the file the operator names in
``KETACLINIC_AUDIT_CHECKPOINT_FILE`` (best kept on another machine or write-once storage).

Verification finds every checkpointed entry still there with the same hash, so rewriting the
chain before a checkpoint, or cutting off its tail after one, is found. ``ketaclinic audit
checkpoint`` writes one now; ``ketaclinic worker`` writes one every
``KETACLINIC_AUDIT_CHECKPOINT_EVERY_MIN`` minutes.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone

from .chain import ChainHead, chained_models, start_of
from .models import Checkpoint

RECORDED = "checkpoint"
FROM_FILE = "checkpoint file"


class CheckpointFileError(Exception):
    """The checkpoint file cannot be read or written; the message says where and why."""


@dataclass(frozen=True)
class Mark:
    """A chain's head as a checkpoint recorded it."""

    chain: str
    table: str
    entry_id: int | None
    entry_hash: str
    taken_at: str
    source: str = RECORDED

    def line(self) -> str:
        fields = asdict(self)
        del fields["source"]
        return json.dumps(fields, sort_keys=True)


def configured_file() -> Path | None:
    name = getattr(settings, "KETACLINIC_AUDIT_CHECKPOINT_FILE", "")
    return Path(name) if name else None


def write(path: Path | None = None) -> list[Mark]:
    """Record every chain's head now, in the table and in ``path`` (default: the configured
    file, if any); return what was recorded."""
    taken_at = timezone.now()
    using = router.db_for_write(Checkpoint)
    marks = []
    for chain, model in chained_models().items():
        head = ChainHead.objects.filter(chain=chain).first() or start_of(chain, using)
        marks.append(
            Mark(
                chain=chain,
                table=model._meta.db_table,
                entry_id=head.entry_id,
                entry_hash=head.entry_hash,
                taken_at=taken_at.isoformat(timespec="seconds"),
            )
        )
    target = path or configured_file()
    if target is not None:
        _append(target, marks)
    with transaction.atomic(using=using):
        for mark in marks:
            Checkpoint.objects.create(
                chain=mark.chain,
                entry_id=mark.entry_id,
                entry_hash=mark.entry_hash,
                taken_at=taken_at,
            )
    return marks


def write_if_due(every: timedelta) -> list[Mark]:
    """A checkpoint when the last one is ``every`` old or more (several workers write one)."""
    last = Checkpoint.objects.order_by("-taken_at").values_list("taken_at", flat=True).first()
    if last is not None and timezone.now() - last < every:
        return []
    return write()


def recorded_marks(chain: str) -> list[Mark]:
    table = chained_models()[chain]._meta.db_table
    return [
        Mark(
            chain=chain,
            table=table,
            entry_id=point.entry_id,
            entry_hash=point.entry_hash,
            taken_at=point.taken_at.isoformat(timespec="seconds"),
        )
        for point in Checkpoint.objects.filter(chain=chain).order_by("taken_at", "id")
    ]


def read_file(path: Path) -> list[Mark]:
    """The checkpoints in a file ``write`` appended to."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CheckpointFileError(f"cannot read {path}: {error.strerror}") from None
    marks = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            marks.append(
                Mark(
                    chain=str(fields["chain"]),
                    table=str(fields["table"]),
                    entry_id=None if fields["entry_id"] is None else int(fields["entry_id"]),
                    entry_hash=str(fields["entry_hash"]),
                    taken_at=str(fields["taken_at"]),
                    source=FROM_FILE,
                )
            )
        except (ValueError, KeyError, TypeError):
            raise CheckpointFileError(f"{path}, line {number}: not a checkpoint") from None
    return marks


def _append(path: Path, marks: list[Mark]) -> None:
    try:
        with path.open("a", encoding="utf-8") as out:
            out.writelines(mark.line() + "\n" for mark in marks)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        raise CheckpointFileError(f"cannot write {path}: {error.strerror}") from None
