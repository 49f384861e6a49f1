"""Plasma concentration landmarks from the literature (data/landmarks.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ketaclinic.core import Sourced, load_toml, read_sourced


@dataclass(frozen=True)
class Landmark:
    """A concentration range with a clinical meaning, drawn as a band on plots."""

    key: str
    label: str
    citation: str
    low_mg_per_l: Sourced
    high_mg_per_l: Sourced


@cache
def landmarks() -> tuple[Landmark, ...]:
    table = load_toml(__package__, "landmarks.toml")
    return tuple(
        Landmark(
            key=key,
            label=entry["label"],
            citation=entry["citation"],
            low_mg_per_l=read_sourced(entry, "low_mg_per_l", key),
            high_mg_per_l=read_sourced(entry, "high_mg_per_l", key),
        )
        for key, entry in table.items()
        if isinstance(entry, dict) and "label" in entry
    )


@cache
def summary_threshold() -> Sourced:
    """The concentration whose time-above every summary reports."""
    return read_sourced(
        load_toml(__package__, "landmarks.toml"), "summary_threshold_mg_per_l", "landmarks.toml"
    )
