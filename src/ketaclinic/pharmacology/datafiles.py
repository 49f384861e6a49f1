"""Reading the packaged TOML data files, where every number comes with its source."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

Table = Mapping[str, Any]


@dataclass(frozen=True)
class Sourced:
    """A number from a data file and where it comes from."""

    value: float
    source: str


@dataclass(frozen=True)
class Interval:
    """An inclusive range from a data file and where it comes from."""

    min: float
    max: float
    source: str

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


@cache
def load(name: str) -> Table:
    """Parse ``data/<name>`` from this package (cached: the files are immutable)."""
    text = (files(__package__) / "data" / name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def sourced(table: Table, key: str, where: str) -> Sourced:
    entry = _entry(table, key, where)
    value = entry.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}.{key}: value must be a number")
    return Sourced(float(value), entry["source"])


def sourced_text(table: Table, key: str, where: str) -> tuple[str, str]:
    """A textual setting with its source, e.g. an extrapolation policy."""
    entry = _entry(table, key, where)
    if not isinstance(entry.get("value"), str):
        raise ValueError(f"{where}.{key}: value must be text")
    return entry["value"], entry["source"]


def sourced_flag(table: Table, key: str, where: str) -> tuple[bool, str]:
    entry = _entry(table, key, where)
    if not isinstance(entry.get("value"), bool):
        raise ValueError(f"{where}.{key}: value must be true or false")
    return entry["value"], entry["source"]


def interval(table: Table, key: str, where: str) -> Interval:
    entry = _entry(table, key, where)
    low, high = entry.get("min"), entry.get("max")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low > high:
        raise ValueError(f"{where}.{key}: needs numbers min <= max")
    return Interval(float(low), float(high), entry["source"])


def _entry(table: Table, key: str, where: str) -> Table:
    entry = table.get(key)
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}.{key}: missing")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where}.{key}: every value needs a source")
    return entry
