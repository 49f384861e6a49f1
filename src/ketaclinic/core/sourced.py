"""Clinical numbers that carry their source, and readers for them in parsed TOML."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from .errors import DomainInputError

CLINIC_POLICY = "clinic policy"

Choice = TypeVar("Choice", bound=str)
Setting = TypeVar("Setting", str, bool)
_SETTING_KINDS: dict[type, str] = {str: "text", bool: "true or false"}


@dataclass(frozen=True)
class Sourced:
    """A number and where it comes from (a publication, or ``clinic policy``)."""

    value: float
    source: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "source": self.source}
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class SourcedInterval:
    """An inclusive range with one source, e.g. a literature range ``{min, max, source}``."""

    min: float
    max: float
    source: str

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


def read_sourced(table: Mapping[str, Any], key: str, where: str) -> Sourced:
    """Read ``{value = …, source = "…"}`` at ``table[key]``; ``where`` prefixes error fields."""
    field = f"{where}.{key}"
    item = table.get(key)
    if not isinstance(item, Mapping):
        raise DomainInputError(field, 'must be a table {value = …, source = "…"}')
    value = item.get("value")
    source = item.get("source")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DomainInputError(f"{field}.value", "must be a finite number")
    if not isinstance(source, str) or not source.strip():
        raise DomainInputError(f"{field}.source", "every clinical number needs a source")
    note = item.get("note", "")
    if not isinstance(note, str):
        raise DomainInputError(f"{field}.note", "must be text")
    return Sourced(value=float(value), source=source.strip(), note=note.strip())


def read_sourced_fields(
    table: Mapping[str, Any], keys: Iterable[str], where: str
) -> dict[str, Sourced]:
    """``read_sourced`` for each of ``keys``, by key (e.g. to fill a dataclass's fields)."""
    return {key: read_sourced(table, key, where) for key in keys}


def read_optional_sourced(table: Mapping[str, Any], key: str, where: str) -> Sourced | None:
    return read_sourced(table, key, where) if key in table else None


def read_text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DomainInputError(f"{where}.{key}", "must be non-empty text")
    return value.strip()


def read_choice(
    table: Mapping[str, Any], key: str, where: str, allowed: Sequence[Choice]
) -> Choice:
    """Text at ``table[key]`` that must be one of ``allowed`` (e.g. a Literal's ``get_args``)."""
    value = read_text(table, key, where)
    if value not in allowed:
        raise DomainInputError(f"{where}.{key}", f"must be one of {', '.join(allowed)}")
    return cast(Choice, value)


def read_texts(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list of non-empty texts at ``table[key]`` (absent: empty), each stripped."""
    items = table.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise DomainInputError(f"{where}.{key}", "must be a list of non-empty texts")
    return tuple(item.strip() for item in items)


def read_table(table: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, Mapping):
        raise DomainInputError(f"{where}.{key}", "must be a table")
    return value


def read_sourced_setting(
    table: Mapping[str, Any], key: str, where: str, kind: type[Setting]
) -> tuple[Setting, str]:
    """A text or yes/no setting with its source, ``{value = "…" or true, source = "…"}``."""
    entry = _sourced_entry(table, key, where)
    value = entry.get("value")
    if not isinstance(value, kind):
        raise DomainInputError(f"{where}.{key}.value", f"must be {_SETTING_KINDS[kind]}")
    return value, entry["source"]


def read_interval(table: Mapping[str, Any], key: str, where: str) -> SourcedInterval:
    """``{min = …, max = …, source = "…"}`` at ``table[key]``, with min <= max."""
    entry = _sourced_entry(table, key, where)
    low, high = entry.get("min"), entry.get("max")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low > high:
        raise DomainInputError(f"{where}.{key}", "needs numbers min <= max")
    return SourcedInterval(float(low), float(high), entry["source"])


def _sourced_entry(table: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    entry = table.get(key)
    if not isinstance(entry, Mapping):
        raise DomainInputError(f"{where}.{key}", "missing")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise DomainInputError(f"{where}.{key}.source", "every clinical number needs a source")
    return entry
