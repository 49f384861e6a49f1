"""Tables as CSV: written to a directory (the command line) or streamed as a ZIP (the web),
a row at a time, with a data dictionary; spreadsheet formulas are neutralised."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ketaclinic.records.audit.services import safe_cell
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.outcomes.tables import Column, Table

Progress = Callable[[str, int], None]
"""Told the table's name and the rows written so far, every ``PROGRESS_EVERY`` rows."""
PROGRESS_EVERY = 5000
ZIP_CHUNK_BYTES = 64 * 1024


class _Line:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


def csv_lines(table: Table, progress: Progress | None = None) -> Iterator[str]:
    """The header, then each row as one CSV line."""
    writer = csv.writer(_Line())
    yield writer.writerow([column.name for column in table.columns])
    written = 0
    for row in table:
        yield writer.writerow([_cell(value) for value in row])
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(table.name, written)
    if progress:
        progress(table.name, written)


def dictionary_table(tables: Sequence[Table], extra: Sequence[Table] = ()) -> Table:
    """One row per column of every table: what it holds and its unit."""
    rows = [
        (table.name, table.description, column.name, column.description, column.unit)
        for table in [*tables, *extra]
        for column in table.columns
    ]
    return Table(
        "data_dictionary",
        "what every column of every file holds",
        (
            Column("file", "the CSV file (without .csv)"),
            Column("file_description", "what the file holds"),
            Column("column", "column name"),
            Column("description", "what the column holds"),
            Column("unit", "unit, when the value has one"),
        ),
        lambda: rows,
    )


def with_dictionary(tables: Sequence[Table], notes: Sequence[Table] = ()) -> list[Table]:
    """The tables, any notes tables, and the data dictionary describing them all."""
    return [*tables, *notes, dictionary_table(tables, notes)]


def write_directory(
    tables: Iterable[Table], out: Path, progress: Progress | None = None
) -> list[Path]:
    """Write ``<table>.csv`` files into ``out`` (new or empty). They are written in a temporary
    directory beside it first, so a failure leaves nothing half-written."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInput.single("out", f"{out} exists and is not an empty directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for table in tables:
            with (staging / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as file:
                for line in csv_lines(table, progress):
                    file.write(line)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.glob("*.csv"))


class _Pipe(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are collected for the response."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data, self.chunks, self.size = b"".join(self.chunks), [], 0
        return data


def zip_stream(tables: Iterable[Table], folder: str) -> Iterator[bytes]:
    """A ZIP of ``<folder>/<table>.csv`` files, produced as it is read (bounded memory)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            with archive.open(f"{folder}/{table.name}.csv", "w", force_zip64=True) as member:
                for line in csv_lines(table):
                    member.write(line.encode("utf-8"))
                    if pipe.size >= ZIP_CHUNK_BYTES:
                        yield pipe.take()
            yield pipe.take()
    yield pipe.take()
