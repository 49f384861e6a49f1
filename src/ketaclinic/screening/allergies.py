"""Allergies as coded facts: an allergen from the vocabulary (or flagged free text), the
reaction and its severity; reading them from the plain text a clinician types."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from ketaclinic.core import DomainInputError, load_toml

OTHER = "other"
"""The allergen of free text that names no known allergen (always flagged)."""
# "Name (detail)", "Name: detail" or "Name - detail".
_TEXT = re.compile(r"^(?P<name>.+?)\s*(?:(?:\(|:|\s[-–]\s)\s*(?P<detail>.*?)\)?)?$")


@dataclass(frozen=True)
class Allergen:
    id: str
    label: str
    group: str
    names: tuple[str, ...]
    condition: str | None
    covers: tuple[str, ...]


@dataclass(frozen=True)
class Allergy:
    """One coded allergy; ``text`` is what was typed when it names no known allergen."""

    allergen: str
    reaction: str = ""
    severity: str = "unknown"
    text: str = ""

    @property
    def flagged(self) -> bool:
        """Free text that names no known allergen: a clinician should check it."""
        return self.allergen == OTHER

    @property
    def label(self) -> str:
        return self.text if self.flagged else allergen(self.allergen).label

    def describe(self) -> str:
        """One line that reads back to the same allergy, e.g. "Ketamine (anaphylaxis, severe)"."""
        if self.flagged:
            return self.text
        detail = [part for part in (self.reaction, self._severity_word()) if part]
        return f"{self.label} ({', '.join(detail)})" if detail else self.label

    def _severity_word(self) -> str:
        return "" if self.severity == "unknown" else self.severity

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label, "flagged": self.flagged}


@cache
def _vocabulary() -> dict[str, Any]:
    return load_toml(__package__, "allergens.toml")


@cache
def allergens() -> tuple[Allergen, ...]:
    return tuple(
        Allergen(
            id=item["id"],
            label=item["label"],
            group=item["group"],
            names=tuple(item["names"]),
            condition=item.get("condition"),
            covers=tuple(item.get("covers", ())),
        )
        for item in _vocabulary()["allergen"]
    )


def severities() -> tuple[str, ...]:
    return tuple(_vocabulary()["severities"])


def allergens_version() -> str:
    return str(_vocabulary()["version"])


def allergen(allergen_id: str) -> Allergen:
    for known in allergens():
        if known.id == allergen_id:
            return known
    raise DomainInputError("allergen", f"{allergen_id!r} is not a known allergen")


def make_allergy(
    allergen_id: str, reaction: str = "", severity: str = "unknown", text: str = ""
) -> Allergy:
    """A checked allergy: a known allergen (or ``other`` with its text) and a known severity."""
    if allergen_id != OTHER:
        allergen(allergen_id)
        text = ""
    elif not text.strip():
        raise DomainInputError("text", "describe an allergy that names no known allergen")
    if severity not in severities():
        raise DomainInputError("severity", f"must be one of {', '.join(severities())}")
    return Allergy(allergen_id, reaction.strip(), severity, text.strip())


def parse_allergy(text: str) -> Allergy:
    """Read typed text: "Ketamine (anaphylaxis)" is ketamine with that reaction; a last part
    naming a severity sets it; text naming no known allergen stays flagged free text."""
    stripped = " ".join(text.split())
    if not stripped:
        raise DomainInputError("allergies", "an allergy cannot be blank")
    match = _TEXT.match(stripped)
    name = (match.group("name") if match else stripped).strip().lower()
    found = next((a for a in allergens() if name in a.names), None)
    if found is None:
        return Allergy(OTHER, text=stripped)
    parts = [p.strip() for p in ((match and match.group("detail")) or "").split(",") if p.strip()]
    severity = "unknown"
    if parts and parts[-1].lower() in severities():
        severity = parts.pop().lower()
    return Allergy(found.id, ", ".join(parts), severity)


def allergy_from_mapping(data: Mapping[str, Any]) -> Allergy:
    return make_allergy(
        str(data.get("allergen", "")),
        str(data.get("reaction", "")),
        str(data.get("severity", "unknown")),
        str(data.get("text", "")),
    )


def conditions_from(allergies: Iterable[Allergy]) -> dict[str, str]:
    """The history conditions the allergies add to the screening, each with what matched."""
    found: dict[str, str] = {}
    for allergy in allergies:
        if not allergy.flagged and (condition := allergen(allergy.allergen).condition):
            found.setdefault(condition, f"allergy: {allergy.describe()}")
    return found


def allergic_to(allergies: Iterable[Allergy], drug: str) -> Allergy | None:
    """The allergy that rules ``drug`` out (the drug itself, or a class that covers it)."""
    for allergy in allergies:
        if allergy.flagged:
            continue
        if allergy.allergen == drug or drug in allergen(allergy.allergen).covers:
            return allergy
    return None
