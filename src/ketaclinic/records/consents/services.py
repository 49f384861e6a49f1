"""Signing, countersigning and reading informed consents; whether a current one exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.protocols.consent import ConsentDocument, consent_document, consent_policy
from ketaclinic.records.accounts.choices import Meaning
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.accounts.signatures import confirm_signer
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.toolkit import audits_refusals, validate

from .inputs import ConsentIn, CountersignIn
from .models import Consent, Countersignature, SignedVia


def document_for(protocol_id: str) -> ConsentDocument:
    """The current consent document of a protocol; ``InvalidInput`` naming ``protocol``."""
    try:
        return consent_document(protocol_id)
    except DomainInputError as error:
        raise InvalidInput.single(error.field, error.message) from None


@audits_refusals(Action.CONSENT_SIGN)
def sign_consent(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Consent:
    """The patient signs the current document of a protocol: in the portal (their own account)
    or on a clinic tablet a clinician hands them. Refused if the document changed meanwhile."""
    authorize(actor, Action.CONSENT_SIGN, patient_id=patient_id)
    fields = validate(ConsentIn, data)
    patient = patient_or_404(patient_id)
    document = document_for(fields.protocol)
    if fields.document_version != document.version:
        raise Conflict(
            f"the consent document is now version {document.version}: read it again and sign"
        )
    via = SignedVia.PORTAL if actor.role == Role.PATIENT else fields.via
    now = timezone.now()
    validity = consent_policy().valid_days
    with transaction.atomic():
        consent = Consent.objects.create(
            patient=patient,
            protocol_id=document.protocol_id,
            document_version=document.version,
            document=asdict(document),
            signed_name=fields.signed_name.strip(),
            signed_via=via,
            signed_at=now,
            recorded_by=actor.user,
            expires_on=timezone.localdate(now) + timedelta(days=int(validity.value)),
        )
        audit.record(
            actor,
            Action.CONSENT_SIGN,
            obj=consent,
            patient_id=patient_id,
            detail={"protocol": consent.protocol_id, "version": consent.document_version},
        )
    return consent


@audits_refusals(Action.CONSENT_COUNTERSIGN)
def countersign(actor: Actor, consent_id: int, data: Mapping[str, Any]) -> Countersignature:
    """The clinician countersigns; a witness is named where the clinic requires one."""
    patient_id = Consent.objects.filter(pk=consent_id).values_list("patient_id", flat=True).first()
    authorize(actor, Action.CONSENT_COUNTERSIGN, patient_id=patient_id)
    fields = validate(CountersignIn, data)
    if patient_id is None:
        raise NotFound(f"consent {consent_id} does not exist")
    policy = consent_policy()
    if policy.witness_required and not fields.witness_name.strip():
        raise InvalidInput.single(
            "witness_name", f"the clinic requires a witness ({policy.witness_source})"
        )
    proof = confirm_signer(actor, Meaning.CO_SIGNED, password=fields.password, otp=fields.otp)
    try:
        with transaction.atomic():
            signature = Countersignature.objects.create(
                consent_id=consent_id,
                clinician=actor.user,
                witness_name=fields.witness_name.strip(),
                signed_at=proof.at,
                meaning=proof.meaning,
                credential=proof.credential,
            )
            audit.record(
                actor,
                Action.CONSENT_COUNTERSIGN,
                obj=signature,
                patient_id=patient_id,
                detail={
                    "consent": consent_id,
                    "meaning": proof.meaning,
                    "credential": proof.credential,
                },
            )
    except IntegrityError:
        raise Conflict(f"consent {consent_id} is already countersigned") from None
    return signature


def list_consents(actor: Actor, patient_id: int) -> list[Consent]:
    """The patient's consents, newest first, with their countersignatures."""
    authorize(actor, Action.CONSENT_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    found = list(
        Consent.objects.filter(patient_id=patient_id).select_related(
            "countersignature__clinician", "recorded_by"
        )
    )
    audit.record(actor, Action.CONSENT_VIEW, patient_id=patient_id)
    return found


def get_consent(actor: Actor, consent_id: int) -> Consent:
    """One consent (for its PDF), permission-checked and audited."""
    patient_id = Consent.objects.filter(pk=consent_id).values_list("patient_id", flat=True).first()
    authorize(actor, Action.CONSENT_VIEW, patient_id=patient_id)
    consent = (
        Consent.objects.filter(pk=consent_id)
        .select_related("countersignature__clinician", "patient")
        .first()
    )
    if consent is None:
        raise NotFound(f"consent {consent_id} does not exist")
    audit.record_on(actor, Action.CONSENT_VIEW, consent)
    return consent


def consent_state(consent: Consent, on: date) -> str:
    """``current``, or why not: awaiting countersignature, expired, superseded by a new version."""
    if not hasattr(consent, "countersignature"):
        return "awaiting the clinician's countersignature"
    if consent.expires_on < on:
        return f"expired on {consent.expires_on.isoformat()}"
    try:
        version = consent_document(consent.protocol_id).version
    except DomainInputError:
        return "its protocol no longer has a consent document"
    if consent.document_version != version:
        return f"signed on version {consent.document_version}; the document is now {version}"
    return "current"


def consent_as_dict(consent: Consent, on: date) -> dict[str, Any]:
    """One consent as the API and the command line show it, with its state on day ``on``
    (``countersignature__clinician`` selected)."""
    counter = getattr(consent, "countersignature", None)
    return {
        "id": consent.pk,
        "patient_id": consent.patient_id,
        "protocol": consent.protocol_id,
        "document_version": consent.document_version,
        "signed_name": consent.signed_name,
        "signed_via": consent.signed_via,
        "signed_at": consent.signed_at,
        "expires_on": consent.expires_on,
        "countersignature": {
            "clinician": counter.clinician.username,
            "witness_name": counter.witness_name,
            "signed_at": counter.signed_at,
            "meaning": counter.meaning,
        }
        if counter is not None
        else None,
        "state": consent_state(consent, on),
    }
