"""Verifying the chains: every entry's hash, every link, the head, and the checkpoints.

For each chain, in id order up to its head: an entry whose ``previous_hash`` is not the hash of
the entry before it has lost a predecessor (removed) or was put among the others (inserted);
an entry whose content no longer gives its ``entry_hash`` was changed after it was written.
The head must be the last entry, and every checkpoint (in the database, and in the operator's
file kept elsewhere) must name an entry that is still there with the same hash: a tail cut off
after a checkpoint is found so. The first break of each chain is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .chain import GENESIS, ChainedModel, ChainHead, canonical, chained_models, link
from .checkpoints import Mark, recorded_marks

BATCH = 2000


@dataclass(frozen=True)
class Break:
    """The first place a chain does not hold: the entry (``None``: the chain as a whole) and
    what differs."""

    entry_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    table: str
    entries: int
    head_entry_id: int | None
    head_hash: str
    checkpoints: int
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(extra_marks: Iterable[Mark] = ()) -> list[ChainReport]:
    """Check every chain against its head and its checkpoints (``extra_marks``: those read
    from a file kept elsewhere)."""
    extra = list(extra_marks)
    reports = []
    for chain, model in chained_models().items():
        marks = [*recorded_marks(chain), *(m for m in extra if m.chain == chain)]
        reports.append(_verify(chain, model, marks))
    return reports


def _verify(chain: str, model: type[ChainedModel], marks: list[Mark]) -> ChainReport:
    head = ChainHead.objects.filter(chain=chain).first()  # read first: entries up to it
    expected = {mark.entry_id: mark for mark in marks if mark.entry_id is not None}
    entries, last_id, last_hash = 0, None, GENESIS
    broken: Break | None = None
    before: tuple[int | None, str] = (None, GENESIS)  # the entry before the previous one
    rows = model._base_manager.order_by("pk")
    if head is not None and head.entry_id is not None:
        rows = rows.filter(pk__lte=head.entry_id)
    for entry in _batches(rows):
        entries += 1
        if broken is None:
            broken = _check(chain, entry, last_id, last_hash, before, expected)
        before = (last_id, last_hash)
        last_id, last_hash = entry.pk, entry.entry_hash
    if broken is None:
        broken = _check_end(head, entries, last_id, last_hash, marks)
    if broken is None and head is not None:
        broken = _beyond_head(chain, model)
    return ChainReport(
        chain=chain,
        table=model._meta.db_table,
        entries=entries,
        head_entry_id=last_id,
        head_hash=last_hash,
        checkpoints=len(marks),
        broken=broken,
    )


def _check(
    chain: str,
    entry: ChainedModel,
    last_id: int | None,
    last_hash: str,
    before: tuple[int | None, str],
    expected: dict[int, Mark],
) -> Break | None:
    after = f"entry {last_id}" if last_id is not None else "the start of the chain"
    if entry.previous_hash != last_hash:
        if last_id is not None and entry.previous_hash == before[1]:
            return Break(
                last_id,
                f"entry {last_id} was inserted: entry {entry.pk} links past it, to "
                + (f"entry {before[0]}" if before[0] is not None else "the start of the chain"),
            )
        return Break(
            entry.pk,
            f"it links to hash {_short(entry.previous_hash)} but follows {after}, whose hash is "
            f"{_short(last_hash)}: an entry before it was removed, or it was inserted",
        )
    actual = link(entry.previous_hash, canonical(chain, entry.chained_fields, entry))
    if actual != entry.entry_hash:
        return Break(
            entry.pk,
            f"its content gives hash {_short(actual)}, not the {_short(entry.entry_hash)} it "
            "was written with: it was changed after it was written",
        )
    mark = expected.get(entry.pk)
    if mark is not None and mark.entry_hash != entry.entry_hash:
        return Break(
            entry.pk,
            f"the {mark.source} of {mark.taken_at} recorded hash {_short(mark.entry_hash)} for "
            f"it; it now has {_short(entry.entry_hash)}",
        )
    return None


def _check_end(
    head: ChainHead | None,
    entries: int,
    last_id: int | None,
    last_hash: str,
    marks: list[Mark],
) -> Break | None:
    for mark in marks:
        if mark.entry_id is not None and (last_id is None or mark.entry_id > last_id):
            return Break(
                mark.entry_id,
                f"it is missing: the {mark.source} of {mark.taken_at} recorded it (hash "
                f"{_short(mark.entry_hash)}) and the chain now ends at "
                + (f"entry {last_id}" if last_id is not None else "no entry"),
            )
    if head is None:
        if entries:
            return Break(None, "the chain's head record is missing")
        return None
    if head.entry_id is not None and (last_id != head.entry_id or last_hash != head.entry_hash):
        return Break(
            head.entry_id,
            f"it is missing or changed: the chain's head records it with hash "
            f"{_short(head.entry_hash)}, and the chain now ends at "
            + (f"entry {last_id}" if last_id is not None else "no entry"),
        )
    if head.entry_id is None and entries:
        return Break(None, "the chain's head records no entry, but the table has entries")
    return None


def _beyond_head(chain: str, model: type[ChainedModel]) -> Break | None:
    """An entry after the head was not appended by the application, which moves the head in
    the entry's own transaction (one statement: one snapshot, so a concurrent append is
    never mistaken for one)."""
    head_id = ChainHead.objects.filter(chain=chain).values("entry_id")[:1]
    stray = (
        model._base_manager.filter(pk__gt=Coalesce(Subquery(head_id), Value(0)))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if stray is None:
        return None
    return Break(
        stray,
        "it was written after the chain's head without moving it: inserted from outside the "
        "application",
    )


def _batches(rows: QuerySet[Any]) -> Iterator[ChainedModel]:
    """Every row in id order, ``BATCH`` at a time (a long chain never sits in memory)."""
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        batch = list(page[:BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk


def _short(digest: str) -> str:
    return digest[:12] + "…" if digest else "(none)"
