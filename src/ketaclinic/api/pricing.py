"""Prices and Good Faith Estimates: the price lists (staff read, managers add a version) and
a patient's estimates (front desk and managers issue them; the patient sees their own)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from ketaclinic.interop.estimate_pdf import estimate_pdf_response
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.pricing import estimates, services
from ketaclinic.records.pricing.inputs import EstimateIn, PriceListIn

from .auth import actor
from .errors import ERRORS

router = Router(tags=["prices"])
patient_router = Router(tags=["prices"])
estimate_router = Router(tags=["prices"])


class PriceItemOut(Schema):
    kind: str
    protocol: str
    label: str
    code: str
    codes: list[str]
    sessions: int
    amount_cents: int


class PriceListOut(Schema):
    id: int
    location: str
    location_name: str
    version: int
    effective_from: str
    note: str
    created_by: str
    created_at: str
    items: list[PriceItemOut]


class EstimateItemOut(Schema):
    position: int
    kind: str
    description: str
    code: str
    codes: list[str]
    quantity: int
    amount_cents: int
    line_cents: int
    service_date: str | None


class DiagnosisOut(Schema):
    code: str
    description: str


class EstimateOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    date_of_birth: str
    summary: str
    basis: str
    requested: bool
    location: str
    location_name: str
    location_address: str
    provider: dict[str, str]
    issued_at: str
    issued_by: str
    scheduled_on: str | None
    due_by: str | None
    timing: str
    service_from: str | None
    service_to: str | None
    diagnosis_codes: list[DiagnosisOut]
    items: list[EstimateItemOut]
    total_cents: int
    disclaimers: list[str]
    supersedes: int | None
    superseded_by: int | None
    pdf: str


def _body(request: HttpRequest) -> dict[str, Any]:
    """The JSON object posted (empty body: ``{}``), read here so that the service authorizes
    before it validates and every refusal is audited."""
    if not request.body.strip():
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "the body is not JSON") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput.single("body", "must be a JSON object")
    return data


PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The Good Faith Estimate as a PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with every ``$defs`` reference replaced by its definition (the references
    would otherwise point into the OpenAPI document's root)."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {k: _inlined(v, definitions) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    return node


def _body_schema(model: type[Any]) -> dict[str, Any]:
    """The request body's schema for the OpenAPI document (the body is read by ``_body``)."""
    schema = model.model_json_schema()
    inlined = _inlined(schema, schema.get("$defs", {}))
    return {"requestBody": {"content": {"application/json": {"schema": inlined}}}}


def _estimate(found: Any) -> dict[str, Any]:
    return estimates.estimate_dict(found) | {"pdf": f"/api/estimates/{found.pk}/pdf"}


@router.get("", response={200: list[PriceListOut], **ERRORS})
def list_price_lists(request: HttpRequest, location: str = "") -> list[dict[str, Any]]:
    """Every version of every location's prices (``?location=SLUG``: one location's), newest
    effective date first. Amounts are integer cents."""
    return [services.price_list_dict(p) for p in services.price_lists(actor(request), location)]


@router.post("", response={201: PriceListOut, **ERRORS}, openapi_extra=_body_schema(PriceListIn))
def add_price_list(request: HttpRequest) -> Status[dict[str, Any]]:
    """A manager adds a new version of a location's prices, in effect from ``effective_from``
    (old versions stay). ``amount_cents`` is a whole number of cents, 0 or more: a fraction of
    a cent or a negative amount is a 422 naming the field; an unknown code too."""
    created = services.add_price_list(actor(request), _body(request))
    return Status(201, services.price_list_dict(created))


@patient_router.post(
    "/{patient_id}/estimates",
    response={201: EstimateOut, **ERRORS},
    openapi_extra=_body_schema(EstimateIn),
)
def issue_estimate(request: HttpRequest, patient_id: int) -> Status[dict[str, Any]]:
    """Issue a Good Faith Estimate. An empty body estimates the patient's booked and planned
    care, or when there is none yet the location's standard course (a consultation and the
    infusion series). ``total_cents`` is the sum of ``quantity`` × ``amount_cents`` (per
    unit) over ``items``; ``pdf`` is the link to its PDF."""
    found = estimates.issue_estimate(actor(request), patient_id, _body(request))
    return Status(201, _estimate(found))


@patient_router.get("/{patient_id}/estimates", response={200: list[EstimateOut], **ERRORS})
def list_estimates(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """The patient's estimates, newest first (a newer one supersedes the older)."""
    return [_estimate(e) for e in estimates.patient_estimates(actor(request), patient_id)]


@estimate_router.get("/{estimate_id}", response={200: EstimateOut, **ERRORS})
def get_estimate(request: HttpRequest, estimate_id: int) -> dict[str, Any]:
    return _estimate(estimates.get_estimate(actor(request), estimate_id))


@estimate_router.get("/{estimate_id}/pdf", response=ERRORS, openapi_extra=PDF_ANSWER)
def estimate_pdf(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """The estimate as the PDF given to the patient."""
    return estimate_pdf_response(estimates.get_estimate(actor(request), estimate_id))
