"""Instrument definitions and bundles: what a form shows and how it is scored.

The definitions hold no patient data: any authenticated user may read them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from ketaclinic.instruments import InstrumentError
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.errors import NotFound

from .errors import ERRORS

router = Router(tags=["instruments"])


class InstrumentSummaryOut(Schema):
    id: str
    version: str
    title: str
    respondent: str
    recall_period: str
    items: int
    total_min: int | float
    total_max: int | float


class BundleOut(Schema):
    id: str
    version: str
    title: str
    description: str
    instruments: list[str]
    source: str


class VersionQuery(Schema):
    version: str | None = None


@router.get("", response={200: list[InstrumentSummaryOut], **ERRORS})
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    """The active version of every instrument, in the registry's order."""
    return [
        {
            "id": d.id,
            "version": d.version,
            "title": d.title,
            "respondent": d.respondent,
            "recall_period": d.recall_period,
            "items": len(d.items),
            "total_min": d.total_min,
            "total_max": d.total_max,
        }
        for d in registry().definitions()
    ]


@router.get("/bundles", response={200: list[BundleOut], **ERRORS})
def list_bundles(request: HttpRequest) -> list[dict[str, Any]]:
    """Instruments asked together (e.g. ``baseline_intake``), in order."""
    return [bundle.as_dict() for bundle in registry().bundles()]


@router.get("/{instrument_id}", response={200: dict[str, Any], **ERRORS})
def get_instrument(
    request: HttpRequest, instrument_id: str, params: Query[VersionQuery]
) -> dict[str, Any]:
    """The whole definition (``Definition.as_dict()``): items in the source's order with
    their answer scales and anchors, groups, scoring, bands, alert rules and codes; the
    active version unless ``version`` is given."""
    try:
        return registry().get(instrument_id, params.version).as_dict()
    except InstrumentError as error:
        raise NotFound(error.message) from None
