"""Protocol endpoints: the packaged protocols with their evidence notes, limits and sources."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from ketaclinic.protocols import Protocol
from ketaclinic.records.plans import catalog

from .auth import actor
from .errors import ERRORS

router = Router(tags=["protocols"])


class ProtocolSummaryOut(Schema):
    id: str
    version: str
    name: str
    drug: str
    route: str
    weight_policy: str
    dose_quantity: str
    session_dose: float
    """In the unit ``dose_quantity`` names (mg/kg or mg)."""
    duration_min: float
    observation_min: float
    sessions: int
    span_days: int
    evidence_note: str


def summary(protocol: Protocol) -> dict[str, Any]:
    return {
        "id": protocol.id,
        "version": protocol.version,
        "name": protocol.name,
        "drug": protocol.drug,
        "route": protocol.route,
        "weight_policy": protocol.weight_policy,
        "dose_quantity": protocol.dose_quantity,
        "session_dose": protocol.session_dose.value,
        "duration_min": protocol.duration_min.value,
        "observation_min": protocol.observation_min.value,
        "sessions": int(protocol.sessions.value),
        "span_days": int(protocol.series_span_days.value),
        "evidence_note": protocol.evidence_note,
    }


@router.get("", response={200: list[ProtocolSummaryOut], **ERRORS})
def list_protocols(request: HttpRequest) -> list[dict[str, Any]]:
    """Every packaged protocol, with the evidence note the physician reads when choosing."""
    return [summary(protocol) for protocol in catalog.list_protocols(actor(request))]


@router.get("/{protocol_id}", response={200: dict[str, Any], **ERRORS})
def get_protocol(request: HttpRequest, protocol_id: str) -> dict[str, Any]:
    """Everything about one protocol, each number with its source; plus the formulary's
    concentrations a plan on it may use."""
    protocol = catalog.get_protocol(actor(request), protocol_id)
    return {
        **protocol.as_dict(),
        "concentrations_mg_per_ml": list(catalog.concentrations_mg_per_ml(protocol)),
    }
