"""Informed consent: the documents, the patient's signature, the countersignature, the PDF."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from ketaclinic.interop.consent_pdf import consent_pdf_response
from ketaclinic.records.consents import services
from ketaclinic.records.consents.inputs import ConsentIn, CountersignIn

from .auth import actor
from .errors import ERRORS

patient_router = Router(tags=["consents"])
router = Router(tags=["consents"])
document_router = Router(tags=["consents"])


class SectionOut(Schema):
    heading: str
    text: str


class DocumentOut(Schema):
    protocol_id: str
    version: str
    title: str
    sections: list[SectionOut]


class CountersignatureOut(Schema):
    clinician: str
    witness_name: str
    signed_at: datetime
    meaning: str
    """The countersignature's meaning: ``co_signed``."""


class ConsentOut(Schema):
    id: int
    patient_id: int
    protocol: str
    document_version: str
    signed_name: str
    signed_via: str
    signed_at: datetime
    expires_on: date
    countersignature: CountersignatureOut | None
    state: str


def _consent(consent: Any) -> dict[str, Any]:
    return services.consent_as_dict(consent, timezone.localdate())


@document_router.get("/{protocol_id}", response={200: DocumentOut, **ERRORS})
def consent_document(request: HttpRequest, protocol_id: str) -> Any:
    """The current consent document of a protocol, to read before signing."""
    return services.document_for(protocol_id)


@patient_router.post("/{patient_id}/consents", response={201: ConsentOut, **ERRORS})
def sign_consent(request: HttpRequest, patient_id: int, data: ConsentIn) -> Status[dict[str, Any]]:
    """The patient signs the current document of a protocol (``document_version`` as read);
    a protocol that does not exist is refused (422 naming ``protocol``)."""
    found = services.sign_consent(actor(request), patient_id, data.model_dump())
    return Status(201, _consent(found))


@patient_router.get("/{patient_id}/consents", response={200: list[ConsentOut], **ERRORS})
def list_consents(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """The patient's consents, newest first, each with its state (current, or why not)."""
    return [_consent(found) for found in services.list_consents(actor(request), patient_id)]


@router.post("/{consent_id}/countersign", response={201: ConsentOut, **ERRORS})
def countersign(request: HttpRequest, consent_id: int, data: CountersignIn) -> Status[Any]:
    """The clinician countersigns, naming the witness where the clinic requires one."""
    who = actor(request)
    services.countersign(who, consent_id, data.model_dump())
    return Status(201, _consent(services.get_consent(who, consent_id)))


@router.get("/{consent_id}/pdf", response={200: None, **ERRORS})
def consent_as_pdf(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The signed consent as PDF."""
    return consent_pdf_response(services.get_consent(actor(request), consent_id))
