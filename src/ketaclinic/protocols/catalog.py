"""The packaged protocol definitions (data/protocols/*.toml)."""

from __future__ import annotations

from functools import cache

from ketaclinic.core import DomainInputError, data_file_names, load_toml

from .definition import Protocol, protocol_from_mapping
from .rules import booster_rules, titration_rules


@cache
def protocols() -> tuple[Protocol, ...]:
    """Every packaged protocol, ordered by id; file names and rule references are checked."""
    loaded = []
    for name in data_file_names(__package__, "protocols"):
        protocol = protocol_from_mapping(load_toml(__package__, "protocols", name))
        if name != f"{protocol.id}.toml":
            raise DomainInputError(f"{protocol.id}.id", f"does not match its file name {name}")
        if protocol.titration_rule not in titration_rules():
            raise DomainInputError(f"{protocol.id}.titration.rule", "names no rule in rules.toml")
        if protocol.booster_rule not in booster_rules():
            raise DomainInputError(f"{protocol.id}.booster.rule", "names no rule in rules.toml")
        loaded.append(protocol)
    return tuple(loaded)


def protocol_ids() -> tuple[str, ...]:
    return tuple(protocol.id for protocol in protocols())


def get_protocol(protocol_id: str) -> Protocol:
    """The protocol with this id, or DomainInputError naming ``protocol``."""
    for protocol in protocols():
        if protocol.id == protocol_id:
            return protocol
    raise DomainInputError(
        "protocol", f"unknown protocol {protocol_id!r}; known: {', '.join(protocol_ids())}"
    )
