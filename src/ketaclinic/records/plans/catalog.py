"""Browsing the packaged protocols (doses and evidence notes: clinicians only)."""

from __future__ import annotations

from ketaclinic.core import DomainInputError
from ketaclinic.dosing import default_formulary
from ketaclinic.protocols import Protocol, protocols
from ketaclinic.protocols import get_protocol as packaged_protocol
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import NotFound


def list_protocols(actor: Actor) -> tuple[Protocol, ...]:
    authorize(actor, Action.PROTOCOL_VIEW)
    audit.record(actor, Action.PROTOCOL_VIEW)
    return protocols()


def get_protocol(actor: Actor, protocol_id: str) -> Protocol:
    """The protocol, or ``NotFound``."""
    authorize(actor, Action.PROTOCOL_VIEW)
    try:
        protocol = packaged_protocol(protocol_id)
    except DomainInputError:
        raise NotFound(f"protocol {protocol_id!r} does not exist") from None
    audit.record(actor, Action.PROTOCOL_VIEW, detail={"protocol": protocol.id})
    return protocol


def concentrations_mg_per_ml(protocol: Protocol) -> tuple[float, ...]:
    """The formulary's concentrations a plan on this protocol may choose from."""
    return tuple(default_formulary().concentrations_for(protocol.route, protocol.drug))
