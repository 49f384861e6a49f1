"""Plasma concentration landmarks from the literature (data/landmarks.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .datafiles import Sourced, load, sourced


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
    table = load("landmarks.toml")
    return tuple(
        Landmark(
            key=key,
            label=entry["label"],
            citation=entry["citation"],
            low_mg_per_l=sourced(entry, "low_mg_per_l", key),
            high_mg_per_l=sourced(entry, "high_mg_per_l", key),
        )
        for key, entry in table.items()
        if isinstance(entry, dict) and "label" in entry
    )


@cache
def summary_threshold() -> Sourced:
    """The concentration whose time-above every summary reports."""
    return sourced(load("landmarks.toml"), "summary_threshold_mg_per_l", "landmarks.toml")
