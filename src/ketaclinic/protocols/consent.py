"""Informed-consent documents per protocol (data/consent.toml), versioned, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_sourced,
    read_sourced_setting,
    read_text,
)

from .catalog import get_protocol, protocol_ids


@dataclass(frozen=True)
class ConsentSection:
    heading: str
    text: str


@dataclass(frozen=True)
class ConsentDocument:
    """What a patient reads and signs for one protocol; ``version`` names these exact words."""

    protocol_id: str
    version: str
    title: str
    sections: tuple[ConsentSection, ...]


@dataclass(frozen=True)
class ConsentPolicy:
    valid_days: Sourced
    witness_required: bool
    witness_source: str


@cache
def _data() -> dict[str, Any]:
    return load_toml(__package__, "consent.toml")


@cache
def consent_policy() -> ConsentPolicy:
    data = _data()
    witness = read_sourced_setting(data, "witness_required", "consent", bool)
    return ConsentPolicy(read_sourced(data, "valid_days", "consent"), *witness)


def consent_protocol_ids() -> tuple[str, ...]:
    return tuple(read_text(d, "protocol", "consent.document") for d in _data()["document"])


@cache
def consent_document(protocol_id: str) -> ConsentDocument:
    """The current consent document for ``protocol_id``; raises naming ``protocol`` if none."""
    if protocol_id not in protocol_ids() or protocol_id not in consent_protocol_ids():
        raise DomainInputError("protocol", f"no protocol {protocol_id!r} with a consent document")
    data = _data()
    protocol = get_protocol(protocol_id)
    fill = {
        "name": protocol.name,
        "sessions": f"{protocol.sessions.value:g}",
        "span_days": f"{protocol.series_span_days.value:g}",
    }
    return ConsentDocument(
        protocol_id=protocol_id,
        version=f"{read_text(data, 'version', 'consent')}/{protocol.version}",
        title=f"Consent to ketamine treatment for fibromyalgia: {protocol.name}",
        sections=tuple(
            ConsentSection(
                read_text(s, "heading", "consent.section"),
                read_text(s, "text", "consent.section").format(**fill),
            )
            for s in data["section"]
        ),
    )
