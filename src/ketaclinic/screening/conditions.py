"""The vocabulary of medical-history conditions (a patient's ``history_flags``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ketaclinic.core import load_toml


@dataclass(frozen=True)
class Condition:
    id: str
    label: str
    section: str
    source: str


@cache
def conditions() -> tuple[Condition, ...]:
    """Every condition the screening understands, in the data file's order."""
    data = load_toml(__package__, "conditions.toml")
    return tuple(
        Condition(id=c["id"], label=c["label"], section=c["section"], source=c["source"])
        for c in data["condition"]
    )


@cache
def conditions_version() -> str:
    return str(load_toml(__package__, "conditions.toml")["version"])


@cache
def known_condition_ids() -> frozenset[str]:
    return frozenset(condition.id for condition in conditions())
