"""The outcome rules as data (``data/outcomes.toml``): instruments, thresholds, sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_sourced,
    read_table,
    read_text,
)


@dataclass(frozen=True)
class OutcomeRules:
    version: str
    pain_instrument: str
    pain_now_instrument: str
    fiqr_instrument: str
    dissociation_instrument: str
    shown_instruments: tuple[str, ...]
    pain_moderate_percent: Sourced
    pain_substantial_percent: Sourced
    fiqr_improved_percent: Sourced
    fiqr_threshold_confirmed: bool
    return_fraction: Sourced
    max_pair_gap_h: Sourced

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "pain_instrument": self.pain_instrument,
            "pain_now_instrument": self.pain_now_instrument,
            "fiqr_instrument": self.fiqr_instrument,
            "pain_moderate_percent": self.pain_moderate_percent.as_dict(),
            "pain_substantial_percent": self.pain_substantial_percent.as_dict(),
            "fiqr_improved_percent": {
                **self.fiqr_improved_percent.as_dict(),
                "confirmed": self.fiqr_threshold_confirmed,
            },
            "return_fraction": self.return_fraction.as_dict(),
            "max_pair_gap_h": self.max_pair_gap_h.as_dict(),
        }


def rules_from_mapping(data: Mapping[str, Any]) -> OutcomeRules:
    """Read and check the rules; every number needs a source."""
    instruments = read_table(data, "instruments", "outcomes")
    pain = read_table(read_table(data, "responder", "outcomes"), "pain", "responder")
    fiqr = read_table(read_table(data, "responder", "outcomes"), "fiqr", "responder")
    durability = read_table(data, "durability", "outcomes")
    immediate = read_table(data, "immediate", "outcomes")
    shown = instruments.get("shown")
    if not isinstance(shown, list) or not shown or not all(isinstance(i, str) for i in shown):
        raise DomainInputError("instruments.shown", "must be a non-empty list of instrument ids")
    rules = OutcomeRules(
        version=read_text(data, "version", "outcomes"),
        pain_instrument=read_text(instruments, "pain", "instruments"),
        pain_now_instrument=read_text(instruments, "pain_now", "instruments"),
        fiqr_instrument=read_text(instruments, "fiqr", "instruments"),
        dissociation_instrument=read_text(instruments, "dissociation", "instruments"),
        shown_instruments=tuple(shown),
        pain_moderate_percent=read_sourced(pain, "moderate_percent", "responder.pain"),
        pain_substantial_percent=read_sourced(pain, "substantial_percent", "responder.pain"),
        fiqr_improved_percent=read_sourced(fiqr, "improved_percent", "responder.fiqr"),
        fiqr_threshold_confirmed=fiqr.get("status", "confirmed") == "confirmed",
        return_fraction=read_sourced(durability, "return_fraction", "durability"),
        max_pair_gap_h=read_sourced(immediate, "max_pair_gap_h", "immediate"),
    )
    _check(rules)
    return rules


def _check(rules: OutcomeRules) -> None:
    for field, sourced in (
        ("responder.pain.moderate_percent", rules.pain_moderate_percent),
        ("responder.pain.substantial_percent", rules.pain_substantial_percent),
        ("responder.fiqr.improved_percent", rules.fiqr_improved_percent),
    ):
        if not 0 < sourced.value <= 100:
            raise DomainInputError(field, "must be a percentage above 0 and at most 100")
    if rules.pain_substantial_percent.value <= rules.pain_moderate_percent.value:
        raise DomainInputError(
            "responder.pain.substantial_percent", "must be above moderate_percent"
        )
    if not 0 < rules.return_fraction.value <= 1:
        raise DomainInputError("durability.return_fraction", "must be in (0, 1]")
    if rules.max_pair_gap_h.value <= 0:
        raise DomainInputError("immediate.max_pair_gap_h", "must be above 0")
    if rules.pain_instrument not in rules.shown_instruments:
        raise DomainInputError("instruments.shown", "must include the pain instrument")
    if rules.pain_now_instrument == rules.pain_instrument:
        raise DomainInputError(
            "instruments.pain_now", "must differ from the pain instrument (a 24-hour recall)"
        )


@cache
def outcome_rules() -> OutcomeRules:
    """The packaged rules."""
    return rules_from_mapping(load_toml(__package__, "outcomes.toml"))
